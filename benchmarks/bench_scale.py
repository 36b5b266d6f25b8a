"""Counts and k-NN estimates past memory: the Dask path against pandas / NumPy in memory.

Run from the repository root (needs ``pip install ".[dask]"``)::

    python benchmarks/bench_scale.py             # 2e8 rows (~4 GiB of Parquet), k-NN n = 1e7
    python benchmarks/bench_scale.py --quick     # 4e6 rows, k-NN n = 1e5
    python benchmarks/bench_scale.py --rows 50000000 --dir /work/scratch --keep

Sections:

1. **Counts.** A Parquet dataset of ``--rows`` rows (files of 2e6 rows, fixed seed, in a
   temporary directory deleted at the end unless ``--keep``): string labels ``country``
   (40 values, skewed; the device mix depends on it), ``device`` (4) and ``event`` (12),
   and payload columns (``user_id``, ``ts``, ``value``) that make the files several GiB.
   *Dask path*: a ``distributed.LocalCluster`` with one in-process worker of
   ``--workers`` threads (``--processes``: that many worker processes of
   ``--worker-memory`` each), ``dd.read_parquet(columns=[country, device])``,
   ``kls.g_test_independence`` (the counts by Dask), then, from its observed table, the
   mutual information with its interval and a two-sample KL estimate (device mix of the
   two largest countries) with its interval. *pandas paths*: ``pd.read_parquet`` of the
   same columns of the first files, then the same klstats calls in memory on the labels
   (``labels``: klstats cross-tabulates), or on pandas' ``groupby().size()`` table
   (``table``), at growing sizes while the process stays under ``--pandas-cap`` (killed
   above it). Each result is compared with the Dask path on the same files.
2. **k-NN.** ``kl_divergence_knn`` with x ~ N(0, I_3), y ~ N(0.5, I_3), n = m =
   ``--knn-n``, k = 1: Dask arrays (blocks of 1e6 rows) on an in-process LocalCluster
   (one worker, ``--workers`` threads), tree strategy and blockwise strategy, against
   NumPy arrays in memory at the same n (which fits here), with a subsampling interval.

Every measurement runs in a fresh child process. Time is wall-clock; peak memory is
the largest resident set of the child and all its descendants (scheduler and worker
processes), polled every 0.1 s from /proc (a sum of RSS, so shared pages count
twice: an upper bound). Results are printed and written as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FILE_ROWS = 2_000_000
COUNTRIES = [f"c{i:02d}" for i in range(40)]
DEVICES = ["desktop", "mobile", "tablet", "tv"]
EVENTS = [f"event_{i}" for i in range(12)]
GiB = 2.0**30


# =========================================================================== data


def generate(directory: Path, rows: int, seed: int = 20241125) -> float:
    """Write ``rows`` rows as Parquet files of FILE_ROWS rows; returns GiB on disk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    seeds = np.random.SeedSequence(seed).spawn(math.ceil(rows / FILE_ROWS))
    p_country = 1.0 / np.arange(1, 41) ** 0.8
    p_country /= p_country.sum()
    # the device mix drifts with the country: a small, real dependence
    tilt = np.linspace(-0.05, 0.05, 40)[:, None] * np.array([1.0, -1.0, 0.5, -0.5])
    p_device = np.exp(np.log([0.45, 0.4, 0.1, 0.05]) + tilt)
    p_device /= p_device.sum(axis=1, keepdims=True)
    cum_device = np.cumsum(p_device, axis=1)
    for i, ss in enumerate(seeds):
        size = min(FILE_ROWS, rows - i * FILE_ROWS)
        rng = np.random.default_rng(ss)
        country = rng.choice(40, size=size, p=p_country)
        u = rng.random(size)
        device = (u[:, None] > cum_device[country]).sum(axis=1)
        event = rng.integers(0, 12, size)

        def labels(codes, names):
            return pa.DictionaryArray.from_arrays(
                pa.array(codes.astype(np.int32)), pa.array(names)
            ).cast(pa.string())

        table = pa.table(
            {
                "country": labels(country, COUNTRIES),
                "device": labels(device, DEVICES),
                "event": labels(event, EVENTS),
                "user_id": rng.integers(0, 2**62, size),
                "ts": np.sort(rng.integers(0, 10**12, size)),
                "value": rng.standard_normal(size),
            }
        )
        pq.write_table(table, directory / f"part-{i:05d}.parquet")
    return sum(f.stat().st_size for f in directory.iterdir()) / GiB


