"""Import time of klstats against scipy.stats, each in a fresh interpreter.

Run from the repository root::

    python benchmarks/bench_import.py            # 7 repetitions
    python benchmarks/bench_import.py --repeat 15

Each statement runs in its own ``python -c`` subprocess (nothing is cached in the
interpreter), the repetitions are interleaved so that both sides see the same machine
load, and the table reports the median wall time measured inside the child (from just
before the import to just after it, so interpreter start-up is excluded). The bound the
package keeps: ``import klstats`` within 0.3 s of ``import scipy.stats`` in the same run.

``import klstats`` loads its public names on first use; the last rows show what the
first use costs (the first estimator loads pandas and scipy.stats; the first summary
loads statsmodels) and how long the command line takes to print its help.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

BOUND = 0.3  # seconds: import klstats may exceed import scipy.stats by at most this

CASES = {
    "import scipy.stats": "import scipy.stats",
    "import klstats": "import klstats",
    "import klstats; first estimate": "import klstats; klstats.entropy([1, 2, 3])",
    "import klstats; first summary": (
        "import klstats; klstats.g_test([10, 20, 30]).summary().as_text()"
    ),
}


def _child(statement: str) -> float:
    code = f"import time; t0 = time.perf_counter(); {statement}; print(time.perf_counter() - t0)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _cli_help() -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "klstats", "--help"], capture_output=True, text=True, check=True
    )
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="repetitions (default 7)")
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {name: [] for name in CASES}
    times["python -m klstats --help (whole process)"] = []
    for _ in range(args.repeat):
        for name, statement in CASES.items():
            times[name].append(_child(statement))
        times["python -m klstats --help (whole process)"].append(_cli_help())
    med = {name: statistics.median(v) for name, v in times.items()}
    print(f"median of {args.repeat} fresh interpreters, seconds\n")
    print("| statement | median (s) | min (s) | max (s) |")
    print("|---|---:|---:|---:|")
    for name, v in times.items():
        print(f"| `{name}` | {med[name]:.3f} | {min(v):.3f} | {max(v):.3f} |")
    base, kls = med["import scipy.stats"], med["import klstats"]
    diff = kls - base
    print(
        f"\nimport klstats - import scipy.stats = {diff:+.3f} s "
        f"(ratio {kls / base:.2f}); bound: difference <= {BOUND} s -> "
        f"{'met' if diff <= BOUND else 'NOT met'}"
    )
    return 0 if diff <= BOUND else 1


if __name__ == "__main__":
    sys.exit(main())
