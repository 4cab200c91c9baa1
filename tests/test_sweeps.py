"""Bifurcation diagrams and regime maps (local backend) against known answers."""

import logging
import os
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import dynsys_align.analysis.regimes as regimes_module
import dynsys_align.sweeps.bifurcation as bifurcation_module
from dynsys_align.exceptions import (
    DataFormatError,
    InvalidParameter,
    InvalidPreferenceMatrix,
)
from dynsys_align.maps import MRSIPO, UpdateMap
from dynsys_align.maps.classic import Logistic
from dynsys_align.sweeps import RegimeMap, bifurcation_diagram, regime_map
from dynsys_align.sweeps.backends import run_chunks
from dynsys_align.sweeps.regime_map import _regime_chunk
from dynsys_align.theory import rps_matrix, rps_neimark_sacker

START = [0.5, 0.3, 0.2]  # off the uniform point, which the cycle leaves fixed


def _distinct(row, tol=1e-8):
    row = np.sort(row)
    return row[np.concatenate([[True], np.diff(row) > tol])]


def _cycle_map(a=0.25, alpha=0.5):
    return MRSIPO(rps_matrix(a), alpha=alpha, beta=1.0, lam=1.0)


# --- bifurcation diagrams: the logistic map ----------------------------------------


def test_logistic_diagram_sits_on_fixed_point_below_first_doubling():
    d = bifurcation_diagram(Logistic(3.0), "r", [2.8], n_transient=2000, n_keep=50,
                            progress=False)
    assert_allclose(d.points[0], 1.0 - 1.0 / 2.8, atol=1e-12)


def test_logistic_diagram_shows_two_cycle_after_first_doubling():
    r = 3.2
    d = bifurcation_diagram(Logistic(3.0), "r", [r], n_transient=2000, n_keep=50,
                            progress=False)
    pts = _distinct(d.points[0])
    # the 2-cycle solves r^2 x^2 - r (r + 1) x + (r + 1) = 0
    disc = np.sqrt((r + 1.0) * (r - 3.0))
    expected = np.sort([(r + 1.0 - disc) / (2 * r), (r + 1.0 + disc) / (2 * r)])
    assert pts.size == 2
    assert_allclose(pts, expected, atol=1e-10)


def test_logistic_diagram_shows_four_cycle_after_second_doubling():
    # second doubling at 1 + sqrt(6) = 3.449..., third near 3.544
    d = bifurcation_diagram(Logistic(3.0), "r", [3.5], n_transient=3000, n_keep=64,
                            progress=False)
    assert _distinct(d.points[0]).size == 4


def test_logistic_exponent_is_log_of_multiplier_on_fixed_point_branch():
    r = np.array([2.5, 2.8])
    d = bifurcation_diagram(Logistic(3.0), "r", r, n_transient=500, n_keep=10,
                            lyapunov=True, n_lyapunov=2000, progress=False)
    assert_allclose(d.lyapunov, np.log(np.abs(2.0 - r)), atol=1e-9)
    assert_array_equal(d.status, ["ok", "ok"])


def test_logistic_exponent_is_log_two_at_full_chaos():
    d = bifurcation_diagram(Logistic(3.0), "r", [4.0], x0=[0.1234], n_transient=100,
                            n_keep=10, lyapunov=True, n_lyapunov=100_000,
                            progress=False)
    assert_allclose(d.lyapunov[0], np.log(2.0), atol=1e-2)


def test_logistic_diagram_points_stay_in_unit_interval():
    d = bifurcation_diagram(Logistic(3.0), "r", np.linspace(2.5, 4.0, 40),
                            n_transient=200, n_keep=100, progress=False)
    assert np.all((d.points >= 0.0) & (d.points <= 1.0))


def test_diagram_points_are_identical_for_every_chunking():
    # rows are independent, so chunking must not change a single bit
    r = np.linspace(2.9, 4.0, 23)
    kw = dict(n_transient=300, n_keep=30, lyapunov=True, n_lyapunov=300,
              progress=False)
    one = bifurcation_diagram(Logistic(3.0), "r", r, chunk_size=64, **kw)
    many = bifurcation_diagram(Logistic(3.0), "r", r, chunk_size=4, **kw)
    assert_array_equal(one.points, many.points)
    assert_array_equal(one.lyapunov, many.lyapunov)


