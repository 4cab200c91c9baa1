"""Chunked execution of sweeps: the local and Dask backends and the checkpoints.

A sweep is a parameter matrix (one row per cell of the sweep) and a *chunk
function* ``func(map, params, **options) -> dict of arrays`` whose arrays have
one entry (first axis) per row. The compiled kernels behind every chunk
function are row-independent, so a sweep can be cut into chunks of rows,
computed anywhere and concatenated, and the result is bit-identical whatever
the chunking and the backend.

- ``backend="local"`` runs the chunks one after another in this process; each
  chunk is one parallel compiled batch (numba ``prange`` across rows).
- ``backend="dask"`` submits one task per chunk to a ``dask.distributed``
  client and collects the results as they complete.

With a ``checkpoint_dir`` each finished chunk is written there at once (by the
calling process, atomically: a temporary file renamed into place), under a
name holding the chunk index and a digest of the whole sweep specification.
A later run with the same directory and the same specification loads the
finished chunks and computes only the missing ones; a changed specification
has another digest and never reuses stale chunks.

This module may import numpy, tqdm, :mod:`dynsys_align.maps`, the validation
helpers and the exceptions; dask is imported only when the Dask backend runs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..exceptions import InvalidParameter

__all__ = ["BACKENDS", "DEFAULT_CHUNK_SIZE", "run_chunks", "sweep_digest"]

logger = logging.getLogger(__name__)

#: Names accepted by the ``backend`` argument of the sweeps.
BACKENDS = ("local", "dask")
#: Rows per chunk when the caller does not choose.
DEFAULT_CHUNK_SIZE = 256
#: Bumped whenever the layout of a checkpoint file changes.
_CHECKPOINT_FORMAT = "dynsys-align-sweep-1"


@dataclass(frozen=True)
class _ChunkTask:
    """One chunk of a sweep: everything a worker needs, and nothing else."""

    func: Callable
    map: object
    params: np.ndarray
    options: Mapping = field(default_factory=dict)

    def __call__(self) -> dict:
        return self.func(self.map, self.params, **self.options)


def _run_task(task: _ChunkTask) -> dict:
    # a module-level function so that Dask can ship it by reference
    return task()


# --- validation -----------------------------------------------------------------


def _check_backend(backend: str) -> str:
    """Return ``backend`` if it names a known backend, else raise."""
    if backend not in BACKENDS:
        raise InvalidParameter(
            f"backend must be one of {', '.join(map(repr, BACKENDS))}, "
            f"got backend = {backend!r}"
        )
    return backend


def _check_chunk_size(chunk_size) -> int:
    """Return ``chunk_size`` as a positive int, else raise."""
    if chunk_size is None:
        return DEFAULT_CHUNK_SIZE
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)):
        raise InvalidParameter(
            f"chunk_size must be a positive integer, got chunk_size = {chunk_size!r}"
        )
    if chunk_size < 1:
        raise InvalidParameter(
            f"chunk_size must be a positive integer, got chunk_size = {chunk_size!r}"
        )
    return int(chunk_size)


def _check_count(value, name: str, minimum: int) -> int:
    """Return ``value`` as an int >= ``minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidParameter(f"{name} must be an integer, got {name} = {value!r}")
    if value < minimum:
        raise InvalidParameter(f"{name} must be >= {minimum}, got {name} = {value}")
    return int(value)


# --- the sweep digest -----------------------------------------------------------


def _feed(h, obj) -> None:
    """Feed a canonical byte form of ``obj`` into the hash ``h``."""
    if obj is None or isinstance(obj, (bool, int, float, complex, str)):
        h.update(f"{type(obj).__name__}:{obj!r};".encode())
    elif isinstance(obj, np.ndarray):
        a = np.ascontiguousarray(obj)
        h.update(f"ndarray:{a.dtype.str}:{a.shape};".encode())
        h.update(a.tobytes())
    elif isinstance(obj, np.generic):
        _feed(h, obj.item())
    elif isinstance(obj, Mapping):
        h.update(b"map{")
        for key in sorted(obj, key=str):
            _feed(h, str(key))
            _feed(h, obj[key])
        h.update(b"}")
    elif isinstance(obj, (list, tuple)):
        h.update(f"seq{len(obj)}[".encode())
        for item in obj:
            _feed(h, item)
        h.update(b"]")
    elif isinstance(obj, type):
        h.update(f"type:{obj.__module__}.{obj.__qualname__};".encode())
    elif callable(obj):
        # functions (plain or numba dispatchers) are identified by name and code
        py = getattr(obj, "py_func", obj)
        h.update(
            f"func:{getattr(py, '__module__', '')}."
            f"{getattr(py, '__qualname__', type(py).__qualname__)};".encode()
        )
        code = getattr(py, "__code__", None)
        if code is not None:
            h.update(code.co_code)
            _feed(h, tuple(c for c in code.co_consts if isinstance(c, (int, float, str))))
    elif hasattr(obj, "__dataclass_fields__"):
        h.update(f"dataclass:{type(obj).__qualname__};".encode())
        _feed(h, {k: getattr(obj, k) for k in obj.__dataclass_fields__})
    else:
        h.update(f"repr:{type(obj).__qualname__}:{obj!r};".encode())


