"""The paper's real-data experiment, on the attribute-score tables available here.

The paper builds K = 4 preference matrices from HelpSteer ratings: for each
pair of responses one rated attribute is drawn at random and
``P_ij = sigmoid(score_i - score_j)``. It keeps the cyclic and the strongly
transitive matrices, runs MRS-IPO for 3,000 rounds on each over the grid
``alpha in {0.5, 0.8, 1.0}``, ``lam in {0.5, 0.8}``, ``beta in {5, 10, 20}``,
and reports oscillation (time-averaged variance of the policy after burn-in)
for the cyclic ones and final entropy for the transitive ones.

HelpSteer is not available offline. This script applies the same construction
(:func:`dynsys_align.data.attribute_matrices`) to the HANNA story ratings (six
human criteria per story) and to the Prometheus GPT-4 absolute grades (three
sampled grades per response), found in ``../shared/data`` next to the
repository or in the folder given by ``--data``. If neither is there, it falls
back to the vote table shipped with the package (GPT-4 votes on Vicuna-80;
each matrix pools the votes of 8 random questions and keeps 4 of the 8
models) and says so. It keeps
cyclic and *strictly* strongly transitive matrices.

Theory checks on the results:

* cyclic matrices: every run inside the contraction bound
  ``alpha + beta lam ||P - 1/2||_2 / 2 < 1`` (Theorem 2) ends at a fixed point
  (no oscillation); for ``alpha < 1`` every multiplier of an interior fixed
  point has real part ``alpha`` (the model notes' derived fact), the runs that
  settle do so at a fixed point with every multiplier inside the unit circle.
  The runs that keep cycling are reported by the stability of their interior
  fixed points (unstable, slowly attracting, or stable and coexisting with
  the cycle);
* strictly transitive matrices: at ``alpha = 1`` every run ends on the
  Condorcet winner (Theorem 3), and for ``alpha < 1`` the mean final entropy
  falls as ``beta`` grows.

Imports: numpy, pandas, matplotlib, :mod:`dynsys_align`.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import dynsys_align as da
from dynsys_align import data as dd

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import (
        parse_args,
        prepare_out,
        print_results,
        save_figure,
        write_results,
    )
    from entropy_collapse import top_response
else:
    from ._common import (
        parse_args,
        prepare_out,
        print_results,
        save_figure,
        write_results,
    )
    from .entropy_collapse import top_response

__all__ = ["main", "DEFAULT_DATA", "ALPHAS", "LAMS", "BETAS", "collect_matrices"]

#: Where the shared data folder sits relative to this repository.
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ALPHAS = (0.5, 0.8, 1.0)
LAMS = (0.5, 0.8)
BETAS = (5.0, 10.0, 20.0)
#: Oscillation strengths above this count as oscillating.
OSC_TOL = 1e-6


def _score_tables(data_dir: Path) -> dict:
    tables = {}
    hanna = data_dir / "hanna" / "hanna_metric_scores_llm.csv"
    if hanna.exists():
        tables["hanna"] = dd.read_hanna_scores(hanna)
    for name in ("vicuna", "mt_bench"):
        path = data_dir / "prometheus_gpt4_absolute" / f"{name}_gpt4_scores.csv"
        if path.exists():
            tables[f"prometheus_{name}"] = dd.read_prometheus_scores(path)
    return tables


def _vote_fallback(rng, n_draws: int):
    """K = 4 matrices from the shipped Vicuna-80 GPT-4 votes.

    One prompt holds two votes per pair, too few for strict transitivity, so
    each draw pools the vote counts of 8 random questions (add-one smoothing)
    and keeps 4 random models.
    """
    votes = dd.vicuna80_gpt4_votes()
    questions = np.unique(votes["question_id"])
    models = tuple(sorted(set(votes["model_1"]) | set(votes["model_2"])))
    counts = [dd.count_votes(votes, models=models, questions=[q]) for q in questions]
    for d in range(n_draws):
        chosen = rng.choice(len(questions), size=8, replace=False)
        pooled = dd.VoteCounts(
            models=models,
            wins=sum(counts[c].wins for c in chosen),
            ties=sum(counts[c].ties for c in chosen),
        )
        idx = np.sort(rng.choice(len(models), size=4, replace=False))
        yield d, pooled.preference_matrix(smoothing=1.0).restrict(idx)


def collect_matrices(data_dir, rng, draws: int, quick: bool, limit=None):
    """Cyclic and strictly SST K = 4 matrices, with their source.

    Returns ``(cyclic, sst, sources, note)``: lists of ``(source, item, P)``,
    the counts drawn per source, and a note on which data were used. With
    ``limit = (n_cyclic, n_sst)`` drawing stops once both counts are reached.
    """
    cyclic, sst, sources = [], [], {}
    tables = _score_tables(Path(data_dir)) if data_dir is not None else {}
    if quick:
        tables = {k: v for k, v in tables.items() if k == "hanna"} or tables
    if tables:
        note = f"attribute-score tables from {data_dir}: {', '.join(tables)}"
        streams = {name: dd.attribute_matrices(t, rng, K=4, draws_per_item=draws)
                   for name, t in tables.items()}
    else:
        note = ("score tables not found; FALLBACK to the shipped Vicuna-80 GPT-4 "
                "vote table (votes of 8 random questions pooled, 4 of 8 models "
                "per draw)")
        streams = {"vicuna80_votes": _vote_fallback(rng, 80 * draws)}
    for name, stream in streams.items():
        n = 0
        for item, P in stream:
            if limit is not None and len(cyclic) >= limit[0] and len(sst) >= limit[1]:
                break
            n += 1
            kind = dd.matrix_kind(P)
            if kind == "cyclic":
                cyclic.append((name, item, P))
            elif kind == "strictly_sst":
                sst.append((name, item, P))
        sources[name] = n
    return cyclic, sst, sources, note


def _run(matrices, n_transient, n_keep):
    """Regime statistics of every matrix at every grid point, plus final policies."""
    grid = np.array(list(itertools.product(ALPHAS, LAMS, BETAS)))
    maps = [da.MRSIPO(P, alpha=0.5, beta=5.0, lam=0.5) for _, _, P in matrices]
    rows = np.vstack([m.vary(alpha=grid[:, 0], lam=grid[:, 1], beta=grid[:, 2])
                      for m in maps])
    s = da.summarize(maps[0], rows, n_transient=n_transient, n_keep=n_keep)
    finals = maps[0].batch_final(n=n_transient + n_keep, params=rows)
    kinds = s.kind_names()
    records = []
    for i, (source, item, P) in enumerate(matrices):
        s_norm = float(np.linalg.norm(P.matrix - 0.5, 2))
        for j, (alpha, lam, beta) in enumerate(grid):
            r = i * len(grid) + j
            records.append({
                "source": source, "item": str(item), "matrix": i,
                "alpha": alpha, "lam": lam, "beta": beta,
                "modulus_q": alpha + 0.5 * beta * lam * s_norm,
                "regime": kinds[r], "oscillation": s.oscillation[r],
                "entropy": s.entropy[r], "argmax": int(np.argmax(finals[r])),
            })
    return pd.DataFrame.from_records(records), finals


def _local_stability(matrices, runs: pd.DataFrame, finals, rng):
    """Multipliers behind every ``alpha < 1`` run of the cyclic matrices.

    A run that settled is checked at its end point; for a run that cycles the
    interior fixed points are searched from random starts. Returns the largest
    deviation of a multiplier's real part from ``alpha``, whether every settled
    run's multipliers lie inside the unit circle, and how the cycling runs
    split by the largest multiplier modulus ``rho`` of their stablest interior
    fixed point: ``rho > 1`` (unstable: Neimark-Sacker), ``0.99 <= rho <= 1``
    (a slow approach the finite run did not resolve), ``rho < 0.99`` (a
    cycle coexisting with a stable fixed point).
    """
    dev, settled_ok = 0.0, True
    split = {"unstable_fixed_point": 0, "slow_transient": 0,
             "coexisting_stable_fixed_point": 0, "no_fixed_point_found": 0}
    for r in np.nonzero(runs.alpha.to_numpy() < 1.0)[0]:
        row = runs.iloc[r]
        P = matrices[int(row.matrix)][2]
        m = da.MRSIPO(P, alpha=row.alpha, beta=row.beta, lam=row.lam)
        if row.regime == "fixed_point":
            mu = da.multipliers(m, finals[r])
            settled_ok &= bool(np.max(np.abs(mu)) < 1.0)
            dev = max(dev, float(np.max(np.abs(mu.real - row.alpha))))
        elif row.regime in ("periodic", "quasi_periodic", "chaotic"):
            fps = da.fixed_points(m, n_starts=8, rng=rng)
            for fp in fps:
                dev = max(dev, float(np.max(np.abs(fp.multipliers.real - row.alpha))))
            if not fps:
                split["no_fixed_point_found"] += 1
                continue
            rho = min(float(np.max(np.abs(fp.multipliers))) for fp in fps)
            if rho > 1.0:
                split["unstable_fixed_point"] += 1
            elif rho >= 0.99:
                split["slow_transient"] += 1
            else:
                split["coexisting_stable_fixed_point"] += 1
    return dev, settled_ok, split


def main(out_dir, quick: bool = False, seed: int = 0, data_dir=None) -> dict:
    """Run the real-data experiment; write tables, figures and summaries."""
    out = prepare_out(out_dir)
    rng = np.random.default_rng(seed)
    if data_dir is None:
        data_dir = DEFAULT_DATA if DEFAULT_DATA.is_dir() else None
    draws = 5 if quick else 20
    limit = (24, 3) if quick else None
    cyclic, sst, sources, note = collect_matrices(data_dir, rng, draws, quick,
                                                  limit)
    if quick:
        cyclic, sst = cyclic[:24], sst[:3]
    n_transient, n_keep = (400, 200) if quick else (2000, 1000)
    results: dict = {
        "data": note, "matrices_drawn": sources, "n_cyclic": len(cyclic),
        "n_strictly_sst": len(sst), "rounds": n_transient + n_keep,
        "burn_in": n_transient,
    }
    checks: dict = {}
    if not cyclic or not sst:
        raise RuntimeError(f"too few matrices: {len(cyclic)} cyclic, {len(sst)} SST")

    # cyclic matrices: oscillation
    dc, finals_c = _run(cyclic, n_transient, n_keep)
    dc.to_csv(out / "cyclic_runs.csv", index=False)
    inside = dc[dc.modulus_q < 1.0]
    table_c = dc.groupby(["alpha", "lam", "beta"]).agg(
        mean_oscillation=("oscillation", "mean"),
        fraction_oscillating=("oscillation", lambda v: float(np.mean(v > OSC_TOL))),
        fraction_cycling=("regime", lambda r: float(np.mean(np.isin(
            r, ("periodic", "quasi_periodic", "chaotic"))))),
        fraction_collapse=("regime", lambda r: float(np.mean(r == "collapse"))),
    ).reset_index()
    table_c.to_csv(out / "cyclic_oscillation.csv", index=False)
    results["cyclic_runs_inside_bound"] = len(inside)
    results["cyclic_fraction_oscillating"] = float(np.mean(dc.oscillation > OSC_TOL))
    checks["cyclic: no oscillation inside the contraction bound"] = bool(
        len(inside) > 0 and np.all(inside.regime == "fixed_point"))
    dev, settled_ok, split = _local_stability(cyclic, dc, finals_c, rng)
    results["cyclic_runs_cycling_alpha_below_1"] = int(np.sum(
        (dc.alpha < 1.0) & dc.regime.isin(("periodic", "quasi_periodic", "chaotic"))))
    results["cycling_runs_by_fixed_point"] = split
    results["multiplier_real_part_max_deviation_from_alpha"] = dev
    checks["cyclic, alpha < 1: settled runs have all multipliers inside the circle"] = (
        settled_ok)
    checks["cyclic: every interior fixed point has multipliers with real part alpha"] = (
        dev < 1e-8)

    # strictly transitive matrices: final entropy
    ds, _ = _run(sst, n_transient, n_keep)
    ds["top"] = [top_response(np.asarray(sst[i][2].matrix)) for i in ds.matrix]
    ds.to_csv(out / "sst_runs.csv", index=False)
    table_s = ds.groupby(["alpha", "lam", "beta"]).agg(
        mean_entropy=("entropy", "mean"), max_entropy=("entropy", "max"),
    ).reset_index()
    table_s.to_csv(out / "sst_entropy.csv", index=False)
    at1 = ds[ds.alpha == 1.0]
    checks["SST, alpha = 1: every run ends on the Condorcet winner"] = bool(
        np.all(at1.argmax == at1.top))
    falls = True
    for (_, _), grp in table_s[table_s.alpha < 1.0].groupby(["alpha", "lam"]):
        falls &= bool(np.all(np.diff(grp.sort_values("beta").mean_entropy) < 0))
    checks["SST, alpha < 1: mean final entropy falls as beta grows"] = falls
    results["sst_mean_entropy_alpha1"] = float(at1.entropy.mean())
    results["sst_mean_entropy_alpha_below_1"] = float(
        ds[ds.alpha < 1.0].entropy.mean())

    with open(out / "tables.txt", "w") as fh:
        fh.write(f"{note}\n{len(cyclic)} cyclic, {len(sst)} strictly SST matrices; "
                 f"{n_transient + n_keep} rounds, burn-in {n_transient}\n\n")
        fh.write("Cyclic: oscillation (time-averaged variance after burn-in); "
                 "fraction of runs oscillating (variance > 1e-6), on a cycle or "
                 "torus (periodic, quasi-periodic, chaotic), collapsing\n")
        fh.write(table_c.to_string(index=False) + "\n\n")
        fh.write("Strictly SST: final entropy (nats)\n")
        fh.write(table_s.to_string(index=False) + "\n")

    # figures
    fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(15.0, 4.2),
                                        layout="constrained")
    for (alpha, lam), grp in table_c.groupby(["alpha", "lam"]):
        label = rf"$\alpha$ = {alpha}, $\lambda$ = {lam}"
        ax0.plot(grp.beta, grp.fraction_oscillating, marker="o", label=label)
        ax1.plot(grp.beta, np.maximum(grp.mean_oscillation, 1e-12), marker="o",
                 label=label)
    ax0.set_ylim(-0.03, 1.03)
    ax0.set_xlabel(r"IPO $\beta$")
    ax0.set_ylabel(f"fraction of runs with variance > {OSC_TOL:g}")
    ax0.set_title(f"{len(cyclic)} cyclic matrices: how often they oscillate")
    ax0.legend(fontsize="small")
    ax1.set_yscale("log")
    ax1.set_xlabel(r"IPO $\beta$")
    ax1.set_ylabel("mean oscillation (variance after burn-in, floor 1e-12)")
    ax1.set_title("cyclic matrices: oscillation strength")
    for (alpha, lam), grp in table_s.groupby(["alpha", "lam"]):
        ax2.plot(grp.beta, grp.mean_entropy, marker="o",
                 label=rf"$\alpha$ = {alpha}, $\lambda$ = {lam}")
    ax2.axhline(np.log(4.0), color="gray", ls=":", lw=1.0, label="log 4 (uniform)")
    ax2.set_xlabel(r"IPO $\beta$")
    ax2.set_ylabel("mean final entropy (nats)")
    ax2.set_title(f"{len(sst)} strictly SST matrices: collapse")
    ax2.legend(fontsize="small")
    save_figure(fig, out, "real_data_grid")

    results["checks"] = checks
    write_results(out, results)
    return results


def _data_option(parser) -> None:
    parser.add_argument("--data", default=None,
                        help=f"folder with hanna/ and prometheus_gpt4_absolute/ "
                             f"(default: {DEFAULT_DATA})")


if __name__ == "__main__":
    args = parse_args("The paper's real-data experiment", extra=_data_option)
    res = main(args.out, quick=args.quick, seed=args.seed, data_dir=args.data)
    print_results("The paper's real-data experiment", res)
    raise SystemExit(0 if all(res["checks"].values()) else 1)
