"""The :class:`UpdateMap` extension point.

An update map is a compiled step on a state vector plus a flat parameter vector,
and optionally its compiled Jacobian. Every analysis in dynsys_align (orbits,
fixed points, Lyapunov spectra, continuation, regime maps) takes exactly those
pieces, so a map written by a user is as fast as a built-in one and needs no
change anywhere else in the package.

This module may import :mod:`dynsys_align.maps._kernels`, the validation helpers
and the exceptions, nothing higher.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from numba import njit
from numba.core.registry import CPUDispatcher

from .._validation import check_finite_vector, check_policy
from ..exceptions import InvalidParameter
from . import _kernels as K_
from ._kernels import softmax_into, stack_vector

__all__ = [
    "UpdateMap",
    "compiled_step",
    "compiled_jacobian",
    "entropy",
    "softmax",
    "softmax_into",
    "stack_vector",
]

logger = logging.getLogger(__name__)


def _compile(func, signature, what):
    if isinstance(func, CPUDispatcher):
        if tuple(signature.args) in func.signatures:
            return func
        try:
            func.compile(signature)
        except RuntimeError as exc:  # compiled eagerly with another signature
            raise TypeError(
                f"{what} kernel {func.py_func.__name__!r} was compiled for "
                f"{func.signatures}, not for {signature}"
            ) from exc
        return func
    if not callable(func):
        raise TypeError(f"{what} must be a function, got {func!r}")
    try:
        return njit(signature, cache=True)(func)
    except RuntimeError:
        # Defined without a source file (interactive prompt, doctest): compile
        # without the on-disk cache.
        logger.info("compiling %s without a disk cache (no source file)", func)
        return njit(signature)(func)


def compiled_step(func):
    """Compile ``func(x, p, out)`` as a step kernel (decorator).

    ``x`` and ``out`` are C-contiguous float64 vectors of the map's native
    dimension, ``p`` the float64 parameter vector. The function writes the image
    of ``x`` into ``out`` and returns nothing. It must be numba-compatible and
    defined in a file (so the compiled code can be cached on disk).
    """
    return _compile(func, K_.STEP_SIGNATURE, "step")


def compiled_jacobian(func):
    """Compile ``func(x, p, J)`` as a Jacobian kernel (decorator).

    Writes the derivative of the step at ``x`` into the C-contiguous float64
    matrix ``J`` of shape ``(dim, dim)``; for a simplex map, the derivative of the
    output logits with respect to the input logits.
    """
    return _compile(func, K_.JACOBIAN_SIGNATURE, "Jacobian")


def softmax(z) -> np.ndarray:
    """Policy ``exp(z) / sum(exp(z))`` of a logit vector (or rows of a matrix)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def entropy(pi, axis: int = -1) -> np.ndarray | float:
    """Shannon entropy in nats, with ``0 log 0 = 0``; finite for any policy."""
    p = np.asarray(pi, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0.0, -p * np.log(np.where(p > 0.0, p, 1.0)), 0.0)
    h = terms.sum(axis=axis)
    return float(h) if np.ndim(h) == 0 else h