def test_diagram_to_xarray_labels_values_and_iterates():
    d = bifurcation_diagram(Logistic(3.0), "r", [2.8, 3.2], n_transient=100,
                            n_keep=5, progress=False)
    ds = d.to_xarray()
    assert ds["points"].dims == ("r", "iterate")
    assert_array_equal(ds["r"].values, [2.8, 3.2])
    assert_array_equal(ds["iterate"].values, np.arange(100, 105))


# --- bifurcation diagrams: MRS-IPO on the K = 3 cycle ---------------------------------


def test_cycle_diagram_default_observable_is_first_policy_coordinate_at_uniform():
    crit = rps_neimark_sacker(0.25, 0.5)
    d = bifurcation_diagram(_cycle_map(), "beta", [0.5 * crit], x0=START,
                            n_transient=2000, n_keep=20, progress=False)
    assert_allclose(d.points, 1.0 / 3.0, atol=1e-12)


def test_cycle_diagram_entropy_is_log_three_below_and_smaller_above_threshold():
    crit = rps_neimark_sacker(0.25, 0.5)
    d = bifurcation_diagram(_cycle_map(), "beta", [0.5 * crit, 1.5 * crit], x0=START,
                            n_transient=2000, n_keep=50, observable="entropy",
                            progress=False)
    assert_allclose(d.points[0], np.log(3.0), atol=1e-12)
    assert np.all(d.points[1] < np.log(3.0) - 1e-3)


def test_cycle_diagram_exponent_is_log_modulus_of_multipliers_below_threshold():
    # Multipliers alpha +- i omega: the exponent is log |alpha + i omega|. The tangent
    # vector rotates, so a finite-time estimate over n steps is off by at most
    # log(cond V) / n (V the eigenvector matrix): about 1e-4 here.
    a, alpha = 0.25, 0.5
    crit = rps_neimark_sacker(a, alpha)
    d = bifurcation_diagram(_cycle_map(a, alpha), "beta", [0.7 * crit], x0=START,
                            n_transient=3000, n_keep=10, lyapunov=True,
                            n_lyapunov=2000, progress=False)
    omega = a * 0.7 * crit / np.sqrt(3.0)
    assert_allclose(d.lyapunov[0], 0.5 * np.log(alpha**2 + omega**2), atol=5e-4)


def test_collapsing_orbit_reports_collapse_not_an_exponent():
    # alpha = 1 and a strictly transitive P: Theorem 3, the policy converges to
    # the top response; the exponent is undefined there and must not be a number
    s = np.array([1.0, 0.0, -1.0])
    P = 1.0 / (1.0 + np.exp(-(s[:, None] - s[None, :])))
    m = MRSIPO(P, alpha=1.0, beta=5.0, lam=1.0)
    d = bifurcation_diagram(m, "beta", [5.0], n_transient=2000, n_keep=5,
                            lyapunov=True, n_lyapunov=5000, progress=False)
    assert d.status.tolist() == ["collapse"]
    assert np.isnan(d.lyapunov[0])
    assert_allclose(d.points[0], 1.0, atol=1e-12)


def test_diverging_orbit_gives_nan_points_status_and_a_warning(caplog):
    # for r > 4 the logistic orbit from 0.3 leaves [0, 1] and runs to -inf
    with caplog.at_level(logging.WARNING, logger="dynsys_align.sweeps.bifurcation"):
        d = bifurcation_diagram(Logistic(3.0), "r", [2.8, 4.5], n_transient=100,
                                n_keep=5, progress=False)
    assert d.status.tolist() == ["ok", "divergent"]
    assert np.all(np.isnan(d.points[1])) and np.all(np.isfinite(d.points[0]))
    assert "1 of 2 orbits diverged" in caplog.text


def test_callable_observable_receives_policies():
    crit = rps_neimark_sacker(0.25, 0.5)
    d = bifurcation_diagram(_cycle_map(), "beta", [0.5 * crit], x0=START,
                            n_transient=1000, n_keep=5,
                            observable=lambda pi: pi.sum(axis=-1), progress=False)
    assert_allclose(d.points, 1.0, atol=1e-14)


# --- checkpoints and resume --------------------------------------------------------