# =========================================================================== measuring


def measure(code: str, cap: float | None = None) -> dict:
    """Run ``code`` in a child Python; its last stdout line is a JSON dict. Adds
    ``seconds`` (wall, whole child), ``peak_gib`` (process tree RSS) and ``killed``."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    parent = psutil.Process(proc.pid)
    peak, killed = 0, False
    while proc.poll() is None:
        try:
            procs = [parent, *parent.children(recursive=True)]
            rss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
        except psutil.Error:
            rss = 0
        peak = max(peak, rss)
        if cap is not None and rss > cap * GiB:
            for p in reversed(procs):
                try:
                    p.kill()
                except psutil.Error:
                    pass
            killed = True
            break
        time.sleep(0.1)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    result: dict = {"peak_gib": round(peak / GiB, 3), "wall_seconds": round(wall, 2)}
    if killed:
        result["killed"] = f"resident set above {cap} GiB"
        return result
    if proc.returncode != 0:
        raise RuntimeError(f"child failed:\n{err[-3000:]}")
    result.update(json.loads(out.strip().splitlines()[-1]))
    return result


COUNT_CODE = """
import json, time, warnings
warnings.simplefilter("ignore")
import klstats as kls

def analyse(country, device=None):
    res = kls.g_test_independence(country, device)  # device None: country is a table
    obs = res.observed
    top = obs.sum(axis=1).sort_values(ascending=False).index[:2]
    kl = kls.kl_divergence(obs.loc[top[0]], obs.loc[top[1]])
    lo, hi = res.conf_int()
    klo, khi = kl.conf_int()
    return {{"rows": int(obs.to_numpy().sum()), "G": res.statistic, "df": res.df,
            "pvalue": res.pvalue, "mi": res.estimate, "mi_ci": [lo, hi],
            "kl": kl.estimate, "kl_ci": [klo, khi], "pair": [str(t) for t in top]}}
"""

DASK_COUNTS = (
    COUNT_CODE
    + """
import dask.dataframe as dd
from distributed import Client, LocalCluster
t0 = time.perf_counter()
if {processes}:
    kwargs = dict(n_workers={workers}, threads_per_worker=1, memory_limit="{memory}")
else:
    kwargs = dict(n_workers=1, threads_per_worker={workers})
with LocalCluster(processes={processes}, dashboard_address=":0", **kwargs) as cluster, \
        Client(cluster):
    t1 = time.perf_counter()
    files = sorted(__import__("glob").glob("{directory}/*.parquet"))[:{files}]
    ddf = dd.read_parquet(files, columns=["country", "device"])
    out = analyse(ddf["country"], ddf["device"])
    out["seconds"] = time.perf_counter() - t1
    out["cluster_start_seconds"] = t1 - t0
print(json.dumps(out))
"""
)

PANDAS_COUNTS = (
    COUNT_CODE
    + """
import glob
import pandas as pd
t0 = time.perf_counter()
files = sorted(glob.glob("{directory}/*.parquet"))[:{files}]
df = pd.read_parquet(files, columns=["country", "device"])
t1 = time.perf_counter()
if "{mode}" == "labels":  # klstats counts the labels in memory
    out = analyse(df["country"], df["device"])
else:  # pandas counts, klstats gets the table
    out = analyse(df.groupby(["country", "device"]).size().unstack(fill_value=0))
out["seconds"] = time.perf_counter() - t0
out["read_seconds"] = t1 - t0
out["frame_gib"] = df.memory_usage(deep=True).sum() / 2**30
print(json.dumps(out))
"""
)

KNN_DATA = """
import numpy as np
rng = np.random.default_rng(1)
np.save("{x}", rng.standard_normal(({n}, 3)))
np.save("{y}", rng.standard_normal(({n}, 3)) + 0.5)
"""

KNN_DASK = """
import json, time
import numpy as np
import dask
import dask.array as da
from distributed import Client, LocalCluster
import klstats as kls
import klstats._adapters._dask as kdask
if {blocks}:
    kdask.TREE_MEMORY_FRACTION = 0.0  # force the blockwise strategy
