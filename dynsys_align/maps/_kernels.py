"""Compiled drivers shared by every update map.

A map is a compiled *step* ``step(x, p, out)`` and optionally a compiled *Jacobian*
``jac(x, p, J)``, both with the fixed signatures below. The drivers in this module
take those kernels as first-class function arguments, so they are compiled once
(and cached on disk) for every map, built-in or user-defined.

Simplex maps have the logit vector ``z`` (length K, defined up to an additive
constant) as native state. The drivers see them through the additive log-ratio
chart ``u_i = z_i - z_{K-1}``, ``i < K-1``, a chart of the open simplex onto
R^(K-1) in which the map is an ordinary map of R^n. Euclidean maps use the chart
``u = x``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import carray, njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = [
    "STEP_SIGNATURE",
    "JACOBIAN_SIGNATURE",
    "StepType",
    "JacobianType",
    "no_jacobian",
    "chart_step",
    "apply_chart_step",
    "chart_jacobian",
    "chart_jacobian_into",
    "chart_workspace",
    "orbit_chart",
    "advance_chart",
    "batch_orbit_chart",
    "batch_advance_chart",
    "softmax_chart",
    "entropy_chart",
    "stack_vector",
    "softmax_into",
]

_vec = types.float64[::1]
_mat = types.float64[:, ::1]
_mat3 = types.float64[:, :, ::1]

#: ``step(x, p, out) -> None``: write the image of state ``x`` under parameters ``p``.
STEP_SIGNATURE = types.void(_vec, _vec, _vec)
#: ``jac(x, p, J) -> None``: write the Jacobian of the step at ``x`` into ``J``.
JACOBIAN_SIGNATURE = types.void(_vec, _vec, _mat)
StepType = types.FunctionType(STEP_SIGNATURE)
JacobianType = types.FunctionType(JACOBIAN_SIGNATURE)


@intrinsic
def _stack_alloc_float64(typingctx, n):
    if not isinstance(n, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        size = args[0]
        if size.type.width < cgutils.intp_t.width:
            size = builder.sext(size, cgutils.intp_t)
        return builder.alloca(context.get_value_type(types.float64), size=size)

    return types.CPointer(types.float64)(n), codegen


@njit(inline="always")
def stack_vector(n):
    """An uninitialised float64 work vector of length ``n`` on the stack.

    For use inside compiled kernels, which run millions of times: a heap
    allocation (``np.empty``) per call can cost more than the arithmetic of a
    small map. The memory lives until the calling kernel returns, so call it once
    at the top of a kernel, never inside a loop, and keep ``n`` small.
    """
    return carray(_stack_alloc_float64(n), n)


@njit(cache=True)
def softmax_into(z, out):
    """Write ``softmax(z)`` into ``out`` (max-shifted, so finite for any finite z).

    A building block for kernels: most simplex maps start from the policy of
    their input logits.
    """
    zmax = z[0]
    for i in range(1, z.size):
        if z[i] > zmax:
            zmax = z[i]
    total = 0.0
    for i in range(z.size):
        out[i] = math.exp(z[i] - zmax)
        total += out[i]
    inv = 1.0 / total
    for i in range(z.size):
        out[i] *= inv


@njit(JACOBIAN_SIGNATURE, cache=True)
def no_jacobian(x, p, J):  # pragma: no cover - placeholder, never called
    J[:, :] = np.nan


def _chart_step(step, simplex, u, p, zin, zout, out):
    n = u.size
    if simplex:
        for i in range(n):
            zin[i] = u[i]
        zin[n] = 0.0
        step(zin, p, zout)
        for i in range(n):
            out[i] = zout[i] - zout[n]
    else:
        step(u, p, out)


# Compiled callers get the step inlined (a call would pass seven arrays and
# touch their reference counts every step); Python callers get a cached,
# eagerly compiled twin.
chart_step = njit(inline="always")(_chart_step)
chart_step.__doc__ = """Apply the map in chart coordinates: ``out = F(u)``.