def _counting(monkeypatch, module, name, fail_after=None):
    """Wrap module.name to count calls and optionally fail after some of them."""
    original = getattr(module, name)
    calls = []

    def wrapper(*args, **kwargs):
        if fail_after is not None and len(calls) >= fail_after:
            raise KeyboardInterrupt("simulated kill")
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_killed_diagram_resumes_computing_only_missing_chunks(tmp_path, monkeypatch,
                                                               caplog):
    r = np.linspace(2.8, 4.0, 10)
    kw = dict(n_transient=200, n_keep=20, chunk_size=2, progress=False)
    reference = bifurcation_diagram(Logistic(3.0), "r", r, **kw)

    with monkeypatch.context() as mp:
        _counting(mp, bifurcation_module, "_diagram_kernel", fail_after=3)
        with pytest.raises(KeyboardInterrupt):
            bifurcation_diagram(Logistic(3.0), "r", r, checkpoint_dir=tmp_path, **kw)
    assert len(list(tmp_path.glob("chunk-*.npz"))) == 3

    calls = _counting(monkeypatch, bifurcation_module, "_diagram_kernel")
    with caplog.at_level(logging.INFO, logger="dynsys_align.sweeps.backends"):
        resumed = bifurcation_diagram(Logistic(3.0), "r", r, checkpoint_dir=tmp_path,
                                      **kw)
    assert len(calls) == 2
    assert "3 loaded from checkpoints, computing 2" in caplog.text
    assert_array_equal(resumed.points, reference.points)


def test_regime_map_resumes_from_partial_checkpoint(tmp_path, monkeypatch):
    m = _cycle_map()
    grid = {"beta": np.linspace(2.0, 10.0, 6)}
    kw = dict(x0=START, n_transient=300, n_keep=100, chunk_size=2, progress=False)
    reference = regime_map(m, grid, **kw)

    # fill two of the three chunks through the internal runner, as a killed run would
    params = m.vary(beta=grid["beta"])
    options = {"x0": np.asarray(START, dtype=float), "n_transient": 300, "n_keep": 100,
               "criteria": regimes_module.Criteria()}
    run_chunks(_regime_chunk, m, params, options, chunk_size=2, progress=False,
               checkpoint_dir=tmp_path, indices=[0, 2])

    calls = _counting(monkeypatch, regimes_module, "summarize")
    resumed = regime_map(m, grid, checkpoint_dir=tmp_path, **kw)
    assert len(calls) == 1
    for name in ("kind", "period", "lyapunov", "entropy", "oscillation"):
        assert_array_equal(getattr(resumed, name), getattr(reference, name))


def test_changed_sweep_never_reuses_stale_chunks(tmp_path, monkeypatch):
    r = np.linspace(2.8, 3.2, 4)
    kw = dict(n_transient=100, chunk_size=2, progress=False, checkpoint_dir=tmp_path)
    bifurcation_diagram(Logistic(3.0), "r", r, n_keep=5, **kw)
    calls = _counting(monkeypatch, bifurcation_module, "_diagram_kernel")
    changed = bifurcation_diagram(Logistic(3.0), "r", r, n_keep=6, **kw)
    assert len(calls) == 2
    assert changed.points.shape == (4, 6)
    assert len(list(tmp_path.glob("chunk-*.npz"))) == 4


def test_checkpoint_files_are_named_by_index_and_leave_no_temporaries(tmp_path):
    bifurcation_diagram(Logistic(3.0), "r", np.linspace(2.8, 3.2, 5), n_transient=10,
                        n_keep=3, chunk_size=2, checkpoint_dir=tmp_path,
                        progress=False)
    names = sorted(p.name for p in Path(tmp_path).iterdir())
    assert [n[:12] for n in names] == ["chunk-000000", "chunk-000001", "chunk-000002"]
    assert len({n[13:] for n in names}) == 1  # one sweep digest
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".tmp")]


def test_unreadable_checkpoint_is_recomputed_with_a_warning(tmp_path, caplog):
    r = np.linspace(2.8, 3.2, 4)
    kw = dict(n_transient=2000, n_keep=4, chunk_size=2, progress=False,
              checkpoint_dir=tmp_path)
    bifurcation_diagram(Logistic(3.0), "r", r, **kw)
    first = sorted(tmp_path.glob("chunk-*.npz"))[0]
    first.write_bytes(b"not a zip archive")
    with caplog.at_level(logging.INFO, logger="dynsys_align.sweeps.backends"):
        d = bifurcation_diagram(Logistic(3.0), "r", r, **kw)
    assert "ignoring unreadable checkpoint" in caplog.text
    assert "1 loaded from checkpoints, computing 1" in caplog.text
    assert_allclose(d.points[0], 1.0 - 1.0 / 2.8, atol=1e-12)


