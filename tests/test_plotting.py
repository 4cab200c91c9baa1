"""Figures drawn on small inputs with the Agg backend; the artists carry the data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

from dynsys_align.exceptions import InvalidParameter, InvalidPolicy  # noqa: E402
from dynsys_align.plotting import (  # noqa: E402
    REGIME_COLORS,
    REGIME_KINDS,
    barycentric,
    neimark_sacker_overlay,
    plot_bifurcation,
    plot_multipliers,
    plot_regime_map,
    plot_ternary,
    plot_time_series,
)

SQRT3 = np.sqrt(3.0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _logistic_diagram():
    # Stable branch of the logistic map: the single point 1 - 1/r with exponent
    # ln|2 - r| (closed forms), plus one NaN row standing for a diverged orbit.
    r = np.linspace(1.5, 2.9, 8)
    points = np.repeat((1.0 - 1.0 / r)[:, None], 4, axis=1)
    points[3] = np.nan
    return {"values": r, "points": points, "lyapunov": np.log(np.abs(2.0 - r)),
            "param": "r"}


def _legend_patches(ax):
    return [h for h in ax.get_legend().legend_handles if isinstance(h, Patch)]


# --- bifurcation ----------------------------------------------------------------


def test_bifurcation_draws_every_finite_point_at_its_parameter():
    d = _logistic_diagram()
    fig = plot_bifurcation(d)
    dots = fig.axes[0].get_lines()[0]
    x, y = dots.get_xdata(), dots.get_ydata()
    finite = np.isfinite(y)
    assert finite.sum() == 7 * 4
    assert_allclose(y[finite], 1.0 - 1.0 / x[finite], rtol=1e-15)


def test_bifurcation_lyapunov_panel_shares_x_and_has_zero_line():
    d = _logistic_diagram()
    fig = plot_bifurcation(d)
    ax_pts, ax_lyap = fig.axes
    assert ax_lyap.get_shared_x_axes().joined(ax_pts, ax_lyap)
    lines = ax_lyap.get_lines()
    assert_allclose(lines[0].get_ydata(), np.log(np.abs(2.0 - d["values"])))
    zero = [ln for ln in lines[1:] if np.all(np.asarray(ln.get_ydata()) == 0.0)]
    assert len(zero) == 1
    assert ax_lyap.get_xlabel() == "$r$"


def test_bifurcation_without_lyapunov_has_one_panel():
    d = _logistic_diagram()
    d["lyapunov"] = None
    fig = plot_bifurcation(d)
    assert len(fig.axes) == 1
    assert fig.axes[0].get_xlabel() == "$r$"


def test_bifurcation_accepts_attribute_objects_and_symbol_labels():
    class Diagram:
        values = np.array([1.0, 2.0])
        points = np.array([[0.1, 0.2], [0.3, 0.4]])
        lyapunov = np.array([-0.1, 0.2])
        param = "beta"

    fig = plot_bifurcation(Diagram())
    assert fig.axes[1].get_xlabel() == r"$\beta$"


def test_bifurcation_labels_observable_with_its_symbol():
    d = _logistic_diagram()
    d["observable"] = "pi_2"
    fig = plot_bifurcation(d, lyapunov=False)
    assert fig.axes[0].get_ylabel() == r"$\pi_{2}$"


def test_bifurcation_lyapunov_panel_needs_two_axes():
    _, ax = plt.subplots()
    with pytest.raises(InvalidParameter, match="needs two Axes"):
        plot_bifurcation(_logistic_diagram(), ax=ax)


def test_bifurcation_rejects_mismatched_shapes():
    with pytest.raises(InvalidParameter, match="points of shape"):
        plot_bifurcation({"values": np.arange(3.0), "points": np.zeros((4, 2))})


# --- regime maps -----------------------------------------------------------------


def test_regime_legend_has_one_entry_per_kind_present():
    kinds = np.array([["fixed_point", "periodic", "periodic"],
                      ["fixed_point", "chaotic", "collapse"]])
    ax = plot_regime_map(kinds, x=[1.0, 2.0, 3.0], y=[0.0, 0.5])
    patches = _legend_patches(ax)
    assert [p.get_label() for p in patches] == [
        "fixed point", "periodic", "chaotic", "collapse"]


def test_regime_kind_keeps_its_colour_across_maps():
    a = plot_regime_map(np.array([["fixed_point", "chaotic"]]), x=[0, 1], y=[0])
    b = plot_regime_map(np.array([["chaotic", "periodic"], ["divergent", "chaotic"]]),
                        x=[0, 1], y=[0, 1])
    for ax in (a, b):
        for patch in _legend_patches(ax):
            kind = patch.get_label().replace(" ", "_").replace("-", "_")
            assert to_hex(patch.get_facecolor()) == REGIME_COLORS[kind].lower()


def test_regime_cells_are_painted_in_their_kind_colour():
    codes = np.array([[0, 1, 3], [4, 2, 5]])
    names = ("fixed_point", "periodic", "quasi_periodic", "chaotic", "collapse",
             "divergent")
    ax = plot_regime_map(codes, x=[0.1, 0.2, 0.3], y=[1.0, 2.0], kind_names=names)
    mesh = ax.collections[0]
    rgba = mesh.cmap(mesh.norm(np.asarray(mesh.get_array()).reshape(codes.shape)))
    for (i, j), code in np.ndenumerate(codes):
        assert to_hex(rgba[i, j]) == REGIME_COLORS[names[code]].lower()


def test_regime_kinds_follow_the_classifier_order():
    from dynsys_align.analysis.regimes import KINDS

    assert REGIME_KINDS == KINDS
    assert set(REGIME_COLORS) == set(KINDS)


def test_regime_colours_are_distinct():
    colours = [c.lower() for c in REGIME_COLORS.values()]
    assert len(set(colours)) == len(colours)


def test_regime_map_from_xarray_uses_dimension_names_and_stored_kind_names():
    xr = pytest.importorskip("xarray")
    kind = xr.DataArray(
        np.array([[0, 0, 1], [0, 2, 2]], dtype=np.int64),
        dims=("alpha", "beta"),
        coords={"alpha": [0.2, 0.5], "beta": [1.0, 5.0, 9.0]},
        attrs={"kinds": ["fixed_point", "periodic", "quasi_periodic"]},
    )
    ax = plot_regime_map(xr.Dataset({"kind": kind}))
    assert ax.get_xlabel() == r"$\beta$"
    assert ax.get_ylabel() == r"$\alpha$"
    assert [p.get_label() for p in _legend_patches(ax)] == [
        "fixed point", "periodic", "quasi-periodic"]


def test_regime_map_swaps_axes_by_dimension_name():
    xr = pytest.importorskip("xarray")
    kind = xr.DataArray(np.zeros((2, 3), dtype=np.int64), dims=("alpha", "beta"),
                        coords={"alpha": [0.2, 0.5], "beta": [1.0, 5.0, 9.0]})
    ax = plot_regime_map(kind, x="alpha", y="beta")
    assert ax.get_xlabel() == r"$\alpha$"
    assert ax.get_xlim()[0] < 0.2 < 0.5 < ax.get_xlim()[1]


def test_neimark_sacker_overlay_is_the_closed_form_curve():
    a = 0.2
    alpha = np.array([0.0, 0.3, 0.5, 0.9])
    ov = neimark_sacker_overlay(a, alpha)
    # alpha^2 + a^2 (beta lam)^2 / 3 = 1 on the curve (paper's instability condition)
    assert_allclose(alpha**2 + a**2 * np.asarray(ov["y"]) ** 2 / 3.0, 1.0, rtol=1e-12)
    assert_allclose(ov["x"], alpha)


def test_neimark_sacker_overlay_is_drawn_and_listed_in_legend():
    alpha = np.linspace(0.0, 0.9, 4)
    ov = neimark_sacker_overlay(0.2, alpha)
    kinds = np.array([["fixed_point"] * 4, ["periodic"] * 4])
    ax = plot_regime_map(kinds, x=alpha, y=[2.0, 12.0], overlays=[ov])
    (line,) = ax.get_lines()
    assert_allclose(line.get_ydata(), np.sqrt(3.0 * (1.0 - alpha**2)) / 0.2)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["fixed point", "periodic", "Neimark-Sacker (theory)"]


def test_neimark_sacker_overlay_rejects_bad_lam():
    with pytest.raises(InvalidParameter, match="lam must lie in"):
        neimark_sacker_overlay(0.2, [0.5], lam=0.0)


def test_regime_map_rejects_coordinates_of_wrong_length():
    with pytest.raises(InvalidParameter, match="need x of length 2"):
        plot_regime_map(np.array([["chaotic", "chaotic"]]), x=[0.0, 1.0, 2.0], y=[0])


def test_regime_map_rejects_out_of_range_codes():
    with pytest.raises(InvalidParameter, match="codes must lie in"):
        plot_regime_map(np.array([[0, 9]]), x=[0, 1], y=[0])


def test_regime_map_rejects_malformed_overlay():
    with pytest.raises(InvalidParameter, match="an overlay is"):
        plot_regime_map(np.array([["chaotic"]]), overlays=[(1, 2, 3, 4)])


# --- time series -----------------------------------------------------------------


def test_time_series_draws_each_coordinate_against_round():
    orbit = np.array([[0.5, 0.3, 0.2], [0.6, 0.3, 0.1], [0.8, 0.15, 0.05]])
    ax = plot_time_series(orbit, start=10)
    lines = ax.get_lines()
    assert len(lines) == 3
    for i, line in enumerate(lines):
        assert_allclose(line.get_xdata(), [10, 11, 12])
        assert_allclose(line.get_ydata(), orbit[:, i])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        r"$\pi_{0}$", r"$\pi_{1}$", r"$\pi_{2}$"]


def test_time_series_rejects_wrong_label_count():
    with pytest.raises(InvalidParameter, match="need 2 labels"):
        plot_time_series(np.ones((3, 2)) / 2, labels=["a"])


# --- ternary ---------------------------------------------------------------------


def test_barycentric_maps_vertices_and_centre_of_the_triangle():
    pts = barycentric(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]) /
                      np.array([[1], [1], [1], [3]]))
    assert_allclose(pts, [[0, 0], [1, 0], [0.5, SQRT3 / 2], [0.5, SQRT3 / 6]],
                    atol=1e-15)


def test_ternary_points_lie_inside_the_triangle():
    rng = np.random.default_rng(7)
    orbits = [rng.dirichlet([0.3, 0.3, 0.3], size=50) for _ in range(3)]
    ax = plot_ternary(orbits, labels=["a", "b", "c"])
    # the outline comes first; the orbits are the lines that carry a label
    drawn = [ln for ln in ax.get_lines() if ln.get_label() in ("a", "b", "c")]
    assert len(drawn) == 3
    tol = 1e-12
    for ln in drawn:
        x, y = np.asarray(ln.get_xdata()), np.asarray(ln.get_ydata())
        assert np.all(y >= -tol)
        assert np.all(y <= SQRT3 * x + tol)
        assert np.all(y <= SQRT3 * (1.0 - x) + tol)


def test_ternary_has_outline_vertex_labels_and_start_markers():
    orbit = np.array([[0.2, 0.3, 0.5], [0.3, 0.3, 0.4]])
    ax = plot_ternary([orbit, orbit[::-1]], vertex_labels=["R", "P", "S"])
    outline = ax.get_lines()[0]
    assert_allclose(outline.get_xdata(), [0, 1, 0.5, 0])
    assert_allclose(outline.get_ydata(), [0, 0, SQRT3 / 2, 0])
    assert [t.get_text() for t in ax.texts] == ["R", "P", "S"]
    starts = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert len(starts) == 2
    assert_allclose([starts[0].get_xdata()[0], starts[0].get_ydata()[0]],
                    barycentric(orbit[0]))


def test_ternary_rejects_orbits_that_are_not_k3():
    with pytest.raises(InvalidPolicy, match=r"shape \(T, 3\)"):
        plot_ternary(np.full((4, 4), 0.25))


def test_ternary_rejects_rows_off_the_simplex():
    with pytest.raises(InvalidPolicy, match="leaves the simplex"):
        plot_ternary(np.array([[0.5, 0.5, 0.5]]))


# --- multipliers -----------------------------------------------------------------


def test_multipliers_plot_draws_the_unit_circle_with_equal_aspect():
    ax = plot_multipliers([0.5 + 0.6j, 0.5 - 0.6j])
    circle = next(ln for ln in ax.get_lines() if ln.get_label() == "unit circle")
    x, y = np.asarray(circle.get_xdata()), np.asarray(circle.get_ydata())
    assert_allclose(np.hypot(x, y), 1.0, rtol=1e-14)
    assert_allclose([x.min(), x.max(), y.min(), y.max()], [-1, 1, -1, 1], atol=1e-12)
    assert ax.get_aspect() == 1.0


def test_multipliers_outside_the_circle_stay_in_view():
    mu = np.array([1.3 + 1.1j, 1.3 - 1.1j])
    ax = plot_multipliers([mu, np.array([0.2])], labels=["unstable", "stable"],
                          reference=mu)
    radius = np.abs(mu).max()
    assert ax.get_xlim()[1] > radius and ax.get_ylim()[1] > radius
    points = next(ln for ln in ax.get_lines() if ln.get_label() == "unstable")
    assert_allclose(points.get_xdata() + 1j * points.get_ydata(), mu)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["unit circle", "unstable", "stable", "theory"]


def test_multipliers_rejects_non_finite_values():
    with pytest.raises(InvalidParameter, match="not finite"):
        plot_multipliers([np.nan + 0j])