``zin`` and ``zout`` are work buffers of the native dimension (K for a simplex
map). Inlined into compiled callers; from Python use :func:`apply_chart_step`.
"""
apply_chart_step = njit(types.void(StepType, types.boolean, _vec, _vec, _vec, _vec,
                                   _vec), cache=True)(_chart_step)


@njit(cache=True)
def chart_workspace(n, simplex):
    """Work buffers ``(zin, zout, work, Jz)`` for :func:`chart_jacobian_into`."""
    m = n + 1 if simplex else n
    return np.empty(m), np.empty(m), np.empty(3 * n), np.empty((m, m))


def _chart_jacobian_into(step, jac, has_jac, simplex, u, p, zin, zout, work, Jz, J):
    n = u.size
    if has_jac:
        if simplex:
            for i in range(n):
                zin[i] = u[i]
            zin[n] = 0.0
            jac(zin, p, Jz)
            for i in range(n):
                for j in range(n):
                    J[i, j] = Jz[i, j] - Jz[n, j]
        else:
            jac(u, p, J)
        return
    up = work[:n]
    fp = work[n:2 * n]
    fm = work[2 * n:]
    for i in range(n):
        up[i] = u[i]
    for j in range(n):
        h = 6.0554544523933395e-06 * max(1.0, abs(u[j]))
        up[j] = u[j] + h
        _chart_step_inline(step, simplex, up, p, zin, zout, fp)
        up[j] = u[j] - h
        _chart_step_inline(step, simplex, up, p, zin, zout, fm)
        up[j] = u[j]
        for i in range(n):
            J[i, j] = (fp[i] - fm[i]) / (2.0 * h)


_chart_step_inline = chart_step
chart_jacobian_into = njit(inline="always")(_chart_jacobian_into)
chart_jacobian_into.__doc__ = """Write the chart Jacobian at ``u`` into ``J``, using caller buffers.

