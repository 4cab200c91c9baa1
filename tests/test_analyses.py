"""Tests of the paper-reproduction scripts in ``analyses/``.

Each script runs once in quick mode (module-scoped fixture) into a temporary
folder; the tests then check that every theoretical claim it tests held and
that it wrote its figures and summaries. The claims themselves are checked
inside the scripts against closed forms and invariants written out there
(thresholds, multipliers, contraction, an independent fixed-point solver, a
numpy two-orbit exponent). The small helpers of the scripts are tested here
against values known by hand.
"""

import csv
import json
import math
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

ANALYSES = Path(__file__).resolve().parents[1] / "analyses"
sys.path.insert(0, str(ANALYSES))

import chaos_k4  # noqa: E402
import dpo_dynamics  # noqa: E402
import entropy_collapse  # noqa: E402
import global_stability  # noqa: E402
import oscillation_rps  # noqa: E402
import real_data  # noqa: E402
import run_all  # noqa: E402

SCRIPTS = {
    "oscillation_rps": (oscillation_rps, ("regime_map.png", "multipliers.png",
                                          "time_series.png", "regime_map.csv")),
    "global_stability": (global_stability, ("fixed_points_vs_bound.png",
                                            "final_spread.png",
                                            "fixed_point_fraction.csv")),
    "entropy_collapse": (entropy_collapse, ("entropy_vs_ratio.png",
                                            "alpha1_collapse.png",
                                            "entropy_vs_ratio.csv")),
    "dpo_dynamics": (dpo_dynamics, ("dpo_bifurcation.png", "dpo_entropy_vs_ratio.png",
                                    "dpo_alpha1_entropy.png", "ns_thresholds.csv")),
    "chaos_k4": (chaos_k4, ("bifurcation_beta.png", "attractor.png",
                            "lyapunov.csv")),
    "real_data": (real_data, ("real_data_grid.png", "cyclic_runs.csv",
                              "sst_runs.csv", "cyclic_oscillation.csv",
                              "sst_entropy.csv", "tables.txt")),
}


@pytest.fixture(scope="module", params=sorted(SCRIPTS))
def quick_run(request, tmp_path_factory):
    name = request.param
    module, files = SCRIPTS[name]
    out = tmp_path_factory.mktemp(name)
    results = module.main(out, quick=True, seed=0)
    return name, out, results, files


def test_every_claim_holds_in_quick_mode(quick_run):
    name, _, results, _ = quick_run
    failed = [c for c, ok in results["checks"].items() if not ok]
    assert results["checks"], f"{name} made no checks"
    assert failed == [], f"{name}: claims not held: {failed}"


def test_script_writes_figures_and_summaries(quick_run):
    name, out, results, files = quick_run
    for f in ("summary.json", "checks.csv", *files):
        assert (out / f).is_file(), f"{name} did not write {f}"
        assert (out / f).stat().st_size > 0, f"{name} wrote an empty {f}"


def test_checks_csv_lists_every_check(quick_run):
    _, out, results, _ = quick_run
    with open(out / "checks.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["check"] for r in rows] == list(results["checks"])
    saved = json.loads((out / "summary.json").read_text())
    assert set(saved["checks"]) == set(results["checks"])


# --- helpers against values known by hand ---------------------------------------


def test_rps_threshold_closed_form_at_alpha_half():
    # sqrt(3 (1 - 1/4)) / 0.2 = 1.5 / 0.2
    assert_allclose(oscillation_rps.critical_beta_lam(0.2, 0.5), 7.5, rtol=1e-14)


def test_rps_multipliers_have_modulus_one_on_the_threshold():
    beta = oscillation_rps.critical_beta_lam(0.2, 0.6)
    mu = oscillation_rps.rps_multipliers_closed_form(0.2, 0.6, beta, 1.0)
    assert_allclose(np.abs(mu), [1.0, 1.0], rtol=1e-14)


def test_dpo_threshold_is_four_over_the_ipo_threshold():
    for alpha in (0.0, 0.3, 0.9):
        ipo = oscillation_rps.critical_beta_lam(0.2, alpha)
        assert_allclose(dpo_dynamics.dpo_critical_beta(0.2, alpha) * ipo, 4.0,
                        rtol=1e-14)


def test_shannon_entropy_of_uniform_and_vertex():
    H = entropy_collapse.shannon_entropy(np.array([[0.25] * 4, [1.0, 0, 0, 0]]))
    assert_allclose(H, [math.log(4.0), 0.0], atol=1e-15)


def test_top_response_is_the_condorcet_winner():
    P = np.array([[0.5, 0.4, 0.3], [0.6, 0.5, 0.7], [0.7, 0.3, 0.5]])
    assert entropy_collapse.top_response(P) == 1


def test_top_response_rejects_a_cycle():
    a = 0.2
    P = np.array([[0.5, 0.5 + a, 0.5 - a], [0.5 - a, 0.5, 0.5 + a],
                  [0.5 + a, 0.5 - a, 0.5]])
    with pytest.raises(ValueError, match="no Condorcet winner"):
        entropy_collapse.top_response(P)


def test_independent_solver_gives_uniform_fixed_point_for_ties():
    # with P = 1/2 everywhere the fixed point of pi = softmax(r P pi) is uniform
    u = entropy_collapse.solve_fixed_point(np.full((3, 3), 0.5), 5.0, np.ones(2))
    assert_allclose(u, [0.0, 0.0], atol=1e-12)


def test_numpy_step_at_alpha_zero_is_the_ipo_optimum_logits():
    # alpha = 0, uniform reference: logits beta P mu (centred)
    P = np.array([[0.5, 0.8], [0.2, 0.5]])
    z = chaos_k4.numpy_step(np.zeros(2), P, 0.0, 2.0, 1.0)
    assert_allclose(z, [0.3, -0.3], atol=1e-15)


def test_separation_exponent_of_a_contraction_is_log_alpha():
    # with all ties the map is z -> alpha z (centred): every exponent is log alpha
    lam1 = chaos_k4.separation_exponent(np.full((4, 4), 0.5), 0.5, 3.0, 1.0,
                                        np.array([0.1, -0.2, 0.3, 0.0]), 10, 50)
    assert_allclose(lam1, math.log(0.5), atol=1e-6)


# --- the real-data fallback and the runner ----------------------------------------


def test_real_data_falls_back_to_shipped_votes_and_says_so(tmp_path):
    res = real_data.main(tmp_path / "out", quick=True, seed=0,
                         data_dir=tmp_path / "no_such_folder")
    assert "FALLBACK" in res["data"]
    assert res["n_cyclic"] > 0 and res["n_strictly_sst"] > 0


def test_run_all_reports_a_failed_claim(tmp_path, monkeypatch):
    fake = types.ModuleType("fake_claim")
    fake.main = lambda out, quick=False, seed=0: {"checks": {"made up": False}}
    monkeypatch.setitem(sys.modules, "fake_claim", fake)
    monkeypatch.setattr(run_all, "SCRIPTS", (("fake_claim", "a failing claim"),))
    results = run_all.run_all(tmp_path, quick=True)
    assert results["fake_claim"]["checks"] == {"made up": False}
    summary = (tmp_path / "summary.md").read_text()
    assert "NOT HELD" in summary and "made up" in summary


def test_script_command_line_rejects_a_non_integer_seed(capsys):
    with pytest.raises(SystemExit):
        run_all.parse_args("x", ["--seed", "abc"])
    assert "invalid int value" in capsys.readouterr().err
