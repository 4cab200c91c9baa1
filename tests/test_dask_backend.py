"""The Dask backend gives bit-identical results to the local one, and resumes."""

import logging

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import dynsys_align.analysis.regimes as regimes_module
from dynsys_align.exceptions import InvalidParameter
from dynsys_align.maps import MRSIPO
from dynsys_align.maps.classic import Logistic
from dynsys_align.sweeps import bifurcation_diagram, regime_map
from dynsys_align.theory import rps_matrix, rps_neimark_sacker

distributed = pytest.importorskip("distributed")

START = [0.5, 0.3, 0.2]
FIELDS = ("kind", "period", "lyapunov", "entropy", "oscillation")


@pytest.fixture(scope="module")
def cluster():
    """A one-worker, in-process cluster on loopback (cheap to start)."""
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1,
                                  processes=False, dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as c:
        yield c


def _cycle_map():
    return MRSIPO(rps_matrix(0.25), alpha=0.5, beta=1.0, lam=1.0)


def test_dask_bifurcation_diagram_is_identical_to_local(client):
    r = np.linspace(2.8, 4.0, 13)
    kw = dict(n_transient=300, n_keep=40, lyapunov=True, n_lyapunov=300,
              chunk_size=4, progress=False)
    local = bifurcation_diagram(Logistic(3.0), "r", r, **kw)
    remote = bifurcation_diagram(Logistic(3.0), "r", r, backend="dask", client=client,
                                 **kw)
    assert_array_equal(remote.points, local.points)
    assert_array_equal(remote.lyapunov, local.lyapunov)
    assert_array_equal(remote.status, local.status)


def test_dask_regime_map_is_identical_to_local_and_follows_threshold(client):
    m = _cycle_map()
    grid = {"alpha": [0.2, 0.6], "beta": np.linspace(2.0, 12.0, 6)}
    kw = dict(x0=START, n_transient=2000, n_keep=300, chunk_size=5, progress=False)
    local = regime_map(m, grid, **kw)
    remote = regime_map(m, grid, backend="dask", client=client, **kw)
    for name in FIELDS:
        assert_array_equal(getattr(remote, name), getattr(local, name))
    # and the map is right, not only reproducible (10% band around the threshold)
    crit = rps_neimark_sacker(0.25, np.array(grid["alpha"]))[:, None]
    beta = grid["beta"][None, :]
    names = remote.kind_names()
    assert np.all(names[beta < 0.9 * crit] == "fixed_point")
    assert np.all(np.isin(names[beta > 1.1 * crit], ["periodic", "quasi_periodic"]))


def test_dask_backend_accepts_a_scheduler_address(cluster):
    r = np.array([2.8, 3.2])
    d = bifurcation_diagram(Logistic(3.0), "r", r, n_transient=2000, n_keep=4,
                            backend="dask", client=cluster.scheduler_address,
                            progress=False)
    np.testing.assert_allclose(d.points[0], 1.0 - 1.0 / 2.8, atol=1e-12)


def test_dask_checkpoints_are_reused_by_a_local_rerun(client, tmp_path, monkeypatch,
                                                      caplog):
    m = _cycle_map()
    grid = {"beta": np.linspace(2.0, 12.0, 7)}
    kw = dict(x0=START, n_transient=500, n_keep=100, chunk_size=3, progress=False,
              checkpoint_dir=tmp_path)
    remote = regime_map(m, grid, backend="dask", client=client, **kw)
    assert len(list(tmp_path.glob("chunk-*.npz"))) == 3

    calls = []
    original = regimes_module.summarize
    monkeypatch.setattr(regimes_module, "summarize",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    with caplog.at_level(logging.INFO, logger="dynsys_align.sweeps.backends"):
        again = regime_map(m, grid, **kw)
    assert calls == []
    assert "3 loaded from checkpoints, computing 0" in caplog.text
    for name in FIELDS:
        assert_array_equal(getattr(again, name), getattr(remote, name))


def test_dask_run_killed_midway_resumes_with_only_missing_chunks(client, tmp_path,
                                                                  monkeypatch):
    m = _cycle_map()
    grid = {"beta": np.linspace(2.0, 12.0, 8)}
    kw = dict(x0=START, n_transient=500, n_keep=100, chunk_size=2, progress=False,
              checkpoint_dir=tmp_path, backend="dask", client=client)
    reference = regime_map(m, grid, x0=START, n_transient=500, n_keep=100,
                           progress=False)

    original = regimes_module.summarize
    calls = []

    def dying(*a, **k):
        # the in-process worker runs one task at a time: the third one dies
        if len(calls) >= 2:
            raise RuntimeError("simulated worker death")
        calls.append(1)
        return original(*a, **k)

    with monkeypatch.context() as mp:
        mp.setattr(regimes_module, "summarize", dying)
        with pytest.raises(RuntimeError, match="simulated worker death"):
            regime_map(m, grid, **kw)
    done = len(list(tmp_path.glob("chunk-*.npz")))
    assert done == 2

    calls.clear()
    monkeypatch.setattr(regimes_module, "summarize",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    resumed = regime_map(m, grid, **kw)
    assert len(calls) == 4 - done
    for name in FIELDS:
        assert_array_equal(getattr(resumed, name), getattr(reference, name))


def test_dask_backend_rejects_a_non_client():
    with pytest.raises(InvalidParameter, match="client must be a dask.distributed "
                                               "Client"):
        bifurcation_diagram(Logistic(3.0), "r", [3.0], backend="dask", client=42,
                            progress=False)