The buffers come from :func:`chart_workspace`. With ``has_jac`` false, a central
difference of the step with relative increment about ``eps**(1/3)``. Inlined
into compiled callers, so a tangent-map loop allocates nothing per step.
"""


@njit(
    types.void(StepType, JacobianType, types.boolean, types.boolean, _vec, _vec, _mat),
    cache=True,
)
def chart_jacobian(step, jac, has_jac, simplex, u, p, J):
    """Write the Jacobian of the map in chart coordinates at ``u`` into ``J``.

    Allocates its work buffers; loops should use :func:`chart_jacobian_into`.
    With ``has_jac`` false a central finite difference of the step is used, with
    a relative increment of about ``eps**(1/3)``.
    """
    zin, zout, work, Jz = chart_workspace(u.size, simplex)
    chart_jacobian_into(step, jac, has_jac, simplex, u, p, zin, zout, work, Jz, J)


@njit(types.Tuple((_mat, types.int64))(StepType, types.boolean, _vec, _vec, types.int64,
                                        types.int64), cache=True)
def orbit_chart(step, simplex, u0, p, n_steps, stride):
    """Iterate ``n_steps`` times from ``u0``, storing every ``stride``-th state.

    Returns ``(states, n_done)``: ``states`` has ``n_steps // stride + 1`` rows
    (the first is ``u0``); ``n_done`` is the number of steps taken before a
    non-finite state appeared (``n_steps`` when none did). Rows after a
    non-finite state are filled with NaN.
    """
    n = u0.size
    m = n + 1 if simplex else n
    rows = n_steps // stride + 1
    out = np.full((rows, n), np.nan)
    zin = np.empty(m)
    zout = np.empty(m)
    u = u0.copy()
    v = np.empty(n)
    out[0, :] = u
    done = n_steps
    row = 1
    countdown = stride
    for t in range(1, n_steps + 1):
        chart_step(step, simplex, u, p, zin, zout, v)
        total = 0.0
        for i in range(n):
            total += v[i]
        if not math.isfinite(total):  # any inf or nan makes the sum non-finite
            done = t - 1
            break
        u, v = v, u
        countdown -= 1
        if countdown == 0:
            countdown = stride
            for i in range(n):
                out[row, i] = u[i]
            row += 1
    return out, done


@njit(types.Tuple((_vec, types.int64))(StepType, types.boolean, _vec, _vec, types.int64),
      cache=True)
def advance_chart(step, simplex, u0, p, n_steps):
    """Iterate ``n_steps`` times and return ``(final_state, n_done)``.

    Stops early at the last finite state if the orbit overflows.
    """
    n = u0.size
    m = n + 1 if simplex else n
    zin = np.empty(m)
    zout = np.empty(m)
    u = u0.copy()
    v = np.empty(n)
    for t in range(n_steps):
        chart_step(step, simplex, u, p, zin, zout, v)
        total = 0.0
        for i in range(n):
            total += v[i]
        if not math.isfinite(total):
            return u, t
        u, v = v, u
    return u, n_steps


@njit(_mat3(StepType, types.boolean, _mat, _mat, types.int64, types.int64),
      cache=True, parallel=True)
def batch_orbit_chart(step, simplex, U0, Pm, n_steps, stride):
    """Orbits of many (start, parameter vector) pairs in parallel.

    ``U0`` has one start per row, ``Pm`` one parameter vector per row (equal row
    counts). Returns an array of shape ``(rows, n_steps // stride + 1, dim)``;
    an orbit that overflows is NaN from that point on.
    """
    nb = U0.shape[0]
    n = U0.shape[1]
    rows = n_steps // stride + 1
    out = np.empty((nb, rows, n))
    for b in prange(nb):
        res, _ = orbit_chart(step, simplex, U0[b].copy(), Pm[b].copy(), n_steps, stride)
        out[b, :, :] = res
    return out


@njit(types.Tuple((_mat, types.int64[::1]))(StepType, types.boolean, _mat, _mat,
                                             types.int64), cache=True, parallel=True)
def batch_advance_chart(step, simplex, U0, Pm, n_steps):
    """Final states of many orbits in parallel, with the steps each completed."""
    nb = U0.shape[0]
    out = np.empty_like(U0)
    done = np.empty(nb, dtype=np.int64)
    for b in prange(nb):
        res, d = advance_chart(step, simplex, U0[b].copy(), Pm[b].copy(), n_steps)
        out[b, :] = res
        done[b] = d
    return out, done


@njit(_vec(_vec), cache=True)
def softmax_chart(u):
    """Policy ``softmax([u, 0])`` for chart coordinates ``u``; exact at any scale."""
    n = u.size
    m = 0.0
    for i in range(n):
        if u[i] > m:
            m = u[i]
    pi = np.empty(n + 1)
    s = 0.0
    for i in range(n):
        pi[i] = math.exp(u[i] - m)
        s += pi[i]
    pi[n] = math.exp(-m)
    s += pi[n]
    for i in range(n + 1):
        pi[i] /= s
    return pi


@njit(types.float64(_vec), cache=True)
def entropy_chart(u):
    """Shannon entropy (nats) of ``softmax([u, 0])``, finite and >= 0 at any scale.

    Uses ``log pi_i = z_i - max z - log1p(r)`` with ``r`` the sum of the
    non-maximal exponentials, so no ``0 * log 0`` and no cancellation occur.
    """
    n = u.size
    m = 0.0
    k = n
    for i in range(n):
        if u[i] > m:
            m = u[i]
            k = i
    # r is the mass of every entry but the largest, relative to the largest
    r = 0.0
    for i in range(n + 1):
        if i != k:
            zi = u[i] if i < n else 0.0
            r += math.exp(zi - m)
    log_norm = math.log1p(r)
    h = 0.0
    for i in range(n + 1):
        zi = u[i] if i < n else 0.0
        logp = zi - m - log_norm
        p = math.exp(logp)
        if p > 0.0:
            h -= p * logp
    return max(h, 0.0)
