"""Iterative alignment maps: MRS-IPO and the base class the alignment maps share.

Each round computes the preference-optimisation optimum against a reference
policy and a sampling distribution that are both fed by the current policy:

    reference  pi_ref^(t)  proportional to  pi_t^alpha * pi_ref^(1 - alpha)
    sampler    mu_t = lam * pi_t + (1 - lam) * pi0
    IPO        pi_{t+1} = softmax(log pi_ref^(t) + beta * P mu_t)

In logits this is the map ``z -> alpha z + (1 - alpha) log pi_ref
+ beta P (lam softmax(z) + (1 - lam) pi0)`` (see "How Sampling Shapes LLM
Alignment: From One-Shot Optima to Iterative Dynamics", arXiv 2602.12180).

Parameter vector layout shared by the alignment maps:
``[alpha, beta, lam, P (K*K, row-major), log pi_ref (K), pi0 (K)]``. MRS-DPO
(``dpo.py``) uses it too; the finite-learning-rate map (``finite_step.py``) is
built only through the public extension point and extends it.
"""

from __future__ import annotations

import numpy as np

from .._validation import (
    as_preference_array,
    check_policy,
    check_positive,
    check_unit_interval,
)
from ._kernels import softmax_into, stack_vector
from .base import UpdateMap, compiled_jacobian, compiled_step

__all__ = ["AlignmentMap", "MRSIPO", "alignment_params", "unpack_alignment_params"]

N_SCALARS = 3


def alignment_params(P, alpha, beta, lam, ref=None, pi0=None) -> np.ndarray:
    """Validate and pack the parameters of an alignment map into one vector."""
    A = as_preference_array(P)
    K = A.shape[0]
    alpha = check_unit_interval(alpha, "alpha")
    lam = check_unit_interval(lam, "lam")
    beta = check_positive(beta, "beta")
    ref = np.full(K, 1.0 / K) if ref is None else check_policy(ref, "ref", K=K)
    pi0 = np.full(K, 1.0 / K) if pi0 is None else check_policy(pi0, "pi0", K=K)
    return np.concatenate([[alpha, beta, lam], A.ravel(), np.log(ref), pi0])


def unpack_alignment_params(p, K: int):
    """Inverse of :func:`alignment_params`: ``(alpha, beta, lam, P, log_ref, pi0)``."""
    p = np.asarray(p, dtype=float)
    o = N_SCALARS
    P = p[o:o + K * K].reshape(K, K)
    log_ref = p[o + K * K:o + K * K + K]
    pi0 = p[o + K * K + K:o + K * K + 2 * K]
    return p[0], p[1], p[2], P, log_ref, pi0


@compiled_step
def ipo_step(z, p, out):
    K = z.size
    alpha = p[0]
    beta = p[1]
    lam = p[2]
    o = 3
    lr = o + K * K
    q = lr + K
    pi = stack_vector(K)
    softmax_into(z, pi)
    for i in range(K):
        pi[i] = lam * pi[i] + (1.0 - lam) * p[q + i]
    for i in range(K):
        acc = 0.0
        for j in range(K):
            acc += p[o + i * K + j] * pi[j]
        out[i] = alpha * z[i] + (1.0 - alpha) * p[lr + i] + beta * acc


@compiled_jacobian
def ipo_jacobian(z, p, J):
    # dz'/dz = alpha I + beta lam P D with D = diag(pi) - pi pi^T
    K = z.size
    alpha = p[0]
    beta = p[1]
    lam = p[2]
    o = 3
    pi = stack_vector(K)
    softmax_into(z, pi)
    # w_i = (P pi)_i
    w = stack_vector(K)
    for i in range(K):
        acc = 0.0
        for j in range(K):
            acc += p[o + i * K + j] * pi[j]
        w[i] = acc
    c = beta * lam
    for i in range(K):
        for j in range(K):
            J[i, j] = c * (p[o + i * K + j] * pi[j] - w[i] * pi[j])
        J[i, i] += alpha