# --- regime maps ----------------------------------------------------------------


@pytest.fixture(scope="module")
def cycle_regimes():
    """K = 3 cycle over alpha x beta (lam = 1) around the Neimark-Sacker curve."""
    m = _cycle_map(a=0.25)
    grid = {"alpha": np.array([0.0, 0.3, 0.6, 0.8]),
            "beta": np.linspace(1.0, 14.0, 14)}
    return regime_map(m, grid, x0=START, n_transient=3000, n_keep=1000,
                      progress=False)


def test_cycle_regime_map_agrees_with_neimark_sacker_outside_ten_percent_band(
        cycle_regimes):
    # Theorem 1: the uniform point is stable iff beta lam < sqrt(3 (1 - alpha^2)) / a.
    # Cells within 10% of the critical value are excluded (slow transients there).
    rm = cycle_regimes
    alpha = rm.coords["alpha"][:, None]
    beta = rm.coords["beta"][None, :]
    crit = rps_neimark_sacker(0.25, alpha)
    names = rm.kind_names()
    below = beta < 0.9 * crit
    above = beta > 1.1 * crit
    assert below.sum() > 10 and above.sum() > 10
    assert np.all(names[below] == "fixed_point")
    assert np.all(np.isin(names[above], ["periodic", "quasi_periodic"]))


def test_cycle_regime_map_entropy_is_log_three_on_stable_side(cycle_regimes):
    rm = cycle_regimes
    crit = rps_neimark_sacker(0.25, rm.coords["alpha"][:, None])
    below = rm.coords["beta"][None, :] < 0.9 * crit
    assert_allclose(rm.entropy[below], np.log(3.0), atol=1e-9)
    assert np.all(rm.oscillation[~below & (rm.kind != 0)] > 0.0)


def test_regime_map_over_matrices_follows_each_matrix_threshold():
    strengths = [0.1, 0.4]
    m = _cycle_map(a=0.25, alpha=0.5)
    beta = np.array([3.0, 6.0, 12.0, 24.0])
    rm = regime_map(m, {"beta": beta}, matrices=[rps_matrix(a) for a in strengths],
                    x0=START, n_transient=3000, n_keep=500, progress=False)
    assert rm.dims == ("beta", "matrix")
    names = rm.kind_names()
    for j, a in enumerate(strengths):
        crit = rps_neimark_sacker(a, 0.5)
        stable = names[beta < 0.9 * crit, j]
        unstable = names[beta > 1.1 * crit, j]
        assert np.all(stable == "fixed_point")
        assert np.all(np.isin(unstable, ["periodic", "quasi_periodic"]))


def test_regime_map_accepts_maps_as_matrices():
    # alpha = 0.5: thresholds 15.0 for a = 0.1 and 3.75 for a = 0.4
    maps = [MRSIPO(rps_matrix(a), alpha=0.5, beta=1.0, lam=1.0) for a in (0.1, 0.4)]
    rm = regime_map(maps[0], {"beta": [8.0]}, matrices=maps, x0=START,
                    n_transient=2000, n_keep=500, progress=False)
    names = rm.kind_names()[0]
    assert names[0] == "fixed_point"
    assert names[1] in ("periodic", "quasi_periodic")


def test_three_parameter_grid_assigns_each_axis_its_parameter():
    # stability depends on beta * lam against sqrt(3 (1 - alpha^2)) / a: a wrong
    # assignment of values to axes would move cells across the threshold
    a = 0.25
    grid = {"alpha": np.array([0.0, 0.9]), "beta": np.array([4.0, 12.0]),
            "lam": np.array([0.2, 1.0])}
    rm = regime_map(_cycle_map(a=a), grid, x0=START, n_transient=3000, n_keep=500,
                    progress=False)
    assert rm.dims == ("alpha", "beta", "lam") and rm.shape == (2, 2, 2)
    al, be, la = np.meshgrid(grid["alpha"], grid["beta"], grid["lam"], indexing="ij")
    stable = be * la < 0.9 * rps_neimark_sacker(a, al)
    unstable = be * la > 1.1 * rps_neimark_sacker(a, al)
    assert stable.sum() == 5 and unstable.sum() == 3
    names = rm.kind_names()
    assert np.all(names[stable] == "fixed_point")
    assert np.all(np.isin(names[unstable], ["periodic", "quasi_periodic"]))


