"""MRS-DPO: iterated DPO with feedback into the reference and the sampler.

Each round fits the Bradley-Terry scores ``s`` of ``P`` under the pair weights
``mu_i mu_j`` of the round's sampler and moves to the DPO optimum against the
round's reference:

    reference  pi_ref^(t)  proportional to  pi_t^alpha * pi_ref^(1 - alpha)
    sampler    mu_t = lam * pi_t + (1 - lam) * pi0
    DPO        log pi_{t+1} = log pi_ref^(t) + s(mu_t) / beta + const

``beta`` is DPO's KL weight (as in DPO code in the wild), so the preference
signal enters as ``s / beta``; for MRS-IPO it is ``beta P mu``. The parameter
vector has the layout of :mod:`dynsys_align.maps.alignment`.

This module may import :mod:`dynsys_align.maps.base`,
:mod:`dynsys_align.maps.alignment`, :mod:`dynsys_align._bradley_terry`, the
validation helpers and the exceptions.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .. import _bradley_terry as bt
from .._validation import (
    check_policy,
)
from ..exceptions import ConvergenceError, NoFiniteOptimum
from ._kernels import softmax_into
from .alignment import AlignmentMap, unpack_alignment_params
from .base import compiled_jacobian, compiled_step

__all__ = ["MRSDPO", "FIT_TOL", "FIT_MAX_ITER", "MU_FLOOR"]

#: Residual tolerance of the Bradley-Terry fit inside every step.
FIT_TOL = 1e-12
#: Most Newton iterations of the fit inside every step.
FIT_MAX_ITER = 100
#: Sampling weights are floored here so that every response keeps its equation.
MU_FLOOR = 1e-300


@njit(cache=True)
def _fit_round(z, p, pi, mu, P, s):
    # The round at logits z: policy pi, floored sampler mu, preference matrix P
    # and the Bradley-Terry scores s of the DPO optimum. Returns whether the fit
    # reached FIT_TOL.
    K = z.size
    lam = p[2]
    o = 3
    q = o + K * K + K
    softmax_into(z, pi)
    for i in range(K):
        mu[i] = max(lam * pi[i] + (1.0 - lam) * p[q + i], MU_FLOOR)
    for i in range(K):
        for j in range(K):
            P[i, j] = p[o + i * K + j]
    for i in range(K):
        s[i] = 0.0
    _, _, ok = bt.fit_weighted_bt(P, mu, s, FIT_TOL, FIT_MAX_ITER)
    return ok


@compiled_step
def dpo_step(z, p, out):
    K = z.size
    alpha = p[0]
    beta = p[1]
    lr = 3 + K * K
    pi = np.empty(K)
    mu = np.empty(K)
    P = np.empty((K, K))
    s = np.empty(K)
    ok = _fit_round(z, p, pi, mu, P, s)
    if not ok:
        # a non-finite image stops the drivers, which report it
        for i in range(K):
            out[i] = np.nan
        return
    for i in range(K):
        out[i] = alpha * z[i] + (1.0 - alpha) * p[lr + i] + s[i] / beta


@compiled_jacobian
def dpo_jacobian(z, p, J):
    # dz'/dz = alpha I + (lam / beta) (ds/dmu) D with D = diag(pi) - pi pi^T and
    # ds/dmu from the implicit function theorem (gauge s_{K-1} = 0, as the step)
    K = z.size
    alpha = p[0]
    beta = p[1]
    lam = p[2]
    pi = np.empty(K)
    mu = np.empty(K)
    P = np.empty((K, K))
    s = np.empty(K)
    ok = _fit_round(z, p, pi, mu, P, s)
    M = np.empty((K, K))
    if not ok or not bt.bt_sensitivity(P, mu, s, M):
        J[:, :] = np.nan
        return
    c = lam / beta
    for i in range(K):
        # (M D)_ij = M_ij pi_j - (M pi)_i pi_j
        mp = 0.0
        for k in range(K):
            mp += M[i, k] * pi[k]
        for j in range(K):
            J[i, j] = c * (M[i, j] - mp) * pi[j]
        J[i, i] += alpha


class MRSDPO(AlignmentMap):
    """Multi-round sampled DPO: iterated DPO with feedback into reference and sampler.

    ``MRSDPO(P, alpha, beta, lam, ref=None, pi0=None)``: one round maps the
    policy ``pi`` to ``softmax(alpha log pi + (1 - alpha) log ref + s(mu) / beta)``
    where ``mu = lam pi + (1 - lam) pi0`` and ``s(mu)`` solves the weighted
    Bradley-Terry fit ``sum_j mu_j (P_ij - sigmoid(s_i - s_j)) = 0``.

    Parameters
    ----------
    P : PreferenceMatrix or array_like, shape (K, K)
        Preference matrix, ``P_ij = Pr(i preferred to j)``. Its digraph with an
        edge ``i -> j`` whenever ``P_ij > 0`` must be strongly connected.
    alpha : float in [0, 1]
        Weight of the current policy in the geometric reference mix.
    beta : float > 0
        DPO convention: the weight of the KL term. The preference signal
        enters as ``s / beta``, so larger ``beta`` means weaker updates -- the
        opposite of IPO's ``beta`` in :class:`~dynsys_align.maps.MRSIPO`.
    lam : float in [0, 1]
        Weight of the current policy in the sampling mix (1: fully on-policy).
    ref, pi0 : array_like, optional
        Base reference policy and offline sampler (entries > 0); uniform by
        default.

    Raises
    ------
    NoFiniteOptimum
        If some group of responses beats all others with probability exactly 1
        (the ``P_ij > 0`` digraph is not strongly connected): the fit then has
        no finite solution for any interior ``mu``. The message names the cut.
    InvalidPreferenceMatrix, InvalidPolicy, InvalidParameter
        On malformed ``P``, ``ref``, ``pi0`` or parameters out of range.

    Notes
    -----
    *Cost.* Every step solves the fit from ``s = 0`` by the safeguarded Newton
    method of :func:`dynsys_align.optima.dpo_optimum` (a stateless kernel cannot
    warm-start), to a residual of :data:`FIT_TOL`; typically 4-8 iterations of
    ``O(K^3)`` each, some twenty-five times the cost of an MRS-IPO step for
    ``K = 4``. If the fit fails (only conceivable when ``P`` is within rounding of a
    cut) the step returns NaN, which the drivers stop at and report.

    *Jacobian.* The analytic Jacobian is ``alpha I + (lam / beta) (ds/dmu) D``
    with ``D = diag(pi) - pi pi^T`` and ``ds/dmu = A^{-1} B`` from the implicit
    function theorem on the fit (``A`` the negated derivative of the residuals
    in ``s``, ``B_ik = P_ik - sigmoid(s_i - s_k)``). For ``lam = 1`` it has
    ``B mu = 0`` and ``A = diag(mu)^{-1} H`` with ``H`` the symmetric positive
    semi-definite Hessian of the fit, so ``(ds/dmu) D = H^+ diag(mu) B diag(mu)``
    is a positive semi-definite matrix times a skew-symmetric one: every
    multiplier in the chart has real part exactly ``alpha``, at every interior
    point. For ``lam < 1`` this structure is lost and the real parts differ
    from ``alpha``, slightly in the cases we tried (``0.50008`` for
    ``alpha = 0.5``); for MRS-IPO ``alpha`` holds for every ``lam``.

    *Extremes.* Sampling weights are floored at :data:`MU_FLOOR` so that a
    response whose probability underflows keeps its own fit equation (whose
    solution does not depend on its own weight); the step stays finite as the
    policy collapses onto a vertex.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import expit
    >>> from dynsys_align.maps.dpo import MRSDPO
    >>> s = np.array([0.5, 0.0, -0.5])              # a Bradley-Terry P
    >>> P = expit(s[:, None] - s[None, :])
    >>> m = MRSDPO(P, alpha=0.0, beta=1.0, lam=1.0)
    >>> pi = m.step([0.2, 0.3, 0.5])                  # = softmax(s / beta)
    >>> bool(np.allclose(pi, np.exp(s) / np.exp(s).sum()))
    True
    """

    step_kernel = dpo_step
    jacobian_kernel = dpo_jacobian

    def check_preferences(self, P):
        cut = bt.support_cut(P, range(P.shape[0]))
        if cut is not None:
            top, rest = cut
            raise NoFiniteOptimum(
                f"MRS-DPO needs a finite DPO optimum for every interior sampler, but "
                f"responses {top} beat responses {rest} with probability exactly 1 "
                "(P_ij = 1 across this cut), so their Bradley-Terry scores diverge"
            )

    def scores(self, pi) -> np.ndarray:
        """Bradley-Terry scores ``s(mu)`` of the round that starts at policy ``pi``.

        ``mu = lam pi + (1 - lam) pi0``; the gauge is ``s[K-1] = 0``, as in the step.

        Raises
        ------
        InvalidPolicy
            If ``pi`` is not an interior policy of length K.
        ConvergenceError
            If the fit misses :data:`FIT_TOL`.
        """
        pi = check_policy(pi, "pi", K=self.dim)
        _, _, lam, P, _, pi0 = unpack_alignment_params(self.params, self.dim)
        mu = np.maximum(lam * pi + (1.0 - lam) * pi0, MU_FLOOR)
        s = np.zeros(self.dim)
        it, res, ok = bt.fit_weighted_bt(np.array(P, dtype=float), mu, s, FIT_TOL,
                                         FIT_MAX_ITER)
        if not ok:
            raise ConvergenceError(
                f"Bradley-Terry fit stopped after {it} iterations with residual "
                f"{res:.3g} > {FIT_TOL:g}"
            )
        return s
