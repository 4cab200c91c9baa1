"""Run every analysis script into subfolders of ``--out`` and summarise the claims.

``python analyses/run_all.py --out results [--quick] [--seed 0] [--data DIR]``
runs the scripts of this folder in turn (each into ``OUT/<script name>``),
writes ``OUT/summary.csv`` (script, check, held) and ``OUT/summary.md`` (one
line per claim: held / not held, with the time each script took), and exits
with status 1 if any claim did not hold. Imports: the standard library and the
scripts of this folder.
"""

from __future__ import annotations

import csv
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import parse_args, prepare_out  # noqa: E402

__all__ = ["SCRIPTS", "run_all"]

#: Script modules in the order they run, with the claim each reproduces.
SCRIPTS = (
    ("oscillation_rps", "Theorem 1: oscillation on the K = 3 cycle"),
    ("global_stability", "Theorem 2: global stability under the contraction bound"),
    ("entropy_collapse", "Theorem 3: entropy collapse on strictly SST preferences"),
    ("dpo_dynamics", "Theorem 4: the same phenomena for MRS-DPO"),
    ("chaos_k4", "Chaos on the K = 4 cyclic tournament"),
    ("real_data", "The real-data experiment (HANNA / Prometheus scores)"),
)


def run_all(out_dir, quick: bool = False, seed: int = 0, data_dir=None) -> dict:
    """Run every script; return ``{script: results}`` and write the summaries."""
    out = prepare_out(out_dir)
    everything, rows, lines = {}, [], ["# Claims of the paper, reproduced", ""]
    for name, claim in SCRIPTS:
        module = importlib.import_module(name)
        t0 = time.perf_counter()
        kwargs = {"data_dir": data_dir} if name == "real_data" else {}
        res = module.main(out / name, quick=quick, seed=seed, **kwargs)
        elapsed = time.perf_counter() - t0
        everything[name] = res
        held = all(res["checks"].values())
        lines.append(f"## {claim} ({name}.py, {elapsed:.1f} s): "
                     f"{'held' if held else 'NOT HELD'}")
        for check, ok in res["checks"].items():
            rows.append((name, check, bool(ok)))
            lines.append(f"- [{'held' if ok else 'NOT HELD'}] {check}")
        lines.append("")
        print(f"{name}: {'held' if held else 'NOT HELD'} ({elapsed:.1f} s)",
              flush=True)
    with open(out / "summary.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["script", "check", "held"])
        writer.writerows(rows)
    (out / "summary.md").write_text("\n".join(lines))
    return everything


def _data_option(parser) -> None:
    parser.add_argument("--data", default=None,
                        help="score-table folder for real_data.py")


if __name__ == "__main__":
    args = parse_args("Run every analysis script", extra=_data_option)
    results = run_all(args.out, quick=args.quick, seed=args.seed,
                      data_dir=args.data)
    failed = [(n, c) for n, r in results.items()
              for c, ok in r["checks"].items() if not ok]
    for n, c in failed:
        print(f"NOT HELD: {n}: {c}")
    print(f"summary written to {Path(args.out) / 'summary.md'}")
    raise SystemExit(1 if failed else 0)