def sweep_digest(func, map_, params, options, chunk_size) -> str:
    """Hex digest identifying a sweep: chunk function, map, rows, options, chunking.

    The map enters through its class, its kernels (module, name and byte code)
    and its dimension; its numbers are all in ``params``.

    Two sweeps share checkpoint files only when every one of these agrees.
    """
    h = hashlib.sha256(_CHECKPOINT_FORMAT.encode())
    _feed(h, func)
    _feed(h, type(map_))
    step, jac, _, _ = map_.kernels
    _feed(h, step)  # maps made by from_kernels share a class name
    _feed(h, jac)
    _feed(h, map_.dim)
    _feed(h, np.asarray(params, dtype=float))
    _feed(h, dict(options))
    _feed(h, int(chunk_size))
    return h.hexdigest()


# --- checkpoint files -----------------------------------------------------------


def _chunk_path(directory: Path, index: int, digest: str) -> Path:
    return directory / f"chunk-{index:06d}-{digest[:20]}.npz"


def _write_chunk(path: Path, result: Mapping) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **{k: np.asarray(v) for k, v in result.items()})
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read_chunk(path: Path, n_rows: int) -> dict | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            out = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        logger.warning("ignoring unreadable checkpoint %s (%s)", path, exc)
        return None
    if any(v.shape[:1] != (n_rows,) for v in out.values()):
        logger.warning("ignoring checkpoint %s: wrong number of rows", path)
        return None
    return out


# --- the runner -----------------------------------------------------------------


def _progress_bar(total: int, progress: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not progress, desc=desc, unit="chunk")


