"""Shared plumbing of the analysis scripts: command line, output folder, summaries.

Every script in this folder reproduces one claim of "How Sampling Shapes LLM
Alignment: From One-Shot Optima to Iterative Dynamics" (arXiv 2602.12180) with
the public API of :mod:`dynsys_align`. This module holds only what they share:
the ``--out/--quick/--seed`` command line, the output folder, the JSON and CSV
summaries and a printed digest. It may import the standard library, numpy and
matplotlib; the scripts import it, nothing in the package does.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = [
    "parse_args",
    "prepare_out",
    "save_figure",
    "write_results",
    "print_results",
    "run_cli",
]


def parse_args(description: str, argv=None, extra=None) -> argparse.Namespace:
    """Parse ``--out``, ``--quick`` and ``--seed`` (and any ``extra`` options).

    ``extra`` is a callable receiving the parser, to add script options.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default="results",
                        help="output folder for figures and summaries")
    parser.add_argument("--quick", action="store_true",
                        help="small grids and short runs (a few seconds)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of every random choice")
    if extra is not None:
        extra(parser)
    return parser.parse_args(argv)


def prepare_out(out_dir) -> Path:
    """Create the output folder (and parents) and return it as a Path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return out


def save_figure(fig, out: Path, name: str) -> Path:
    """Save a figure as PNG in ``out`` and close it."""
    path = out / f"{name}.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def _plain(obj):
    """Numbers and containers made JSON-friendly (NaN and inf as strings)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if math.isfinite(v) else str(v)
    if isinstance(obj, complex):
        return [obj.real, obj.imag]
    return obj


def write_results(out: Path, results: dict) -> None:
    """Write ``summary.json`` (everything) and ``checks.csv`` (claim, held)."""
    with open(out / "summary.json", "w") as fh:
        json.dump(_plain(results), fh, indent=2)
    with open(out / "checks.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["check", "held"])
        for name, held in results["checks"].items():
            writer.writerow([name, bool(held)])


def print_results(title: str, results: dict) -> None:
    """Print the numbers (scalars only) and the checks of one script."""
    print(title)
    for key, value in results.items():
        if key == "checks":
            continue
        if isinstance(value, (int, float, np.integer, np.floating, str)):
            print(f"  {key}: {value}")
    for name, held in results["checks"].items():
        print(f"  [{'held' if held else 'NOT HELD'}] {name}")


def run_cli(main, description: str) -> int:
    """Command-line entry of a script: run ``main`` and print its results."""
    args = parse_args(description)
    results = main(args.out, quick=args.quick, seed=args.seed)
    print_results(description, results)
    return 0 if all(results["checks"].values()) else 1