class AlignmentMap(UpdateMap):
    """Shared base of the iterative alignment maps (parameter layout, views, checks).

    Subclasses set the kernels and may override :meth:`check_preferences` to
    reject matrices for which their round has no finite optimum.
    """

    space = "simplex"
    param_names = ("alpha", "beta", "lam")

    def __init__(self, P, alpha, beta, lam, ref=None, pi0=None):
        p = alignment_params(P, alpha, beta, lam, ref, pi0)
        A = as_preference_array(P)
        self.check_preferences(A)
        super().__init__(p, A.shape[0])
        self.preferences = P

    def check_preferences(self, P: np.ndarray) -> None:
        """Reject preference matrices the map cannot use (default: accept all)."""

    def check_param(self, name, value):
        if name in ("alpha", "lam"):
            return check_unit_interval(value, name)
        if name == "beta":
            return check_positive(value, name)
        return super().check_param(name, value)

    @property
    def K(self) -> int:
        """Number of candidate responses."""
        return self.dim

    @property
    def matrix(self) -> np.ndarray:
        """The preference matrix as a float array."""
        return unpack_alignment_params(self.params, self.dim)[3].copy()

    @property
    def ref(self) -> np.ndarray:
        """The base reference policy."""
        return np.exp(unpack_alignment_params(self.params, self.dim)[4])

    @property
    def pi0(self) -> np.ndarray:
        """The offline sampling distribution."""
        return unpack_alignment_params(self.params, self.dim)[5].copy()


class MRSIPO(AlignmentMap):
    """Multi-round sampled IPO: iterated IPO with feedback into reference and sampler.

    ``MRSIPO(P, alpha, beta, lam, ref=None, pi0=None)``: one round maps the
    policy ``pi`` to ``softmax(alpha log pi + (1 - alpha) log ref + beta P mu)``
    with ``mu = lam pi + (1 - lam) pi0``.

    Parameters
    ----------
    P : PreferenceMatrix or array_like, shape (K, K)
        Preference matrix, ``P_ij = Pr(i preferred to j)``.
    alpha : float in [0, 1]
        Weight of the current policy in the geometric reference mix
        (1: the reference is the current model; 0: fixed reference ``ref``).
    beta : float > 0
        Strength of the preference term relative to the KL anchor (IPO's
        ``1 / tau``). It multiplies the win rates ``P mu``.
    lam : float in [0, 1]
        Weight of the current policy in the sampling mix (1: fully on-policy).
    ref, pi0 : array_like, optional
        Base reference policy and offline sampler; uniform by default.

    Notes
    -----
    The Jacobian in logit coordinates is ``alpha I + beta lam P D`` with
    ``D = diag(pi) - pi pi^T``. Because ``S D`` (``S = P - 1/2``) has purely
    imaginary eigenvalues on the tangent space of the simplex, every multiplier
    of an interior fixed point has real part ``alpha``. The map is a
    contraction whenever ``alpha + beta lam ||S||_2 / 2 < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.maps import MRSIPO
    >>> a = 0.2
    >>> P = np.array([[0.5, 0.5 + a, 0.5 - a],
    ...               [0.5 - a, 0.5, 0.5 + a],
    ...               [0.5 + a, 0.5 - a, 0.5]])
    >>> m = MRSIPO(P, alpha=0.5, beta=4.0, lam=1.0)
    >>> np.round(m.step([1/3, 1/3, 1/3]), 6)
    array([0.333333, 0.333333, 0.333333])
    """

    step_kernel = ipo_step
    jacobian_kernel = ipo_jacobian

    def contraction_modulus(self) -> float:
        """``alpha + beta lam ||P - 1/2||_2 / 2``; below 1 the map is a contraction."""
        alpha, beta, lam, P, _, _ = unpack_alignment_params(self.params, self.dim)
        return float(alpha + 0.5 * beta * lam * np.linalg.norm(P - 0.5, 2))