def test_logistic_regime_map_follows_the_period_doubling_route():
    # fixed point below r = 3, 2-cycle up to 1 + sqrt(6), 4-cycle up to ~3.544,
    # and chaos at r = 3.9 with a positive exponent
    rm = regime_map(Logistic(3.0), {"r": [2.8, 3.2, 3.5, 3.9]}, n_transient=3000,
                    n_keep=1000, progress=False)
    assert rm.kind_names().tolist() == ["fixed_point", "periodic", "periodic",
                                        "chaotic"]
    assert rm.period.tolist()[:3] == [1, 2, 4]
    assert rm.lyapunov[3] > 0.0
    assert np.all(np.isnan(rm.entropy))  # a Euclidean map has no policy


def test_regime_map_to_xarray_stores_codes_with_flag_meanings(cycle_regimes):
    ds = cycle_regimes.to_xarray()
    assert ds["kind"].dims == ("alpha", "beta")
    assert ds["kind"].attrs["flag_meanings"].split() == list(RegimeMap.KINDS)
    assert_array_equal(ds["kind"].attrs["flag_values"], np.arange(6))


def test_regime_map_to_pandas_has_one_row_per_cell(cycle_regimes):
    df = cycle_regimes.to_pandas()
    assert len(df) == cycle_regimes.kind.size
    row = df[(df["alpha"] == 0.6) & (df["beta"] == 1.0)].iloc[0]
    assert row["kind_name"] == "fixed_point"
    assert row["kind"] == 0


def test_regime_map_survives_netcdf_round_trip(cycle_regimes, tmp_path):
    path = tmp_path / "regimes.nc"
    cycle_regimes.save(path)
    back = RegimeMap.load(path)
    assert back.dims == cycle_regimes.dims
    for name in ("kind", "period", "lyapunov", "entropy", "oscillation"):
        assert_array_equal(getattr(back, name), getattr(cycle_regimes, name))
    assert_array_equal(back.coords["beta"], cycle_regimes.coords["beta"])


def test_loading_a_dataset_without_regime_variables_is_rejected(cycle_regimes):
    ds = cycle_regimes.to_xarray().drop_vars("period")
    with pytest.raises(DataFormatError, match="lacks variable\\(s\\) period"):
        RegimeMap.from_xarray(ds)


def test_loading_a_dataset_with_other_regime_names_is_rejected(cycle_regimes):
    ds = cycle_regimes.to_xarray()
    ds["kind"].attrs["flag_meanings"] = "stable unstable"
    with pytest.raises(DataFormatError, match="names kinds \\['stable', 'unstable'\\]"):
        RegimeMap.from_xarray(ds)


def test_kind_name_maps_codes_to_names():
    assert RegimeMap.kind_name(3) == "chaotic"
    assert RegimeMap.kind_name([5, 0]).tolist() == ["divergent", "fixed_point"]


def test_kind_name_rejects_unknown_codes():
    with pytest.raises(InvalidParameter, match=r"regime codes must lie in \[0, 6\)"):
        RegimeMap.kind_name([0, 6])


def _doubling(x, p, out):
    out[0] = p[0] * x[0]


def _halving(x, p, out):
    out[0] = x[0] / p[0]


def test_maps_from_different_kernels_never_share_checkpoints(tmp_path, monkeypatch):
    # two maps built by from_kernels share the class name "CustomMap"
    kw = dict(x0=[1.0], n_transient=0, n_keep=3, progress=False,
              checkpoint_dir=tmp_path)
    up = UpdateMap.from_kernels(_doubling, dim=1, params=[2.0], param_names=["c"])
    down = UpdateMap.from_kernels(_halving, dim=1, params=[2.0], param_names=["c"])
    assert_allclose(bifurcation_diagram(up, "c", [2.0], **kw).points, [[1, 2, 4]])
    assert_allclose(bifurcation_diagram(down, "c", [2.0], **kw).points,
                    [[1, 0.5, 0.25]])


# --- bad input -------------------------------------------------------------------


def test_unknown_parameter_name_is_rejected():
    with pytest.raises(InvalidParameter, match="has no parameter 'gamma'"):
        regime_map(_cycle_map(), {"gamma": [1.0]}, progress=False)


def test_unknown_diagram_parameter_is_rejected():
    with pytest.raises(InvalidParameter, match="has no parameter 's'"):
        bifurcation_diagram(Logistic(3.0), "s", [1.0], progress=False)


def test_empty_grid_is_rejected():
    with pytest.raises(InvalidParameter, match="grid is empty"):
        regime_map(_cycle_map(), {}, progress=False)


