"""IPO with a finite learning rate: a worked example of the UpdateMap extension point.

Instead of jumping to the exact IPO optimum, each round starts from the current
logits and takes ``n_inner`` gradient steps of size ``eta`` on the population
IPO loss against the round's reference and sampler. The map is built only from
the public extension point (:class:`~dynsys_align.maps.UpdateMap`,
:func:`~dynsys_align.maps.compiled_step`, :func:`~dynsys_align.maps.compiled_jacobian`)
and the parameter helpers of :mod:`dynsys_align.maps.alignment`, exactly as a
user would write their own map.

The population IPO loss
-----------------------
Draw ``y, y'`` independently from ``mu``; ``y`` wins with probability
``P_{y y'}``. With ``g = log(pi / ref_t)`` (``ref_t`` the round's reference) and
``h(w, l) = g_w - g_l``, IPO minimises the squared loss

    ell(g) = E[(h(winner, loser) - beta / 2)^2]
           = sum_ij mu_i mu_j [(g_i - g_j)^2 - beta (2 P_ij - 1)(g_i - g_j)] + const

(``beta = 1 / tau`` in the IPO paper's notation). Its gradient is

    d ell / d g_k = 4 mu_k [g_k - mu . g - beta ((P mu)_k - 1/2)],

which vanishes on the support of ``mu`` exactly when ``g = beta P mu + const``:
the minimiser is the IPO optimum ``softmax(log ref_t + beta P mu)``. With logits
``theta`` (``g = theta - log ref_t`` up to a constant, which ``ell`` ignores) the
inner iteration is ``theta <- theta - eta grad``.

The loss is quadratic, so the inner iteration is linear: with ``T`` the exact
MRS-IPO image and ``D_mu = diag(mu) - mu mu^T``,

    theta_n - T = (I - 4 eta D_mu)^n (z - T)   (modulo constants).

The eigenvalues of ``D_mu`` lie in ``[0, 1/2]`` (Gershgorin), so for
``0 < eta < 1`` and interior ``mu`` the error contracts on the tangent space and
the map tends to MRS-IPO as ``n_inner -> infinity``; its fixed points are the
MRS-IPO fixed points for every ``n_inner >= 1``.

This module may import the public names of :mod:`dynsys_align.maps` and the
helpers of :mod:`dynsys_align.maps.alignment`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..exceptions import InvalidParameter
from .alignment import MRSIPO, alignment_params, unpack_alignment_params
from .base import UpdateMap, compiled_jacobian, compiled_step, softmax_into

__all__ = ["FiniteStepIPO"]

_N_SCALARS = 5


@njit(cache=True)
def _round_setup(z, p, pi, mu, target, ref_t):
    # The round at logits z: policy pi, sampler mu, the targets
    # beta ((P mu)_k - 1/2) of the log-ratios, and the round's reference logits.
    K = z.size
    alpha = p[0]
    beta = p[1]
    lam = p[2]
    o = _N_SCALARS
    lr = o + K * K
    q = lr + K
    softmax_into(z, pi)
    for i in range(K):
        mu[i] = lam * pi[i] + (1.0 - lam) * p[q + i]
    for i in range(K):
        acc = 0.0
        for j in range(K):
            acc += p[o + i * K + j] * mu[j]
        target[i] = beta * (acc - 0.5)
        ref_t[i] = alpha * z[i] + (1.0 - alpha) * p[lr + i]


@compiled_step
def finite_ipo_step(z, p, out):
    K = z.size
    eta = p[3]
    n_inner = int(p[4])
    pi = np.empty(K)
    mu = np.empty(K)
    target = np.empty(K)
    ref_t = np.empty(K)
    _round_setup(z, p, pi, mu, target, ref_t)
    for i in range(K):
        out[i] = z[i]
    for _ in range(n_inner):
        mv = 0.0
        for i in range(K):
            mv += mu[i] * (out[i] - ref_t[i])
        for i in range(K):
            out[i] -= 4.0 * eta * mu[i] * (out[i] - ref_t[i] - mv - target[i])


@compiled_jacobian
def finite_ipo_jacobian(z, p, J):
    # Chain rule through the inner loop. With v = theta - ref_t, the gradient is
    # grad = 4 diag(mu) [(I - 1 mu^T) v - target], and G = d theta / d z evolves as
    # G <- G - eta d grad / d z,
    # d grad/dz = 4 diag(w) E + 4 diag(mu) [(I - 1 mu^T)(G - alpha I) - 1 v^T E
    #             - beta P E],
    # where w = (I - 1 mu^T) v - target and E = d mu / d z = lam (diag(pi) - pi pi^T).
    K = z.size
    alpha = p[0]
    beta = p[1]
    lam = p[2]
    eta = p[3]
    n_inner = int(p[4])
    o = _N_SCALARS
    pi = np.empty(K)
    mu = np.empty(K)
    target = np.empty(K)
    ref_t = np.empty(K)
    _round_setup(z, p, pi, mu, target, ref_t)
    P = np.empty((K, K))
    for i in range(K):
        for j in range(K):
            P[i, j] = p[o + i * K + j]
    E = np.empty((K, K))
    for i in range(K):
        for j in range(K):
            E[i, j] = -lam * pi[i] * pi[j]
        E[i, i] += lam * pi[i]
    PE = P @ E
    theta = z.copy()
    G = np.eye(K)
    dgrad = np.empty((K, K))
    for _ in range(n_inner):
        v = theta - ref_t
        mv = 0.0
        for i in range(K):
            mv += mu[i] * v[i]
        vE = v @ E
        # mu^T (G - alpha I), a row vector
        muG = mu @ G
        for j in range(K):
            muG[j] -= alpha * mu[j]
        for i in range(K):
            w = v[i] - mv - target[i]
            for j in range(K):
                gi = G[i, j] - (alpha if i == j else 0.0)
                inner = gi - muG[j] - vE[j] - beta * PE[i, j]
                dgrad[i, j] = 4.0 * (w * E[i, j] + mu[i] * inner)
        for i in range(K):
            theta[i] -= 4.0 * eta * mu[i] * (v[i] - mv - target[i])
        for i in range(K):
            for j in range(K):
                G[i, j] -= eta * dgrad[i, j]
    for i in range(K):
        for j in range(K):
            J[i, j] = G[i, j]


class FiniteStepIPO(UpdateMap):
    """MRS-IPO with ``n_inner`` gradient steps of size ``eta`` per round.

    ``FiniteStepIPO(P, alpha, beta, lam, eta, n_inner, ref=None, pi0=None)``:
    each round starts at the current logits ``z`` and runs
    ``theta <- theta - eta * grad ell(theta)`` ``n_inner`` times on the
    population IPO loss ``ell`` of the round (reference
    ``pi^alpha ref^(1 - alpha)``, sampler ``mu = lam pi + (1 - lam) pi0``).

    Parameters
    ----------
    P : PreferenceMatrix or array_like, shape (K, K)
        Preference matrix.
    alpha, lam : float in [0, 1]
        Reference and sampling mixing weights, as in
        :class:`~dynsys_align.maps.MRSIPO`.
    beta : float > 0
        IPO's ``beta`` (``1 / tau``): the loss pulls ``log(pi / ref_t)``
        differences towards ``beta`` times win-rate differences.
    eta : float > 0
        Learning rate of the inner gradient steps.
    n_inner : int >= 1
        Gradient steps per round (stored as a float in the parameter vector,
        so it can be varied with :meth:`vary`; it must be a whole number).
    ref, pi0 : array_like, optional
        Base reference policy and offline sampler; uniform by default.

    Raises
    ------
    InvalidPreferenceMatrix, InvalidPolicy, InvalidParameter
        On malformed inputs or parameters out of range.

    Notes
    -----
    Parameter vector: ``[alpha, beta, lam, eta, n_inner, P (K*K), log ref, pi0]``.

    The inner loss is quadratic (see the module notes), so after ``n`` steps
    ``theta - T = (I - 4 eta D_mu)^n (z - T)`` up to a constant, with ``T`` the
    MRS-IPO image and ``D_mu = diag(mu) - mu mu^T``. Hence:

    * for ``0 < eta < 1`` and interior ``mu`` the inner iteration contracts
      and the map converges to MRS-IPO as ``n_inner`` grows, at the rate
      ``max |1 - 4 eta d|`` over the nonzero eigenvalues ``d`` of ``D_mu``;
      a response with ``mu_k`` close to 0 is barely trained in a round;
    * larger ``eta`` can make the inner loop overshoot (a factor below -1),
      which is one route to period-doubling in the outer map;
    * its fixed points (in the policy) are exactly those of MRS-IPO, for every
      ``n_inner >= 1``, but their multipliers differ.

    The analytic Jacobian propagates the derivative through the inner loop,
    ``O(n_inner K^3)`` per evaluation (the step costs ``O(n_inner K + K^2)``).

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.maps.finite_step import FiniteStepIPO
    >>> P = np.array([[0.5, 0.7, 0.6], [0.3, 0.5, 0.8], [0.4, 0.2, 0.5]])
    >>> m = FiniteStepIPO(P, alpha=0.5, beta=2.0, lam=0.5, eta=0.5, n_inner=200)
    >>> pi = np.array([0.5, 0.3, 0.2])
    >>> bool(np.allclose(m.step(pi), m.exact_map().step(pi), atol=1e-12))
    True
    """

    space = "simplex"
    param_names = ("alpha", "beta", "lam", "eta", "n_inner")
    step_kernel = finite_ipo_step
    jacobian_kernel = finite_ipo_jacobian

    def __init__(self, P, alpha, beta, lam, eta, n_inner, ref=None, pi0=None):
        base = alignment_params(P, alpha, beta, lam, ref, pi0)
        eta = self.check_param("eta", eta)
        n_inner = self.check_param("n_inner", n_inner)
        p = np.concatenate([base[:3], [eta, n_inner], base[3:]])
        # base holds 3 scalars, K*K matrix entries and 2 K vectors: (K + 1)^2 - 1
        K = round(math.sqrt(base.size - 2)) - 1
        super().__init__(p, K)
        self.preferences = P

    def check_param(self, name, value):
        v = super().check_param(name, value)
        if name in ("alpha", "lam") and not 0.0 <= v <= 1.0:
            raise InvalidParameter(f"{name} must lie in [0, 1], got {name} = {v!r}")
        if name in ("beta", "eta") and not v > 0.0:
            raise InvalidParameter(f"{name} must be > 0, got {name} = {v!r}")
        if name == "n_inner" and (v != math.floor(v) or v < 1):
            raise InvalidParameter(
                f"n_inner must be a whole number >= 1, got n_inner = {value!r}"
            )
        return v

    def _alignment_vector(self) -> np.ndarray:
        return np.concatenate([self.params[:3], self.params[_N_SCALARS:]])

    @property
    def K(self) -> int:
        """Number of candidate responses."""
        return self.dim

    @property
    def matrix(self) -> np.ndarray:
        """The preference matrix as a float array."""
        return unpack_alignment_params(self._alignment_vector(), self.dim)[3].copy()

    @property
    def ref(self) -> np.ndarray:
        """The base reference policy."""
        return np.exp(unpack_alignment_params(self._alignment_vector(), self.dim)[4])

    @property
    def pi0(self) -> np.ndarray:
        """The offline sampling distribution."""
        return unpack_alignment_params(self._alignment_vector(), self.dim)[5].copy()

    def exact_map(self) -> MRSIPO:
        """The MRS-IPO map (exact optimum each round) with the same parameters."""
        alpha, beta, lam = self.params[:3]
        return MRSIPO(self.matrix, alpha, beta, lam, ref=self.ref, pi0=self.pi0)
