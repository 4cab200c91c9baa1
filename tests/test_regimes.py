"""Tests of regime classification against known dynamics.

Reference answers: the logistic map's bifurcation structure and closed-form
exponents, the Henon attractor's published exponent, rotations of the circle
(rational: periodic; irrational: quasi-periodic with exponent 0), and the
paper's theorems for MRS-IPO (Neimark-Sacker threshold of the K = 3 cycle,
contraction condition, entropy collapse at alpha = 1).
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from dynsys_align.analysis.regimes import (
    KINDS,
    Criteria,
    Regime,
    classify,
    kind_code,
    kind_name,
    kind_names,
    summarize,
)
from dynsys_align.exceptions import InvalidParameter, InvalidPolicy
from dynsys_align.maps import MRSIPO, UpdateMap, compiled_jacobian, compiled_step
from dynsys_align.maps.classic import Henon, Logistic

# --- reference maps, written with the public extension API --------------------


@compiled_step
def _logistic_step(x, p, out):
    out[0] = p[0] * x[0] * (1.0 - x[0])


@compiled_jacobian
def _logistic_jacobian(x, p, J):
    J[0, 0] = p[0] * (1.0 - 2.0 * x[0])


@compiled_step
def _henon_step(x, p, out):
    out[0] = 1.0 - p[0] * x[0] * x[0] + x[1]
    out[1] = p[1] * x[0]


@compiled_step
def _circle_step(x, p, out):
    # rotation by p[0] with the radius pulled halfway to 1: the unit circle
    # attracts (radial multiplier 1/2) and carries a rigid rotation
    r = math.sqrt(x[0] * x[0] + x[1] * x[1])
    g = 0.5 * (1.0 + r) / r
    c = math.cos(p[0])
    s = math.sin(p[0])
    out[0] = g * (c * x[0] - s * x[1])
    out[1] = g * (s * x[0] + c * x[1])


@compiled_step
def _translation_step(x, p, out):
    out[0] = x[0] + p[0]


def logistic(r):
    return UpdateMap.from_kernels(_logistic_step, _logistic_jacobian, dim=1,
                                  params=[r], param_names=["r"], name="Logistic")


def henon(a=1.4, b=0.3):
    # no Jacobian kernel: exercises the finite-difference tangent map
    return UpdateMap.from_kernels(_henon_step, dim=2, params=[a, b],
                                  param_names=["a", "b"], name="Henon")


def circle_rotation(theta):
    return UpdateMap.from_kernels(_circle_step, dim=2, params=[theta],
                                  param_names=["theta"], name="CircleRotation")


def rps(a):
    """Cyclic K = 3 preference matrix with P_ij = 1/2 +- a."""
    return np.array([[0.5, 0.5 + a, 0.5 - a],
                     [0.5 - a, 0.5, 0.5 + a],
                     [0.5 + a, 0.5 - a, 0.5]])


def bradley_terry(scores):
    s = np.asarray(scores, dtype=float)
    return 1.0 / (1.0 + np.exp(-(s[:, None] - s[None, :])))


def random_preferences(K, rng):
    A = np.triu(rng.uniform(0.0, 1.0, (K, K)), 1)
    P = A + np.tril(1.0 - A.T, -1)
    np.fill_diagonal(P, 0.5)
    return P


GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
START_RPS = [0.4, 0.35, 0.25]


def ns_beta(a, alpha, lam=1.0):
    """Neimark-Sacker threshold in beta: beta lam = sqrt(3 (1 - alpha^2)) / a."""
    return math.sqrt(3.0 * (1.0 - alpha**2)) / a / lam


# --- logistic map --------------------------------------------------------------


def test_logistic_fixed_point_branch_has_exponent_log_abs_two_minus_r():
    reg = classify(logistic(2.8), [0.1])
    assert reg.kind == "fixed_point"
    assert reg.period == 1
    assert_allclose(reg.lyapunov, math.log(0.8), atol=1e-9)
    assert_allclose(reg.attractor["point"], [1.0 - 1.0 / 2.8], atol=1e-12)


def test_logistic_period_two_cycle_matches_closed_form():
    r = 3.2
    reg = classify(logistic(r), [0.1])
    assert (reg.kind, reg.period) == ("periodic", 2)
    # the 2-cycle solves r^2 x^2 - r (r + 1) x + (r + 1) = 0
    disc = math.sqrt((r + 1.0) * (r - 3.0))
    cycle = np.sort([(r + 1.0 - disc) / (2 * r), (r + 1.0 + disc) / (2 * r)])
    assert_allclose(np.sort(reg.attractor["cycle"][:, 0]), cycle, atol=1e-10)


def test_logistic_period_two_exponent_is_half_log_cycle_multiplier():
    # the 2-cycle's multiplier is f'(x-) f'(x+) = 4 + 2 r - r^2
    r = 3.2
    reg = classify(logistic(r), [0.1])
    assert_allclose(reg.lyapunov, 0.5 * math.log(abs(4 + 2 * r - r * r)), atol=1e-9)


def test_logistic_period_two_oscillation_is_variance_of_the_cycle():
    r = 3.2
    reg = classify(logistic(r), [0.1], n_keep=1000)
    disc = math.sqrt((r + 1.0) * (r - 3.0))
    # two equally visited points x+-: variance ((x+ - x-) / 2)^2
    assert_allclose(reg.oscillation, (disc / (2 * r)) ** 2, rtol=1e-9)


def test_logistic_period_four_after_second_doubling():
    # r2 = 1 + sqrt(6) = 3.449... < 3.5 < r3 = 3.544...
    reg = classify(logistic(3.5), [0.1])
    assert reg.kind == "periodic"
    assert reg.period == 4
    assert reg.lyapunov < 0.0


def test_logistic_period_three_window():
    # the period-3 window opens at r = 1 + sqrt(8) = 3.8284...
    reg = classify(logistic(3.83), [0.1])
    assert reg.kind == "periodic"
    assert reg.period == 3


def test_logistic_at_r_four_is_chaotic_with_exponent_log_two():
    reg = classify(logistic(4.0), [0.1234], n_keep=20_000)
    assert reg.kind == "chaotic"
    assert reg.period is None
    assert_allclose(reg.lyapunov, math.log(2.0), atol=0.02)


def test_logistic_at_r_three_point_nine_is_chaotic():
    reg = classify(logistic(3.9), [0.1])
    assert reg.kind == "chaotic"
    assert reg.lyapunov > 0.3


def test_cycle_longer_than_max_period_is_periodic_of_unknown_period():
    # the period-4 cycle at r = 3.5 is invisible to a search up to period 2,
    # but its exponent is clearly negative, so it is not quasi-periodic
    reg = classify(logistic(3.5), [0.1], criteria=Criteria(max_period=2))
    assert (reg.kind, reg.period) == ("periodic", None)
    assert "a longer cycle or an unfinished transient" in reg.reason


def test_fixed_point_still_being_approached_is_a_fixed_point():
    # multiplier -0.8: after 45 steps the orbit is about 1e-5 from the fixed
    # point, far from fixed_point_tol but inside period_tol
    crit = Criteria(fixed_point_tol=1e-12, period_tol=1e-3)
    reg = classify(logistic(2.8), [0.1], n_transient=0, n_keep=300, criteria=crit)
    assert reg.kind == "fixed_point"
    assert "still being approached" in reg.reason


def test_superstable_fixed_point_reports_minus_infinity_not_nan():
    # r = 2: fixed point 1/2 where f'(1/2) = 0
    reg = classify(logistic(2.0), [0.1])
    assert reg.kind == "fixed_point"
    assert reg.lyapunov == -math.inf


def test_logistic_beyond_four_diverges_with_explanation():
    # for r > 4 the critical value r / 4 exceeds 1 and almost every orbit escapes
    reg = classify(logistic(4.5), [0.1])
    assert reg.kind == "divergent"
    assert math.isnan(reg.lyapunov)
    assert "no attractor" in reg.reason
    assert reg.evidence["steps"] < 3000


def test_translation_escapes_at_the_escape_radius():
    m = UpdateMap.from_kernels(_translation_step, dim=1, params=[1.0])
    reg = classify(m, [0.0], criteria=Criteria(escape_radius=1000.0))
    assert reg.kind == "divergent"
    # x_t = t first exceeds 1000 at t = 1001, so 1000 steps were completed
    assert reg.evidence["steps"] == 1000
    assert_allclose(reg.attractor["last_finite"], [1000.0])


@pytest.mark.parametrize(("r", "period"), [(2.8, 1), (3.2, 2), (3.5, 4), (3.83, 3)])
def test_builtin_logistic_from_its_default_start_finds_the_known_period(r, period):
    reg = classify(Logistic(r))
    assert reg.period == period


# --- Henon and circle rotations ------------------------------------------------


def test_henon_is_chaotic_with_published_exponent():
    reg = classify(henon(), [0.0, 0.0], n_keep=20_000)
    assert reg.kind == "chaotic"
    assert_allclose(reg.lyapunov, 0.419, atol=0.02)


def test_builtin_henon_with_analytic_jacobian_is_chaotic():
    reg = classify(Henon(1.4, 0.3), n_keep=20_000)
    assert reg.kind == "chaotic"
    assert_allclose(reg.lyapunov, 0.419, atol=0.02)


def test_irrational_circle_rotation_is_quasi_periodic_with_zero_exponent():
    reg = classify(circle_rotation(2 * math.pi * GOLDEN), [0.5, 0.0])
    assert reg.kind == "quasi_periodic"
    assert reg.period is None
    assert_allclose(reg.lyapunov, 0.0, atol=1e-6)
    # the attractor is the unit circle
    assert_allclose(reg.attractor["max"], [1.0, 1.0], atol=1e-3)
    assert_allclose(reg.attractor["min"], [-1.0, -1.0], atol=1e-3)


def test_rational_circle_rotation_is_periodic_with_its_denominator():
    reg = classify(circle_rotation(2 * math.pi * 2 / 5), [0.5, 0.0])
    assert reg.kind == "periodic"
    assert reg.period == 5
    assert_allclose(np.hypot(*reg.attractor["cycle"].T), np.ones(5), atol=1e-12)


# --- MRS-IPO: the paper's theorems ---------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 0.5, 0.8])
def test_rps_below_neimark_sacker_threshold_is_uniform_fixed_point(alpha):
    a = 0.2
    beta = 0.8 * ns_beta(a, alpha)
    reg = classify(MRSIPO(rps(a), alpha, beta, 1.0), START_RPS)
    assert reg.kind == "fixed_point"
    assert_allclose(reg.attractor["point"], np.full(3, 1 / 3), atol=1e-10)
    assert_allclose(reg.entropy, math.log(3.0), atol=1e-10)
    assert_allclose(reg.oscillation, 0.0, atol=1e-15)


def test_rps_fixed_point_exponent_is_log_multiplier_modulus():
    # multipliers alpha +- i a beta lam / sqrt(3)
    a, alpha = 0.2, 0.5
    beta = 0.8 * ns_beta(a, alpha)
    reg = classify(MRSIPO(rps(a), alpha, beta, 1.0), START_RPS)
    expected = 0.5 * math.log(alpha**2 + (a * beta) ** 2 / 3.0)
    assert_allclose(reg.lyapunov, expected, atol=5e-3)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 0.8])
def test_rps_above_neimark_sacker_threshold_keeps_circulating(alpha):
    a = 0.2
    beta = 1.3 * ns_beta(a, alpha)
    reg = classify(MRSIPO(rps(a), alpha, beta, 1.0), START_RPS)
    assert reg.kind in ("periodic", "quasi_periodic")
    assert reg.oscillation > 1e-4
    assert reg.entropy < math.log(3.0)


@pytest.mark.parametrize("K", [3, 4, 6])
def test_contraction_condition_gives_a_fixed_point(K):
    rng = np.random.default_rng(20260 + K)
    P = random_preferences(K, rng)
    alpha, lam = 0.3, 0.7
    # choose beta so that alpha + beta lam ||S||_2 / 2 = 0.9 < 1
    beta = 2 * (0.9 - alpha) / (lam * np.linalg.norm(P - 0.5, 2))
    m = MRSIPO(P, alpha, beta, lam)
    reg = classify(m, rng.dirichlet(np.ones(K)))
    assert reg.kind == "fixed_point"
    # multipliers alpha + i omega with modulus below the contraction modulus
    assert math.log(alpha) - 5e-3 <= reg.lyapunov <= math.log(0.9) + 5e-3


def _hedge_on_transitive_preferences():
    P = bradley_terry([0.3, 2.0, 1.0, 0.0])  # strictly SST, top response 1
    return classify(MRSIPO(P, 1.0, 2.0, 1.0), [0.25, 0.25, 0.25, 0.25])


def test_alpha_one_on_strictly_transitive_preferences_collapses_to_the_top():
    reg = _hedge_on_transitive_preferences()
    assert reg.kind == "collapse"
    assert reg.attractor["vertex"] == 1


def test_collapse_keeps_entropy_and_policy_finite():
    reg = _hedge_on_transitive_preferences()
    assert 0.0 <= reg.entropy < Criteria().collapse_entropy
    assert_allclose(reg.attractor["final"].sum(), 1.0, rtol=1e-12)
    assert np.all(np.isfinite(reg.attractor["final"]))


def test_collapse_reports_nan_exponent_with_an_explanation():
    reg = _hedge_on_transitive_preferences()
    assert math.isnan(reg.lyapunov)
    assert "no attractor to take an exponent on" in reg.reason


def test_alpha_below_one_near_vertex_fixed_point_is_not_collapse():
    # theorem: for alpha < 1 the limit approaches the top vertex as
    # beta lam / (1 - alpha) grows, but it is still a fixed point
    P = bradley_terry([2.0, 1.0, 0.5, 0.0])
    reg = classify(MRSIPO(P, 0.5, 60.0, 1.0), [0.25, 0.25, 0.25, 0.25])
    assert reg.entropy < Criteria().collapse_entropy
    assert reg.kind == "fixed_point"
    assert int(np.argmax(reg.attractor["point"])) == 0


# --- summarize -----------------------------------------------------------------


def test_summarize_separates_the_neimark_sacker_threshold():
    a, alpha = 0.2, 0.5
    b = ns_beta(a, alpha)
    m = MRSIPO(rps(a), alpha, b, 1.0)
    s = summarize(m, m.vary(beta=[0.5 * b, 0.8 * b, 1.3 * b, 2.0 * b]), START_RPS)
    names = s.kind_names()
    assert list(names[:2]) == ["fixed_point", "fixed_point"]
    assert set(names[2:]) <= {"periodic", "quasi_periodic"}


def test_summarize_agrees_with_classify_row_by_row():
    rs = [2.8, 3.2, 3.5, 3.83, 3.9, 4.0, 4.5]
    m = logistic(3.0)
    s = summarize(m, m.vary(r=rs), [0.1])
    for i, r in enumerate(rs):
        reg = classify(m.with_params(r=r), [0.1])
        assert kind_name(s.kind[i]) == reg.kind
        assert s.period[i] == (reg.period or 0)
        assert_allclose(s.lyapunov[i], reg.lyapunov, rtol=1e-12)


def test_summarize_is_invariant_under_chunking():
    a = 0.2
    m = MRSIPO(rps(a), 0.5, 5.0, 1.0)
    grid = m.vary(alpha=np.repeat([0.0, 0.5, 0.9, 1.0], 3),
                  beta=np.tile([2.0, 8.0, 20.0], 4))
    whole = summarize(m, grid, START_RPS, n_transient=300, n_keep=200)
    parts = [summarize(m, grid[i:i + 5], START_RPS, n_transient=300, n_keep=200)
             for i in range(0, len(grid), 5)]
    for name in ("kind", "period", "lyapunov", "entropy", "oscillation", "steps"):
        assert_array_equal(getattr(whole, name),
                           np.concatenate([getattr(p, name) for p in parts]))


def test_summarize_reports_nan_exponent_for_collapse_rows():
    P = bradley_terry([2.0, 1.0, 0.0])
    m = MRSIPO(P, 1.0, 2.0, 1.0)
    s = summarize(m, m.vary(alpha=[0.5, 1.0]), [0.2, 0.3, 0.5])
    assert list(s.kind_names()) == ["fixed_point", "collapse"]
    assert math.isfinite(s.lyapunov[0]) and math.isnan(s.lyapunov[1])
    assert np.all(np.isfinite(s.entropy))
    assert s.counts()["collapse"] == 1


def test_summarize_euclidean_rows_have_no_entropy():
    m = logistic(2.8)
    s = summarize(m, x0=[0.1])
    assert len(s) == 1
    assert math.isnan(s.entropy[0])


# --- codes, names, repr --------------------------------------------------------


def test_kind_codes_round_trip():
    for i, name in enumerate(KINDS):
        assert kind_code(name) == i
        assert kind_name(i) == name
    assert list(kind_names(np.arange(len(KINDS)))) == list(KINDS)


def test_regime_repr_shows_kind_period_and_reason():
    reg = classify(logistic(3.2), [0.1])
    text = repr(reg)
    assert isinstance(reg, Regime)
    assert text.startswith("Regime(kind='periodic', period=2")
    assert "smallest period 2" in text


# --- bad inputs ----------------------------------------------------------------


def test_negative_n_keep_is_rejected():
    with pytest.raises(InvalidParameter, match="n_keep must be >= 4, got n_keep = -5"):
        classify(logistic(3.2), [0.1], n_keep=-5)


def test_negative_n_transient_is_rejected():
    with pytest.raises(InvalidParameter, match="n_transient must be >= 0"):
        summarize(logistic(3.2), x0=[0.1], n_transient=-1)


def test_non_integer_n_keep_is_rejected():
    with pytest.raises(InvalidParameter, match="n_keep must be an integer"):
        classify(logistic(3.2), [0.1], n_keep=10.5)


def test_nan_parameter_row_is_rejected_with_its_name():
    m = logistic(3.2)
    with pytest.raises(InvalidParameter, match="row 1, r is nan"):
        summarize(m, [[3.2], [np.nan]], [0.1])


def test_parameter_matrix_of_wrong_width_is_rejected():
    m = logistic(3.2)
    with pytest.raises(InvalidParameter, match=r"params must have shape \(rows, 1\)"):
        summarize(m, np.ones((3, 2)), [0.1])


def test_mismatched_starts_and_rows_are_rejected():
    m = logistic(3.2)
    with pytest.raises(InvalidParameter, match="2 initial states do not match 3"):
        summarize(m, m.vary(r=[3.0, 3.2, 3.4]), [[0.1], [0.2]])


def test_start_of_wrong_length_is_rejected():
    with pytest.raises(InvalidParameter, match="must have length 2"):
        classify(henon(), [0.0, 0.0, 0.0])


def test_start_off_the_simplex_is_rejected():
    with pytest.raises(InvalidPolicy, match="must sum to 1"):
        classify(MRSIPO(rps(0.2), 0.5, 4.0, 1.0), [0.5, 0.5, 0.5])


def test_non_map_is_rejected():
    with pytest.raises(InvalidParameter, match="expected an UpdateMap"):
        classify(lambda x: x)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period_tol": -1e-6}, "period_tol must be finite and > 0"),
        ({"fixed_point_tol": float("nan")}, "fixed_point_tol must be finite"),
        ({"max_period": 1}, "max_period must be an integer >= 2"),
        ({"max_period": "64"}, "max_period must be an integer >= 2"),
        ({"quasi_periodic_lyapunov": 0.1}, "must not exceed chaos_lyapunov"),
    ],
)
def test_bad_criteria_are_rejected(kwargs, message):
    with pytest.raises(InvalidParameter, match=message):
        Criteria(**kwargs)


def test_criteria_of_wrong_type_are_rejected():
    with pytest.raises(InvalidParameter, match="criteria must be a Criteria"):
        classify(logistic(3.2), [0.1], criteria={"period_tol": 1e-3})


def test_unknown_kind_name_is_rejected():
    with pytest.raises(InvalidParameter, match="unknown regime 'spiral'"):
        kind_code("spiral")


def test_invalid_kind_code_is_rejected():
    with pytest.raises(InvalidParameter, match=r"regime codes are integers in \[0, 5\]"):
        kind_name(6)
    with pytest.raises(InvalidParameter, match="regime codes are integers"):
        kind_name(1.5)