with LocalCluster(n_workers=1, threads_per_worker={workers}, processes=False,
                  dashboard_address=":0") as cluster, Client(cluster):
    # each task maps its block of the .npy file (da.from_array of a memmap would put
    # the whole array into every graph sent to the scheduler)
    def load(path, start, stop):
        return np.load(path, mmap_mode="r")[start:stop]

    def stack(path):
        rows = np.load(path, mmap_mode="r").shape[0]
        starts = range(0, rows, {block})
        return da.concatenate([
            da.from_delayed(dask.delayed(load)(path, a, min(a + {block}, rows)),
                            shape=(min(a + {block}, rows) - a, 3), dtype=float)
            for a in starts
        ])

    x, y = stack("{x}"), stack("{y}")
    t0 = time.perf_counter()
    est = kls.kl_divergence_knn(x, y, k=1, estimator="wang")
    t1 = time.perf_counter()
    ci = est.conf_int(n_resamples={resamples}, rng=7) if {resamples} else (None, None)
    t2 = time.perf_counter()
print(json.dumps({{"estimate": est.estimate, "strategy": est.options["dask"],
                  "seconds": t1 - t0, "ci": list(ci), "ci_seconds": t2 - t1}}))
"""

KNN_MEMORY = """
import json, time
import numpy as np
import klstats as kls
x, y = np.load("{x}"), np.load("{y}")
t0 = time.perf_counter()
est = kls.kl_divergence_knn(x, y, k=1, estimator="wang")
t1 = time.perf_counter()
ci = est.conf_int(n_resamples={resamples}, rng=7) if {resamples} else (None, None)
t2 = time.perf_counter()
print(json.dumps({{"estimate": est.estimate, "seconds": t1 - t0, "ci": list(ci),
                  "ci_seconds": t2 - t1}}))
