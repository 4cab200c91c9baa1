"""Logistic-map bifurcation diagram: dynsys_align against pynamical on one grid.

Grid: 2,000 values of r evenly spaced in [2.5, 4.0], start x0 = 0.3, 1,000
discarded and 200 kept iterations per value. pynamical is not a dependency of
dynsys_align; this script imports it if present and otherwise says how to get
it (``pip install pynamical``; its pins on numba/numpy/pandas are old, so
``pip install --no-deps pynamical`` into a scratch environment or target
directory avoids downgrading them).

Timed in this one run (ratios are meaningful on a shared machine, absolute
times are not):

- pynamical's ``simulate`` end to end, as a user calls it. It builds and
  JIT-compiles a fresh closure on every call and returns a pandas DataFrame.
- pynamical's compiled simulator alone, called a second time (no compilation,
  no DataFrame): its pure iteration speed.
- ``dynsys_align.sweeps.bifurcation_diagram`` after its compiled code is
  loaded (the first call in a process loads it from numba's disk cache).

Run with ``python benchmarks/bench_logistic_pynamical.py``.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from dynsys_align.maps.classic import Logistic
from dynsys_align.sweeps import bifurcation_diagram


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=2000)
    parser.add_argument("--transient", type=int, default=1000)
    parser.add_argument("--keep", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    r_min, r_max, x0 = 2.5, 4.0, 0.3
    rates = np.linspace(r_min, r_max, args.values)

    try:
        import pynamical
    except ImportError:
        print("pynamical is not installed; to run this comparison:\n"
              "    pip install pynamical\n"
              "(or `pip install --no-deps pynamical` to keep your numba, numpy and "
              "pandas versions)", file=sys.stderr)
        return 1

    kw = dict(x0=[x0], n_transient=args.transient, n_keep=args.keep, progress=False,
              chunk_size=args.values)
    t_first, _ = timed(lambda: bifurcation_diagram(Logistic(3.0), "r", rates, **kw))
    t_ours = min(timed(lambda: bifurcation_diagram(Logistic(3.0), "r", rates, **kw))[0]
                 for _ in range(args.repeats))
    ours = bifurcation_diagram(Logistic(3.0), "r", rates, **kw)

    spec = dict(num_gens=args.keep, rate_min=r_min, rate_max=r_max,
                num_rates=args.values, num_discard=args.transient, initial_pop=x0)
    t_pyn_first, _ = timed(lambda: pynamical.simulate(**spec))
    t_pyn, df = timed(lambda: pynamical.simulate(**spec))
    simulator = pynamical.pynamical.make_jit_simulator(
        model=pynamical.logistic_map, **spec)
    simulator()
    t_pyn_core = min(timed(simulator)[0] for _ in range(args.repeats))

    theirs = df.to_numpy().T  # DataFrame: one column per rate, one row per generation
    print(f"grid: {args.values} values of r in [{r_min}, {r_max}], "
          f"{args.transient} discarded + {args.keep} kept iterations, x0 = {x0}")
    print(f"dynsys_align first call (loads compiled code)   : {t_first:8.3f} s")
    print(f"dynsys_align bifurcation_diagram (best of {args.repeats})  : "
          f"{t_ours:8.3f} s")
    print(f"pynamical.simulate, first call                  : {t_pyn_first:8.3f} s")
    print(f"pynamical.simulate, second call (JIT again)     : {t_pyn:8.3f} s  "
          f"-> ratio {t_pyn / t_ours:6.1f}x")
    print(f"pynamical compiled simulator only (best of {args.repeats}) : "
          f"{t_pyn_core:8.3f} s  -> ratio {t_pyn_core / t_ours:6.1f}x")
    # both iterate r x (1 - x) from the same start; the products are rounded in a
    # different order, so chaotic orbits part ways: compare below the onset of chaos
    calm = rates < 3.5
    print(f"max |difference| for r < 3.5 ({calm.sum()} values): "
          f"{np.abs(ours.points[calm] - theirs[calm]).max():.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