def _open_client(client):
    """Return ``(client, close)``; ``close`` releases what this function created."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "the Dask backend needs dask.distributed: pip install 'dask[distributed]'"
        ) from exc
    if client is None:
        n = max(1, min(2, os.cpu_count() or 1))
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
        own = Client(cluster)
        logger.info("started a local Dask cluster with %d worker processes", n)

        def close():
            own.close()
            cluster.close()

        return own, close
    if isinstance(client, str):
        own = Client(client)
        logger.info("connected to the Dask scheduler at %s", client)
        return own, own.close
    if not hasattr(client, "submit"):
        raise InvalidParameter(
            "client must be a dask.distributed Client, a scheduler address or None, "
            f"got client = {client!r}"
        )
    return client, lambda: None


def run_chunks(func, map_, params, options, *, chunk_size=None, backend="local",
               client=None, checkpoint_dir=None, progress=True, desc="sweep",
               indices=None) -> dict:
    """Run ``func`` over the rows of ``params`` in chunks and concatenate.

    Parameters
    ----------
    func : callable
        Module-level chunk function ``func(map, params, **options)`` returning
        a dict of arrays with one entry per row (first axis).
    map_ : UpdateMap
        The map, passed unchanged to every chunk.
    params : numpy.ndarray, shape (n_rows, n_params)
        Parameter matrix, one row per sweep cell.
    options : mapping
        Keyword arguments of ``func``; part of the sweep digest.
    chunk_size : int, optional
        Rows per chunk (default :data:`DEFAULT_CHUNK_SIZE`).
    backend : {"local", "dask"}
        Where chunks run.
    client : distributed.Client or str or None
        For the Dask backend: a client, a scheduler address, or None for a
        local cluster created and closed here.
    checkpoint_dir : path-like, optional
        Directory for chunk checkpoints (created if missing).
    progress : bool
        Show a tqdm progress bar over chunks.
    desc : str
        Label of the progress bar and log messages.
    indices : sequence of int, optional
        Compute only these chunks and return ``None`` (used to fill a
        checkpoint directory piecemeal).

    Returns
    -------
    dict or None
        Arrays of every row, in row order.

    Raises
    ------
    InvalidParameter
        For an unknown backend, a bad chunk size or chunk index, or a
        ``client`` that is not a client, an address or None.

    Notes
    -----
    Chunk ``i`` holds rows ``i * chunk_size`` to ``(i + 1) * chunk_size - 1``.
    The local backend stops at the first failing chunk; the Dask backend lets
    the other chunks finish (and checkpoints them) before raising the first
    failure. For the Dask backend ``func``, ``map_`` and ``options`` must be
    picklable (cloudpickle ships functions defined in ``__main__``).

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.maps.classic import Logistic
    >>> def final_state(map_, params, *, n):
    ...     return {"x": map_.batch_final(n=n, params=params)[:, 0]}
    >>> m = Logistic(2.5)
    >>> out = run_chunks(final_state, m, m.vary(r=[2.5, 2.8, 3.2]), {"n": 500},
    ...                  chunk_size=2, progress=False)
    >>> np.round(out["x"][:2], 6)        # the fixed points 1 - 1/r
    array([0.6     , 0.642857])
    """
    _check_backend(backend)
    chunk_size = _check_chunk_size(chunk_size)
    params = np.ascontiguousarray(params, dtype=float)
    n_rows = params.shape[0]
    bounds = [(s, min(s + chunk_size, n_rows)) for s in range(0, n_rows, chunk_size)]
    wanted = range(len(bounds)) if indices is None else sorted(set(indices))
    for i in wanted:
        if not 0 <= i < len(bounds):
            raise InvalidParameter(
                f"chunk index must lie in [0, {len(bounds)}), got {i}"
            )

    results: dict[int, dict] = {}
    directory = digest = None
    if checkpoint_dir is not None:
        directory = Path(checkpoint_dir)
        directory.mkdir(parents=True, exist_ok=True)
        digest = sweep_digest(func, map_, params, options, chunk_size)
        for i in wanted:
            path = _chunk_path(directory, i, digest)
            if path.exists():
                loaded = _read_chunk(path, bounds[i][1] - bounds[i][0])
                if loaded is not None:
                    results[i] = loaded
    missing = [i for i in wanted if i not in results]
    logger.info(
        "%s: %d chunks of up to %d rows; %d loaded from checkpoints, computing %d",
        desc, len(wanted), chunk_size, len(results), len(missing),
    )

    def finish(i, result):
        results[i] = result
        if directory is not None:
            _write_chunk(_chunk_path(directory, i, digest), result)

    tasks = {
        i: _ChunkTask(func, map_, params[bounds[i][0]:bounds[i][1]], dict(options))
        for i in missing
    }
    with _progress_bar(len(wanted), progress, desc) as bar:
        bar.update(len(wanted) - len(missing))
        if backend == "local" or not missing:
            for i, task in tasks.items():
                finish(i, task())
                bar.update(1)
        else:
            _run_dask(tasks, client, digest, finish, bar)

    if indices is not None:
        return None
    keys = results[0].keys()
    return {k: np.concatenate([results[i][k] for i in range(len(bounds))]) for k in keys}


def _run_dask(tasks, client, digest, finish, bar) -> None:
    from distributed import as_completed

    client, close = _open_client(client)
    try:
        tag = (digest or "unsaved")[:12]
        futures = {
            client.submit(_run_task, task, key=f"dynsys-chunk-{tag}-{i}-{id(task)}",
                          pure=False): i
            for i, task in tasks.items()
        }
        # a failed chunk does not stop the others: every chunk that succeeds is
        # kept (and checkpointed), then the first failure is raised
        failures = []
        try:
            for fut in as_completed(list(futures)):
                if fut.status == "error":
                    failures.append((futures[fut], fut.exception()))
                    continue
                finish(futures[fut], fut.result())
                bar.update(1)
        except BaseException:
            client.cancel(list(futures))
            raise
        if failures:
            index, exc = min(failures, key=lambda f: f[0])
            logger.error("%d of %d chunks failed; the first failure was in chunk %d",
                         len(failures), len(futures), index)
            raise exc
    finally:
        close()