"""


# =========================================================================== sections


def counts_section(args, directory: Path) -> dict:
    n_files = math.ceil(args.rows / FILE_ROWS)
    t0 = time.perf_counter()
    gib = generate(directory, args.rows)
    out: dict = {
        "rows": args.rows,
        "files": n_files,
        "disk_gib": round(gib, 2),
        "generate_seconds": round(time.perf_counter() - t0, 1),
    }
    print(f"generated {args.rows:.3g} rows in {n_files} files: {gib:.2f} GiB on disk")
    fmt = {
        "directory": directory,
        "workers": args.workers,
        "memory": args.worker_memory,
        "processes": args.processes,
    }
    dask_full = measure(DASK_COUNTS.format(files=n_files, **fmt))
    out["dask"] = dask_full
    print(
        f"dask   {args.rows:>11.3g} rows: {dask_full['seconds']:7.1f} s "
        f"(+{dask_full['cluster_start_seconds']:.1f} s cluster start), "
        f"peak {dask_full['peak_gib']:.2f} GiB, G = {dask_full['G']:.2f}"
    )
    sizes = sorted({s for s in args.pandas_files if s < n_files} | {n_files})
    subsets: dict = {}
    for mode in ("labels", "table"):
        out[f"pandas_{mode}"] = []
        for files in sizes:
            code = PANDAS_COUNTS.format(files=files, directory=directory, mode=mode)
            res = measure(code, cap=args.pandas_cap)
            res["rows"] = res.get("rows", min(files * FILE_ROWS, args.rows))
            out[f"pandas_{mode}"].append(res)
            label = f"pandas/{mode:<6} {res['rows']:>11.3g} rows:"
            if "killed" in res:
                print(f"{label} killed ({res['killed']})")
                break
            if files < n_files:  # the Dask path on the same subset, for equality
                if files not in subsets:
                    sub = measure(DASK_COUNTS.format(files=files, **fmt))
                    subsets[files] = {k: sub[k] for k in ("seconds", "peak_gib", "G", "kl")}
                ref = subsets[files]
                res["dask_same_subset"] = ref
            else:
                ref = dask_full
            res["equal_to_dask"] = ref["G"] == res["G"] and ref["kl"] == res["kl"]
            print(
                f"{label} {res['seconds']:7.1f} s (read {res['read_seconds']:.1f} s), peak "
                f"{res['peak_gib']:.2f} GiB, frame {res['frame_gib']:.2f} GiB, Dask "
                f"{ref['seconds']:.1f} s / {ref['peak_gib']:.2f} GiB, equal: "
                f"{res['equal_to_dask']}"
            )
    return out


def knn_section(args, scratch: Path) -> dict:
    n = args.knn_n
    paths = {"x": scratch / "x.npy", "y": scratch / "y.npy"}
    subprocess.run([sys.executable, "-c", KNN_DATA.format(n=n, **paths)], check=True)
    fmt = {"block": min(n, 1_000_000), "resamples": args.knn_resamples, **paths}
    out: dict = {"n": n, "d": 3, "k": 1, "block_rows": fmt["block"]}
    for name, blocks in (("dask_tree", False), ("dask_blocks", True)):
        code = KNN_DASK.format(blocks=blocks, workers=args.workers, **fmt)
        res = measure(code, cap=args.pandas_cap)
        out[name] = res
        if "killed" in res:
            print(f"k-NN {name:<12} n = {n:.0e}: killed ({res['killed']})")
            continue
        print(
            f"k-NN {name:<12} n = {n:.0e}: {res['seconds']:7.1f} s, peak "
            f"{res['peak_gib']:.2f} GiB, estimate {res['estimate']:.15f} ({res['strategy']}); "
            f"interval {res['ci_seconds']:.1f} s"
        )
    res = measure(KNN_MEMORY.format(**fmt), cap=args.pandas_cap)
    out["in_memory"] = res
    if "killed" in res:
        print(f"k-NN in memory     n = {n:.0e}: killed ({res['killed']})")
        return out
    print(
        f"k-NN in memory     n = {n:.0e}: {res['seconds']:7.1f} s, peak "
        f"{res['peak_gib']:.2f} GiB, estimate {res['estimate']:.15f}; interval "
        f"{res['ci_seconds']:.1f} s"
    )
    for name in ("dask_tree", "dask_blocks"):
        if "killed" in res or "killed" in out[name]:
            continue
        out[name]["abs_diff_to_in_memory"] = abs(out[name]["estimate"] - res["estimate"])
        out[name]["ci_abs_diff"] = [
            abs(a - b) for a, b in zip(out[name]["ci"], res["ci"], strict=True)
        ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="4e6 rows, k-NN n = 1e5")
    parser.add_argument("--rows", type=int, default=200_000_000)
    parser.add_argument("--knn-n", type=int, default=10_000_000)
    parser.add_argument("--knn-resamples", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--processes",
        action="store_true",
        help="counts on worker processes (default: one in-process worker, threads)",
    )
    parser.add_argument("--worker-memory", default="1GiB", help="per worker process")
    parser.add_argument(
        "--pandas-files",
        type=int,
        nargs="*",
        default=[5, 10, 25],
        help="pandas subsets (files of 2e6 rows); the whole set is tried last",
    )
    parser.add_argument(
        "--pandas-cap", type=float, default=12.0, help="GiB; kill any child above it"
    )
    parser.add_argument("--dir", default=None, help="where to write data (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument("--skip-counts", action="store_true")
    parser.add_argument("--skip-knn", action="store_true")
    parser.add_argument("--out", default="bench_scale.json")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.knn_n, args.knn_resamples = 2 * FILE_ROWS, 100_000, 20
        args.pandas_files = [1]
    scratch = Path(tempfile.mkdtemp(prefix="klstats-scale-", dir=args.dir))
    results: dict = {"cpu_count": os.cpu_count(), "args": vars(args)}
    try:
        if not args.skip_counts:
            results["counts"] = counts_section(args, scratch / "data")
        if not args.skip_knn:
            results["knn"] = knn_section(args, scratch)
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    Path(args.out).write_text(json.dumps(results, indent=2, default=str))
    print(f"results in {args.out}")


if __name__ == "__main__":
    main()