def test_more_than_three_grid_parameters_are_rejected():
    m = MRSIPO(rps_matrix(0.2), alpha=0.5, beta=1.0, lam=1.0)
    with pytest.raises(InvalidParameter, match="at most 3 parameters, got 4"):
        regime_map(m, {"alpha": [0.5], "beta": [1.0], "lam": [1.0], "x": [1.0]},
                   progress=False)


def test_grid_value_outside_parameter_range_is_rejected():
    with pytest.raises(InvalidParameter, match=r"alpha must lie in \[0, 1\], got "
                                               r"alpha = 1.5"):
        regime_map(_cycle_map(), {"alpha": [0.5, 1.5]}, progress=False)


def test_diagram_value_outside_parameter_range_is_rejected():
    with pytest.raises(InvalidParameter, match=r"beta must be > 0, got beta = -2.0"):
        bifurcation_diagram(_cycle_map(), "beta", [1.0, -2.0], progress=False)


def test_empty_values_are_rejected():
    with pytest.raises(InvalidParameter, match="non-empty 1-D array"):
        bifurcation_diagram(Logistic(3.0), "r", [], progress=False)


def test_empty_grid_values_are_rejected():
    with pytest.raises(InvalidParameter, match="grid values of 'beta' must be a "
                                               "non-empty 1-D array"):
        regime_map(_cycle_map(), {"beta": []}, progress=False)


def test_non_finite_values_are_rejected():
    with pytest.raises(InvalidParameter, match="values must be finite"):
        bifurcation_diagram(Logistic(3.0), "r", [3.0, np.nan], progress=False)


def test_unknown_backend_is_rejected():
    with pytest.raises(InvalidParameter, match="backend must be one of 'local', "
                                               "'dask', got backend = 'mpi'"):
        regime_map(_cycle_map(), {"beta": [1.0]}, backend="mpi", progress=False)


def test_non_positive_chunk_size_is_rejected():
    with pytest.raises(InvalidParameter, match="chunk_size must be a positive "
                                               "integer, got chunk_size = 0"):
        bifurcation_diagram(Logistic(3.0), "r", [3.0], chunk_size=0, progress=False)


def test_observable_index_out_of_range_is_rejected():
    with pytest.raises(InvalidParameter, match=r"observable index must lie in "
                                               r"\[0, 3\)"):
        bifurcation_diagram(_cycle_map(), "beta", [1.0], observable=3, progress=False)


def test_entropy_observable_on_euclidean_map_is_rejected():
    with pytest.raises(InvalidParameter, match="'entropy' needs a simplex map"):
        bifurcation_diagram(Logistic(3.0), "r", [3.0], observable="entropy",
                            progress=False)


def test_observable_with_wrong_output_shape_is_rejected():
    with pytest.raises(InvalidParameter, match="observable must map states"):
        bifurcation_diagram(Logistic(3.0), "r", [3.0], n_keep=3,
                            observable=lambda x: x.sum(), progress=False)


def test_negative_n_keep_is_rejected():
    with pytest.raises(InvalidParameter, match="n_keep must be >= 1, got n_keep = -5"):
        bifurcation_diagram(Logistic(3.0), "r", [3.0], n_keep=-5, progress=False)


def test_matrices_of_another_size_are_rejected():
    with pytest.raises(InvalidParameter, match="every matrix must give a MRSIPO of "
                                               "dimension 3"):
        regime_map(_cycle_map(), {"beta": [1.0]},
                   matrices=[rps_matrix(0.2), np.full((4, 4), 0.5)], progress=False)


def test_invalid_preference_matrix_in_batch_is_rejected():
    with pytest.raises(InvalidPreferenceMatrix, match="P_ij \\+ P_ji = 1"):
        regime_map(_cycle_map(), {"beta": [1.0]},
                   matrices=[np.array([[0.5, 0.9], [0.9, 0.5]])], progress=False)


def test_criteria_of_wrong_type_are_rejected():
    with pytest.raises(InvalidParameter, match="criteria must be a Criteria instance"):
        regime_map(_cycle_map(), {"beta": [1.0]}, criteria={"max_period": 8},
                   progress=False)


def test_regime_map_rejects_start_off_the_simplex():
    with pytest.raises(ValueError, match="must sum to 1"):
        regime_map(_cycle_map(), {"beta": [1.0]}, x0=[0.5, 0.5, 0.5], progress=False)
