"""The dynsys-align command line, checked against the closed-form thresholds.

Reference answers (THEORY.md and the paper "How Sampling Shapes LLM Alignment",
arXiv 2602.12180): for the K = 3 cycle with margin a and uniform reference and
sampler, the uniform policy is a fixed point with multipliers
alpha +- i a beta lam / sqrt(3); it is stable below the Neimark-Sacker threshold
beta lam = sqrt(3 (1 - alpha^2)) / a and orbits keep circulating above it; with
alpha = 1 and a strictly transitive P the policy collapses onto the top response.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

from dynsys_align.cli import main, parse_values  # noqa: E402
from dynsys_align.exceptions import InvalidParameter  # noqa: E402

A = 0.2  # margin of the built-in "cyclic3"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEMO_FIGURES = (
    "bifurcation_cyclic3.png",
    "bifurcation_cyclic4.png",
    "regime_map_cyclic3.png",
    "ternary_cyclic3.png",
    "collapse_transitive4.png",
    "multipliers_cyclic3.png",
)
FAST = ["--n-transient", "400", "--n-keep", "1000", "--no-progress"]


def rps(a):
    return np.array([[0.5, 0.5 + a, 0.5 - a],
                     [0.5 - a, 0.5, 0.5 + a],
                     [0.5 + a, 0.5 - a, 0.5]])


def ns_threshold(a, alpha):
    return np.sqrt(3.0 * (1.0 - alpha**2)) / a


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--quick", "--out", str(out), "--no-progress"]) == 0
    return out


def _report_cases(report: str):
    pattern = re.compile(
        r"^- (\w+) \(K = (\d)\), alpha = ([\d.]+), beta = ([\d.]+), "
        r"lam = ([\d.]+): (\w+)", re.M)
    return [(name, int(K), float(al), float(be), float(la), kind)
            for name, K, al, be, la, kind in pattern.findall(report)]


# --- demo ---------------------------------------------------------------------


def test_demo_writes_every_figure_as_png(demo_dir):
    for name in DEMO_FIGURES:
        data = (demo_dir / name).read_bytes()
        assert data[:8] == PNG_SIGNATURE, name


def test_demo_report_k3_cycle_follows_neimark_sacker_threshold(demo_dir):
    cases = [c for c in _report_cases((demo_dir / "report.txt").read_text())
             if c[0] == "cyclic3"]
    assert len(cases) >= 2
    seen_below = seen_above = False
    for _, K, alpha, beta, lam, kind in cases:
        assert K == 3
        crit = ns_threshold(A, alpha)
        if beta * lam < 0.9 * crit:
            seen_below = True
            assert kind == "fixed_point", (alpha, beta, kind)
        elif beta * lam > 1.1 * crit:
            seen_above = True
            assert kind in ("periodic", "quasi_periodic"), (alpha, beta, kind)
    assert seen_below and seen_above


def test_demo_report_alpha_one_transitive_collapses(demo_dir):
    cases = [c for c in _report_cases((demo_dir / "report.txt").read_text())
             if c[0] == "transitive4" and c[2] == 1.0]
    assert len(cases) == 1
    assert cases[0][5] == "collapse"


def test_demo_report_collapse_section_names_top_response(demo_dir):
    # transitive4 ranks 0 > 1 > 2 > 3, so the policy collapses onto response 0
    report = (demo_dir / "report.txt").read_text()
    match = re.search(r"top response (\d) has pi = ([\d.]+)", report)
    assert match is not None
    assert int(match.group(1)) == 0
    assert float(match.group(2)) > 0.999


def test_demo_report_multipliers_match_closed_form(demo_dir):
    report = (demo_dir / "report.txt").read_text()
    for beta in (5.0, 10.0):
        match = re.search(
            rf"beta\*lam = {beta:g}: [a-z ]+: ([-\d.e]+)([+-][\d.e]+)i", report)
        assert match is not None, beta
        re_mu, im_mu = float(match.group(1)), abs(float(match.group(2)))
        assert_allclose([re_mu, im_mu], [0.5, A * beta / np.sqrt(3.0)], rtol=1e-5)


def test_console_script_runs_the_demo(tmp_path):
    exe = Path(sys.executable).parent / "dynsys-align"
    exe = str(exe) if exe.exists() else shutil.which("dynsys-align")
    if exe is None:
        pytest.skip("the dynsys-align console script is not installed")
    proc = subprocess.run([exe, "demo", "--quick", "--no-progress", "--out",
                           str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "report.txt").is_file()
    assert "report:" in proc.stdout


# --- subcommands ----------------------------------------------------------------


def test_classify_below_threshold_is_fixed_point(capsys):
    # alpha = 0.5: threshold beta lam = 7.5
    assert main(["classify", "--alpha", "0.5", "--beta", "5", *FAST]) == 0
    assert "regime: fixed_point" in capsys.readouterr().out


def test_classify_above_threshold_oscillates(capsys):
    assert main(["classify", "--alpha", "0.5", "--beta", "10", *FAST]) == 0
    out = capsys.readouterr().out
    assert re.search(r"regime: (periodic|quasi_periodic)", out)


def test_classify_reads_npy_and_csv_matrix_files(tmp_path, capsys):
    # the cycle in the opposite direction has the same threshold
    np.save(tmp_path / "P.npy", rps(0.25).T)
    np.savetxt(tmp_path / "P.csv", rps(0.25).T, delimiter=",")
    # alpha = 0: threshold sqrt(3) / 0.25 = 6.93
    for f in ("P.npy", "P.csv"):
        assert main(["classify", "-P", str(tmp_path / f), "--alpha", "0",
                     "--beta", "4", *FAST]) == 0
        assert "regime: fixed_point" in capsys.readouterr().out


def test_classify_alpha_one_transitive_collapses(capsys):
    assert main(["classify", "-P", "transitive4", "--alpha", "1", "--beta", "5",
                 *FAST]) == 0
    assert "regime: collapse" in capsys.readouterr().out


def test_classify_writes_orbit_figure(tmp_path, capsys):
    assert main(["classify", "--beta", "5", "--out", str(tmp_path), *FAST]) == 0
    assert (tmp_path / "classify_orbit.png").read_bytes()[:8] == PNG_SIGNATURE


def test_fixed_points_reports_closed_form_multipliers(tmp_path, capsys):
    alpha, beta = 0.5, 5.0
    assert main(["fixed-points", "--alpha", str(alpha), "--beta", str(beta),
                 "--n-starts", "8", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 fixed point" in out
    pi = re.search(r"pi = \[([^\]]+)\]", out).group(1).split()
    assert_allclose(np.array(pi, dtype=float), 1.0 / 3.0, atol=1e-5)
    im = A * beta / np.sqrt(3.0)
    assert f"{alpha:.6g}+{im:.6g}i" in out
    assert f"{alpha:.6g}-{im:.6g}i" in out
    assert (tmp_path / "fixed_points.png").is_file()
    table = np.loadtxt(tmp_path / "fixed_points.csv", delimiter=",", skiprows=1,
                       ndmin=2)
    assert_allclose(table[0, 3:], np.hypot(alpha, im), rtol=1e-8)


def test_bifurcation_diagram_file_matches_threshold(tmp_path):
    xr = pytest.importorskip("xarray")
    alpha = 0.5
    assert main(["bifurcation", "--alpha", str(alpha), "--beta", "1:13:7",
                 "--out", str(tmp_path), *FAST]) == 0
    assert (tmp_path / "bifurcation_beta.png").read_bytes()[:8] == PNG_SIGNATURE
    with xr.open_dataset(tmp_path / "bifurcation_beta.nc") as ds:
        beta = ds["beta"].values
        points = ds["points"].values
    crit = ns_threshold(A, alpha)
    below = beta < 0.9 * crit
    above = beta > 1.1 * crit
    assert below.any() and above.any()
    # below: the orbit sits on the uniform point; above: pi_0 keeps moving
    assert_allclose(points[below], 1.0 / 3.0, atol=1e-6)
    assert np.all(np.ptp(points[above], axis=1) > 0.05)


def test_regimes_map_file_agrees_with_threshold(tmp_path, capsys):
    xr = pytest.importorskip("xarray")
    assert main(["regimes", "--alpha", "0:0.8:3", "--beta", "2:14:4",
                 "--out", str(tmp_path), *FAST]) == 0
    assert (tmp_path / "regimes.png").read_bytes()[:8] == PNG_SIGNATURE
    with xr.open_dataset(tmp_path / "regimes.nc") as ds:
        kind = ds["kind"].transpose("alpha", "beta")
        names = np.array(str(kind.attrs["flag_meanings"]).split())[kind.values]
        alpha = kind["alpha"].values[:, None]
        beta = kind["beta"].values[None, :]
    crit = ns_threshold(A, alpha)
    below = beta < 0.9 * crit
    above = beta > 1.1 * crit
    assert below.sum() >= 3 and above.sum() >= 3
    assert np.all(names[below] == "fixed_point")
    assert np.all(np.isin(names[above], ["periodic", "quasi_periodic"]))


def test_regimes_file_reads_back_as_regime_map(tmp_path, capsys):
    from dynsys_align.sweeps import RegimeMap

    assert main(["regimes", "--alpha", "0,0.5", "--beta", "2:14:3",
                 "--out", str(tmp_path), *FAST]) == 0
    rm = RegimeMap.load(tmp_path / "regimes.nc")
    assert rm.shape == (2, 3)
    assert_allclose(rm.coords["beta"], [2.0, 8.0, 14.0])


# --- bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["classify", "--alpha", "1.5"],
         "alpha must lie in [0, 1], got alpha = 1.5"),
        (["classify", "--beta", "-2"], "beta must be > 0, got beta = -2.0"),
        (["classify", "--lam", "nan"], "lam must be finite"),
        (["bifurcation", "--beta", "0.5:10:0"], "beta range needs num >= 1"),
        (["bifurcation", "--beta", "0.5:10"], "beta must be a number, start:stop:num"),
        (["regimes", "--alpha", "0:1.2:4", "--beta", "1:5:3"],
         "alpha must lie in [0, 1], got alpha = 1.2"),
        (["classify", "-P", "cyclic99"], "unknown preference matrix name 'cyclic99'"),
        (["classify", "-P", "missing.npy"], "preference file not found"),
        (["classify", "--beta", "1:5:3"], "classify takes single values"),
        (["bifurcation", "--beta", "1:5:3", "--alpha", "0:1:3"],
         "exactly one of --alpha/--beta/--lam"),
        (["regimes"], "at least one of --alpha/--beta/--lam"),
        (["regimes", "--beta", "1:5:3", "--scheduler", "tcp://127.0.0.1:1"],
         "--scheduler needs --backend dask"),
        (["classify", "--x0", "0.5,0.6,0.1"], "x0 must sum to 1"),
    ],
)
def test_bad_input_gives_one_line_error(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("dynsys-align: error: ")
    assert message in err
    assert "Traceback" not in err


def test_malformed_csv_matrix_gives_one_line_error(tmp_path, capsys):
    (tmp_path / "bad.csv").write_text("0.5,0.7\n0.4,0.5\n")
    assert main(["classify", "-P", str(tmp_path / "bad.csv")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dynsys-align: error: ")


def test_unknown_option_is_a_usage_error_with_status_2(capsys):
    assert main(["classify", "--gamma", "3"]) == 2
    assert "unrecognized arguments: --gamma" in capsys.readouterr().err


def test_missing_command_is_a_usage_error_with_status_2(capsys):
    assert main([]) == 2
    assert "required: COMMAND" in capsys.readouterr().err


def test_parse_values_rejects_text():
    with pytest.raises(InvalidParameter, match="beta must be a number"):
        parse_values("ten", "beta")


def test_parse_values_range_includes_both_ends():
    assert_allclose(parse_values("0.5:10:20", "beta"), np.linspace(0.5, 10, 20))


# --- help -------------------------------------------------------------------------


def test_top_level_help_lists_every_subcommand(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("demo", "classify", "fixed-points", "bifurcation", "regimes"):
        assert cmd in out


@pytest.mark.parametrize("cmd", ["bifurcation", "regimes"])
def test_sweep_help_lists_every_option_with_defaults(cmd, capsys):
    assert main([cmd, "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for opt in ("--preferences", "--alpha", "--beta", "--lam", "--out", "--backend",
                "--scheduler", "--checkpoint", "--seed", "--verbose",
                "--no-progress", "--x0", "--n-transient", "--n-keep"):
        assert opt in out, opt
    assert "(default: cyclic3)" in out
    assert "(default: 0.5)" in out


def test_demo_help_lists_out_and_quick(capsys):
    assert main(["demo", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--quick" in out and "(default: dynsys-align-out)" in out


# --- sweep execution options ----------------------------------------------------


def _kinds(path):
    xr = pytest.importorskip("xarray")
    with xr.open_dataset(path) as ds:
        return ds["kind"].values.copy(), ds["lyapunov"].values.copy()


REGIMES_TINY = ["regimes", "--alpha", "0.2,0.6", "--beta", "3:12:3", *FAST]


def test_regimes_checkpoint_resume_gives_same_map(tmp_path, capsys):
    ckpt = tmp_path / "ckpt"
    for run in ("first", "second"):
        assert main([*REGIMES_TINY, "--chunk-size", "2", "--checkpoint", str(ckpt),
                     "--out", str(tmp_path / run), "-v"]) == 0
    # 6 cells in chunks of 2: the second run finds all 3 chunks on disk
    assert "3 loaded from checkpoints, computing 0" in capsys.readouterr().err
    k1, l1 = _kinds(tmp_path / "first" / "regimes.nc")
    k2, l2 = _kinds(tmp_path / "second" / "regimes.nc")
    np.testing.assert_array_equal(k1, k2)
    np.testing.assert_array_equal(l1, l2)


def test_regimes_dask_backend_matches_local(tmp_path, capsys):
    pytest.importorskip("distributed")
    assert main([*REGIMES_TINY, "--out", str(tmp_path / "local")]) == 0
    assert main([*REGIMES_TINY, "--backend", "dask", "--chunk-size", "3",
                 "--out", str(tmp_path / "dask")]) == 0
    k1, l1 = _kinds(tmp_path / "local" / "regimes.nc")
    k2, l2 = _kinds(tmp_path / "dask" / "regimes.nc")
    np.testing.assert_array_equal(k1, k2)
    np.testing.assert_array_equal(l1, l2)


def test_verbose_flag_logs_info_on_stderr_and_restores_logging(tmp_path, capsys):
    import logging

    pkg = logging.getLogger("dynsys_align")
    before = (pkg.level, list(pkg.handlers))
    assert main([*REGIMES_TINY, "-v", "--out", str(tmp_path)]) == 0
    assert "INFO dynsys_align.sweeps" in capsys.readouterr().err
    assert main([*REGIMES_TINY, "--out", str(tmp_path)]) == 0
    assert "INFO" not in capsys.readouterr().err
    assert (pkg.level, list(pkg.handlers)) == before


def test_regimes_over_one_parameter_writes_data_without_figure(tmp_path, capsys):
    # alpha = 0.5: threshold 7.5, so beta = 5 is stable and beta = 10 is not
    assert main(["regimes", "--alpha", "0.5", "--beta", "5,10", "--out",
                 str(tmp_path), *FAST]) == 0
    kind, _ = _kinds(tmp_path / "regimes.nc")
    xr = pytest.importorskip("xarray")
    with xr.open_dataset(tmp_path / "regimes.nc") as ds:
        names = str(ds["kind"].attrs["flag_meanings"]).split()
    assert names[int(kind.ravel()[0])] == "fixed_point"
    assert names[int(kind.ravel()[1])] in ("periodic", "quasi_periodic")
    assert not (tmp_path / "regimes.png").exists()


def test_output_folder_that_is_a_file_gives_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    assert main(["bifurcation", "--beta", "1:2:2", "--out", str(blocker), *FAST]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dynsys-align: error: ")