class UpdateMap:
    """A discrete-time map ``x_{t+1} = F(x_t; p)``, compiled, with a parameter vector.

    To add a map (nothing else in the package needs to change):

    1. Write the step as a plain function ``step(x, p, out)`` using numpy and
       math operations numba can compile, and decorate it with
       :func:`compiled_step`. ``p`` is one flat float64 vector holding every
       parameter: the named scalars first, then any fixed data (matrices are
       stored raveled).
    2. Optionally write ``jacobian(x, p, J)`` and decorate it with
       :func:`compiled_jacobian`. Without it the analyses use central finite
       differences (slower, about 1e-10 accurate).
    3. Subclass :class:`UpdateMap` and set the class attributes ``step_kernel``
       (and ``jacobian_kernel``), ``param_names`` (the names of the leading
       scalar entries of ``p``) and ``space``: ``"euclidean"`` for a map of
       R^n, or ``"simplex"`` for a map of the probability simplex whose state is
       the logit vector ``z`` (length K, defined up to an additive constant; the
       step must satisfy ``F(z + c) = F(z) + c'``).
    4. In ``__init__``, validate the user's inputs, build ``p`` and call
       ``super().__init__(p, dim)``.
    5. Optionally override :meth:`check_param` to validate named parameters when
       they are changed by :meth:`with_params` or :meth:`vary`, and
       :meth:`default_state` to give a natural starting point.

    For a one-off map, :meth:`from_kernels` skips the subclass.

    Simplex maps are analysed in the additive log-ratio chart
    ``u_i = log(pi_i / pi_K)``, ``i < K``, which maps the open simplex onto
    R^(K-1); every analysis sees an ordinary map of R^n there. States passed to
    the user-facing methods (:meth:`step`, :meth:`orbit`, ...) are policies for
    simplex maps and plain vectors otherwise.

    Parameters
    ----------
    params : array_like
        The full parameter vector.
    dim : int
        Native state dimension (K for a simplex map).

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.maps import UpdateMap, compiled_step
    >>> @compiled_step
    ... def doubling(x, p, out):
    ...     out[0] = p[0] * x[0]
    >>> m = UpdateMap.from_kernels(doubling, dim=1, params=[2.0], param_names=["a"])
    >>> m.orbit([1.0], 3)[:, 0]
    array([1., 2., 4., 8.])
    """

    space: str = "euclidean"
    param_names: tuple[str, ...] = ()
    step_kernel = None
    jacobian_kernel = None

    def __init__(self, params, dim: int):
        if type(self).step_kernel is None:
            raise TypeError(
                f"{type(self).__name__} sets no step_kernel; see the UpdateMap recipe"
            )
        if self.space not in ("euclidean", "simplex"):
            raise ValueError(
                f"space must be 'euclidean' or 'simplex', got {self.space!r}"
            )
        dim = int(dim)
        if dim < 1 or (self.space == "simplex" and dim < 2):
            raise ValueError(f"dimension too small for a {self.space} map: {dim}")
        p = np.ascontiguousarray(check_finite_vector(params, "params"))
        if p.size < len(self.param_names):
            raise ValueError(
                f"parameter vector of length {p.size} is shorter than param_names "
                f"{self.param_names}"
            )
        self._params = p
        self._dim = dim

    # --- construction helpers -------------------------------------------------

    @classmethod
    def from_kernels(cls, step, jacobian=None, *, dim: int, params=(),
                     param_names: Sequence[str] = (), space: str = "euclidean",
                     name: str = "CustomMap") -> UpdateMap:
        """Build a map from kernels without writing a subclass.

        ``step`` and ``jacobian`` may be plain functions or already decorated
        with :func:`compiled_step` / :func:`compiled_jacobian`.
        """
        attrs = {
            "step_kernel": staticmethod(compiled_step(step)),
            "jacobian_kernel": (
                None if jacobian is None else staticmethod(compiled_jacobian(jacobian))
            ),
            "param_names": tuple(param_names),
            "space": space,
        }
        sub = type(name, (UpdateMap,), attrs)
        return sub(np.asarray(params, dtype=float).ravel(), dim)

    # --- basic properties -----------------------------------------------------

    @property
    def params(self) -> np.ndarray:
        """The full parameter vector (a read-only view)."""
        view = self._params.view()
        view.setflags(write=False)
        return view

    @property
    def dim(self) -> int:
        """Native state dimension (K for a simplex map)."""
        return self._dim

    @property
    def chart_dim(self) -> int:
        """Dimension of the chart in which analyses run (K - 1 on the simplex)."""
        return self._dim - 1 if self.is_simplex else self._dim

    @property
    def is_simplex(self) -> bool:
        """Whether the state space is the probability simplex."""
        return self.space == "simplex"

    @property
    def has_jacobian(self) -> bool:
        """Whether an analytic Jacobian kernel is available."""
        return type(self).jacobian_kernel is not None

    @property
    def kernels(self):
        """``(step, jacobian, has_jacobian, simplex)`` as the compiled drivers take them."""
        jac = type(self).jacobian_kernel
        return (
            type(self).step_kernel,
            K_.no_jacobian if jac is None else jac,
            jac is not None,
            self.is_simplex,
        )

    def param_index(self, name: str) -> int:
        """Position of the named parameter in the parameter vector."""
        try:
            return self.param_names.index(name)
        except ValueError:
            raise InvalidParameter(
                f"{type(self).__name__} has no parameter {name!r}; "
                f"known: {', '.join(self.param_names) or 'none'}"
            ) from None

    def __getitem__(self, name: str) -> float:
        return float(self._params[self.param_index(name)])

    def check_param(self, name: str, value: float) -> float:
        """Validate one named parameter value (override to add rules)."""
        v = float(value)
        if not np.isfinite(v):
            raise InvalidParameter(f"{name} must be finite, got {name} = {value!r}")
        return v

    def with_params(self, **values) -> UpdateMap:
        """A copy of the map with some named parameters changed."""
        p = self._params.copy()
        for name, v in values.items():
            p[self.param_index(name)] = self.check_param(name, v)
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._params = p
        return new

    def vary(self, **values) -> np.ndarray:
        """Parameter matrix with named parameters set from broadcast arrays.

        Returns an array of shape ``(m, len(params))`` whose rows are this map's
        parameter vector with the named entries replaced, ``m`` being the
        broadcast size of the given arrays (flattened). Use it with the batched
        methods and the sweeps.
        """
        if not values:
            return self._params[None, :].copy()
        names = list(values)
        arrays = np.broadcast_arrays(*[np.asarray(values[n], dtype=float)
                                       for n in names])
        m = arrays[0].size
        out = np.repeat(self._params[None, :], m, axis=0)
        for name, arr in zip(names, arrays, strict=True):
            flat = arr.ravel()
            for v in np.unique(flat):
                self.check_param(name, v)
            out[:, self.param_index(name)] = flat
        return np.ascontiguousarray(out)

    @staticmethod
    def stack(maps: Sequence[UpdateMap]) -> np.ndarray:
        """Stack the parameter vectors of maps of one class into a matrix.

        This is how a batch over many preference matrices is expressed.
        """
        maps = list(maps)
        if not maps:
            raise ValueError("stack needs at least one map")
        kinds = {(type(m), m.dim, m.params.size) for m in maps}
        if len(kinds) != 1:
            raise ValueError(
                "stack needs maps of one class, dimension and parameter length; got "
                f"{sorted((t.__name__, d, s) for t, d, s in kinds)}"
            )
        return np.ascontiguousarray(np.stack([m.params for m in maps]))

    # --- states and the chart -------------------------------------------------

    def default_state(self) -> np.ndarray:
        """The initial state used when none is given.

        For a simplex map, a fixed *generic* interior policy near the uniform one:
        ``pi_i`` proportional to ``exp(0.1 cos(1.7 (i + 1)))``. It is not the exact
        uniform policy on purpose: with symmetric preferences (a cyclic tournament)
        the uniform policy is a fixed point, stable or not, and an orbit started
        on it never shows the dynamics around it. Pass the uniform policy
        explicitly to start there. Euclidean maps default to the zero vector
        unless the subclass says otherwise.
        """
        if self.is_simplex:
            z = 0.1 * np.cos(1.7 * np.arange(1, self._dim + 1))
            return softmax(z)
        return np.zeros(self._dim)

    def to_chart(self, x) -> np.ndarray:
        """Chart coordinates of a state (log-ratios ``log(pi_i / pi_K)`` on the simplex)."""
        if self.is_simplex:
            pi = check_policy(x, "initial policy", K=self._dim)
            logp = np.log(pi)
            return np.ascontiguousarray(logp[:-1] - logp[-1])
        return np.ascontiguousarray(check_finite_vector(x, "state", dim=self._dim))

    def from_chart(self, u) -> np.ndarray:
        """State for chart coordinates ``u`` (rows of a matrix allowed)."""
        u = np.asarray(u, dtype=float)
        if not self.is_simplex:
            return u.copy()
        z = np.concatenate([u, np.zeros(u.shape[:-1] + (1,))], axis=-1)
        return softmax(z)

    def logits_to_chart(self, z) -> np.ndarray:
        """Chart coordinates of a logit vector (simplex maps only)."""
        if not self.is_simplex:
            raise TypeError("logits_to_chart applies to simplex maps only")
        z = check_finite_vector(z, "logits", dim=self._dim)
        return np.ascontiguousarray(z[:-1] - z[-1])

    def _batch_chart(self, x0, params):
        Pm = self._params[None, :] if params is None else np.asarray(params, float)
        if Pm.ndim == 1:
            Pm = Pm[None, :]
        if Pm.ndim != 2 or Pm.shape[1] != self._params.size:
            raise InvalidParameter(
                f"params must have shape (m, {self._params.size}), got {Pm.shape}"
            )
        if not np.all(np.isfinite(Pm)):
            raise InvalidParameter("params must be finite")
        x0 = np.asarray(x0, dtype=float)
        if x0.ndim == 1:
            U0 = np.repeat(self.to_chart(x0)[None, :], Pm.shape[0], axis=0)
        else:
            U0 = np.stack([self.to_chart(row) for row in x0])
        if U0.shape[0] == 1 and Pm.shape[0] > 1:
            U0 = np.repeat(U0, Pm.shape[0], axis=0)
        if Pm.shape[0] == 1 and U0.shape[0] > 1:
            Pm = np.repeat(Pm, U0.shape[0], axis=0)
        if U0.shape[0] != Pm.shape[0]:
            raise InvalidParameter(
                f"{U0.shape[0]} initial states do not match {Pm.shape[0]} parameter rows"
            )
        return np.ascontiguousarray(U0), np.ascontiguousarray(Pm)

    # --- evaluation -----------------------------------------------------------

    def step(self, x) -> np.ndarray:
        """One application of the map to a state."""
        step, _, _, simplex = self.kernels
        u = self.to_chart(x)
        m = self._dim
        out = np.empty(self.chart_dim)
        K_.apply_chart_step(step, simplex, u, self._params, np.empty(m), np.empty(m),
                             out)
        return self.from_chart(out)

    def orbit(self, x0=None, n: int = 1000, stride: int = 1) -> np.ndarray:
        """States ``x_0, x_stride, x_2 stride, ...`` of the orbit from ``x0``.

        Returns an array of shape ``(n // stride + 1, dim)``. Simplex orbits are
        computed in logits, so they stay finite when the policy collapses onto a
        vertex; an orbit of a Euclidean map that overflows is NaN from there on
        (a warning is logged).
        """
        n, stride = int(n), int(stride)
        if n < 0 or stride < 1:
            raise InvalidParameter(f"need n >= 0 and stride >= 1, got n={n}, stride={stride}")
        u0 = self.to_chart(self.default_state() if x0 is None else x0)
        step, _, _, simplex = self.kernels
        U, done = K_.orbit_chart(step, simplex, u0, self._params, n, stride)
        if done < n:
            logger.warning("orbit left every bounded set after %d of %d steps", done, n)
        return self.from_chart(U)

    def orbit_chart(self, u0, n: int, stride: int = 1) -> tuple[np.ndarray, int]:
        """Orbit in chart coordinates: ``(states, steps_completed)``."""
        step, _, _, simplex = self.kernels
        u0 = np.ascontiguousarray(check_finite_vector(u0, "u0", dim=self.chart_dim))
        return K_.orbit_chart(step, simplex, u0, self._params, int(n), int(stride))

    def step_chart(self, u, params=None) -> np.ndarray:
        """One application of the map in chart coordinates."""
        step, _, _, simplex = self.kernels
        u = np.ascontiguousarray(check_finite_vector(u, "u", dim=self.chart_dim))
        p = self._params if params is None else np.ascontiguousarray(params, float)
        out = np.empty(self.chart_dim)
        K_.apply_chart_step(step, simplex, u, p, np.empty(self._dim),
                             np.empty(self._dim), out)
        return out

    def jacobian_chart(self, u, params=None) -> np.ndarray:
        """Jacobian of the map in chart coordinates at ``u``."""
        step, jac, has_jac, simplex = self.kernels
        u = np.ascontiguousarray(check_finite_vector(u, "u", dim=self.chart_dim))
        p = self._params if params is None else np.ascontiguousarray(params, float)
        J = np.empty((self.chart_dim, self.chart_dim))
        K_.chart_jacobian(step, jac, has_jac, simplex, u, p, J)
        return J

    def jacobian(self, x) -> np.ndarray:
        """Jacobian at a state in native coordinates.

        For a simplex map this is the derivative of the output logits with respect
        to the input logits (K x K); its restriction to the chart is
        :meth:`jacobian_chart`. Uses the analytic kernel when there is one,
        central differences otherwise.
        """
        if self.is_simplex:
            pi = check_policy(x, "policy", K=self._dim)
            z = np.ascontiguousarray(np.log(pi))
        else:
            z = np.ascontiguousarray(check_finite_vector(x, "state", dim=self._dim))
        J = np.empty((self._dim, self._dim))
        if self.has_jacobian:
            type(self).jacobian_kernel(z, self._params, J)
            return J
        step = type(self).step_kernel
        out_p, out_m = np.empty(self._dim), np.empty(self._dim)
        for j in range(self._dim):
            h = 6.0554544523933395e-06 * max(1.0, abs(z[j]))
            zp, zm = z.copy(), z.copy()
            zp[j] += h
            zm[j] -= h
            step(zp, self._params, out_p)
            step(zm, self._params, out_m)
            J[:, j] = (out_p - out_m) / (2 * h)
        return J

    def batch_orbit(self, x0=None, n: int = 1000, stride: int = 1,
                    params=None) -> np.ndarray:
        """Many orbits in parallel (numba ``prange``).

        ``params`` is a parameter matrix (rows from :meth:`vary` or
        :meth:`stack`); ``x0`` one state for all rows or one per row. Returns an
        array of shape ``(m, n // stride + 1, dim)``.
        """
        U0, Pm = self._batch_chart(self.default_state() if x0 is None else x0, params)
        step, _, _, simplex = self.kernels
        U = K_.batch_orbit_chart(step, simplex, U0, Pm, int(n), int(stride))
        return self.from_chart(U)

    def batch_final(self, x0=None, n: int = 1000, params=None) -> np.ndarray:
        """Final states of many orbits after ``n`` steps, in parallel."""
        U0, Pm = self._batch_chart(self.default_state() if x0 is None else x0, params)
        step, _, _, simplex = self.kernels
        U, done = K_.batch_advance_chart(step, simplex, U0, Pm, int(n))
        X = self.from_chart(U)
        if np.any(done < n):
            logger.warning("%d of %d orbits overflowed", int(np.sum(done < n)), len(done))
            X[done < n] = np.nan
        return X

    def __repr__(self) -> str:
        named = ", ".join(f"{n}={self._params[i]:g}" for i, n in enumerate(self.param_names))
        return f"{type(self).__name__}(dim={self._dim}{', ' if named else ''}{named})"

