"""Theory overlays drawn on regime maps agree with the theorems they draw."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import dynsys_align as da
from dynsys_align.plotting import contraction_overlay, neimark_sacker_overlay


def _random_preferences(K, rng):
    U = rng.uniform(size=(K, K))
    P = np.triu(U, 1) + np.tril(1.0 - U.T, -1)
    np.fill_diagonal(P, 0.5)
    return P


@pytest.mark.parametrize("seed", [0, 1])
def test_every_cell_below_the_contraction_bound_is_a_fixed_point(seed):
    # Global stability theorem: alpha + beta lam ||S||_2 / 2 < 1 is a contraction.
    P = _random_preferences(4, np.random.default_rng(seed))
    m = da.MRSIPO(P, 0.5, 1.0, 1.0)
    alphas = np.linspace(0.0, 0.9, 7)
    betas = np.linspace(0.2, 12.0, 12)
    regimes = da.regime_map(m, {"alpha": alphas, "beta": betas}, progress=False,
                            n_transient=1500, n_keep=500)
    bound = contraction_overlay(P, alphas)["y"]
    below = betas[None, :] < bound[:, None]
    assert below.any()
    kinds = np.asarray(regimes.kind_names())
    assert np.all(kinds[below] == "fixed_point")


def test_contraction_overlay_is_the_closed_form_boundary():
    P = da.cyclic(3, margin=0.2)
    alphas = np.array([0.0, 0.25, 0.5])
    ov = contraction_overlay(P, alphas, lam=0.5)
    # ||S||_2 = a sqrt(3) for the 3-cycle; beta = 2 (1 - alpha) / (lam a sqrt 3).
    assert_allclose(ov["y"], 2 * (1 - alphas) / (0.5 * 0.2 * np.sqrt(3)), rtol=1e-12)
    flipped = contraction_overlay(P, alphas, transpose=True)
    assert_allclose(flipped["y"], alphas)


def test_neimark_sacker_curve_lies_beyond_the_contraction_bound():
    # The contraction bound is sufficient, so it can never exceed the true
    # stability boundary of the uniform fixed point of the 3-cycle.
    alphas = np.linspace(0.0, 0.99, 50)
    ns = neimark_sacker_overlay(0.2, alphas)["y"]
    cb = contraction_overlay(da.cyclic(3, margin=0.2), alphas)["y"]
    assert np.all(cb <= ns + 1e-12)


def test_overlay_rejects_bad_lam():
    with pytest.raises(da.InvalidParameter, match=r"lam must lie in \(0, 1\]"):
        contraction_overlay(da.cyclic(3, margin=0.2), [0.5], lam=0.0)
