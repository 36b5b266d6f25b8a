"""Run every benchmark and print one table of speed ratios.

Run from the repository root::

    python benchmarks/run_all.py --quick     # a few minutes
    python benchmarks/run_all.py             # the full sizes (n = 1e6 k-NN: tens of minutes)
    python benchmarks/run_all.py --quick --out benchmarks/results_quick.md --log /tmp/bench

Benchmarks (each also runs on its own; see its docstring for what is timed):

* ``bench_knn.py``: k-NN estimators against the KD-tree floor and the peers
  ``divergence``, ``infomeasure``, ``universal-divergence`` and scikit-learn
  (``pip install ".[bench]"``; missing peers are skipped);
* ``bench_bootstrap.py``: BCa interval of a discrete KL estimate against
  ``scipy.stats.bootstrap`` on the raw observations;
* ``bench_permutation.py``: the k-NN permutation test against a loop of estimates;
* ``bench_gtest.py``: Monte Carlo G-test p-values (independence: 2 x 2 ... 10 x 10
  tables, N = 50 ... 10^6, B = 2000 and 99,999; goodness of fit: K = 2 ... 1000, N up to
  10^7) against hand-vectorised scipy code and R's ``chisq.test`` (if ``Rscript`` is
  installed);
* ``bench_counting.py``: ``tabulate`` and the cross-tabulation of labels against
  ``pd.Series.value_counts`` and ``pd.crosstab`` on 10^7 integer, string, Categorical and
  Arrow-backed labels.

Every ratio is *baseline time / klstats time* measured in the same run (> 1: klstats is
faster). Timings on a busy machine are noisy; the ratios less so, since both sides run
under the same load.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

NUM = r"([0-9][0-9,]*\.?[0-9]*(?:e[+-]?[0-9]+)?)"


def _f(s: str) -> float:
    return float(s.replace(",", ""))


def _md_rows(text: str, header_start: str) -> list[list[str]]:
    """Rows of the markdown table whose header line starts with ``header_start``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(header_start):
            rows = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip("|").split("|")])
            return rows
    return []


def parse_knn(text: str) -> list[dict]:
    out = []
    for n, t_floor, t_kls, *_ in _md_rows(text, "| n = m | floor (s)"):
        out.append(
            {
                "task": f"k-NN KL (Wang, d = 5, k = 5), n = m = {n}",
                "baseline": "floor: cKDTree build + query (scipy)",
                "baseline_s": _f(t_floor),
                "klstats_s": _f(t_kls),
            }
        )
    names = {
        "kl": "k-NN KL (Wang)",
        "adaptive": "k-NN KL (adaptive)",
        "mi": "KSG MI",
        "h": "k-NN entropy",
    }
    for task, n, peer, t_peer, t_kls, *_ in _md_rows(text, "| task | n | peer"):
        out.append(
            {
                "task": f"{names.get(task, task)}, n = {n}",
                "baseline": peer,
                "baseline_s": _f(t_peer),
                "klstats_s": _f(t_kls),
            }
        )
    return out


def parse_bootstrap(text: str) -> list[dict]:
    kls_s = re.search(rf"klstats: {NUM} s", text)
    sc = re.search(rf"-> {NUM} s for (\d+) \(scaled linearly\)", text)
    head = re.search(r"K = (\d+), n = ([0-9,]+), B = (\d+)", text)
    if not (kls_s and sc and head):
        return []
    return [
        {
            "task": f"BCa interval, discrete KL, K = {head[1]}, n = {head[2]}, B = {head[3]}",
            "baseline": "scipy.stats.bootstrap on raw observations (resampling part only)",
            "baseline_s": _f(sc[1]),
            "klstats_s": _f(kls_s[1]),
        }
    ]


def parse_permutation(text: str) -> list[dict]:
    kls_s = re.search(rf"kl_test: {NUM} s", text)
    loop = re.search(rf"loop of kl_divergence_knn: {NUM} s", text)
    head = re.search(r"n = m = (\d+), d = (\d+), k = (\d+), B = (\d+)", text)
    if not (kls_s and loop and head):
        return []
    return [
        {
            "task": f"k-NN permutation test, n = m = {head[1]}, d = {head[2]}, B = {head[4]}",
            "baseline": "loop of kl_divergence_knn on permuted labels",
            "baseline_s": _f(loop[1]),
            "klstats_s": _f(kls_s[1]),
        }
    ]


def parse_gtest(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        if line.startswith("RESULT "):
            d = json.loads(line[len("RESULT ") :])
            out.append({k: d[k] for k in ("task", "baseline", "baseline_s", "klstats_s")})
    return out


def benchmarks(quick: bool) -> list[tuple[str, list[str], callable]]:
    return [
        (
            "bench_knn.py",
            ["--quick", "--max-n", "10000"] if quick else [],
            parse_knn,
        ),
        ("bench_bootstrap.py", ["--quick"] if quick else [], parse_bootstrap),
        ("bench_permutation.py", ["--loop", "100"] if quick else [], parse_permutation),
        ("bench_gtest.py", ["--quick"] if quick else [], parse_gtest),
        ("bench_counting.py", ["--quick"] if quick else [], parse_gtest),
    ]


HEADER = ("benchmark", "task", "baseline", "baseline (s)", "klstats (s)", "ratio")


def _cells(r: dict) -> list[str]:
    ratio = r["baseline_s"] / r["klstats_s"] if r["klstats_s"] > 0 else float("nan")
    return [
        r["benchmark"],
        r["task"],
        r["baseline"],
        f"{r['baseline_s']:.3g}",
        f"{r['klstats_s']:.3g}",
        f"{ratio:,.3g}",
    ]


def table(rows: list[dict]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def rst_table(rows: list[dict]) -> str:
    """A reStructuredText simple table (for the documentation)."""
    body = [_cells(r) for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(HEADER)]
    line = "  ".join("=" * w for w in widths)
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line, fmt.format(*HEADER).rstrip(), line]
    out += [fmt.format(*b).rstrip() for b in body]
    return "\n".join([*out, line])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes)")
    ap.add_argument("--only", default=None, help="comma-separated benchmark file names")
    ap.add_argument(
        "--out", default=None, help="also write the table to this file (.rst: reStructuredText)"
    )
    ap.add_argument("--log", default=None, help="directory for each benchmark's full output")
    args = ap.parse_args(argv)
    rows: list[dict] = []
    failed = []
    only = None if args.only is None else set(args.only.split(","))
    for script, extra, parse in benchmarks(args.quick):
        if only is not None and script not in only:
            continue
        t0 = time.perf_counter()
        print(f"running {script} {' '.join(extra)} ...", file=sys.stderr, flush=True)
        res = subprocess.run(
            [sys.executable, str(HERE / script), *extra],
            capture_output=True,
            text=True,
            check=False,
        )
        secs = time.perf_counter() - t0
        if args.log:
            log = Path(args.log)
            log.mkdir(parents=True, exist_ok=True)
            (log / f"{script}.txt").write_text(res.stdout + res.stderr, encoding="utf-8")
        parsed = parse(res.stdout) if res.returncode == 0 else []
        if not parsed:
            failed.append(script)
            print(
                f"  {script} failed or printed nothing to parse:\n{res.stderr[-2000:]}",
                file=sys.stderr,
            )
        print(f"  done in {secs:.0f} s", file=sys.stderr, flush=True)
        rows += [{"benchmark": script.removesuffix(".py"), **r} for r in parsed]
    text = table(rows)
    print(text)
    if args.out:
        out = Path(args.out)
        body = rst_table(rows) if out.suffix == ".rst" else text
        out.write_text(body + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
