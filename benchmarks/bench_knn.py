"""Speed and memory of the k-NN estimators against the neighbour-search floor and peers.

Run from the repository root::

    python benchmarks/bench_knn.py            # n = m = 1e4, 1e5, 1e6 (1e6 takes minutes)
    python benchmarks/bench_knn.py --quick    # n = m = 1e4, 1e5, fewer repeats
    python benchmarks/bench_knn.py --max-n 100000 --no-peers

Sections:

1. ``kl_divergence_knn`` (d = 5) against the *floor* measured in the same run:
   ``scipy.spatial.cKDTree`` built on x and on y with default options and x queried
   against both with ``workers=-1``. The default (weighted) estimator uses every order
   j <= k of its default k (64 at n = 1e5), so its floor is one query of all k + 1 and k
   neighbours; Wang's estimator with k = 5 needs only the k-th column (``k=[k+1]``,
   ``k=[k]``). Time: best of ``--repeat`` interleaved runs. Memory: peak growth of the
   resident set of a fresh child process over its size before the call (everything,
   including the C++ tree nodes; Linux resets the peak through /proc/self/clear_refs),
   and the peak of numpy allocations under ``tracemalloc``.
2. ``--crossover``: KD-tree against blocked brute force (matrix products) over the
   dimension, for ``algorithm="auto"``.
3. Peers a user would pick instead, on the same data, as optional dependencies
   (``pip install divergence infomeasure universal-divergence scikit-learn``); missing
   ones are skipped. Ratios are peer time / klstats time (> 1: klstats is faster).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np
from scipy.spatial import cKDTree

import klstats as kls

D, K = 5, 5


def data(n, d=D, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = rng.standard_normal((n, d))
    y += 0.5
    return x, y


def floor(x, y, k=K):
    tx, ty = cKDTree(x), cKDTree(y)
    rho = tx.query(x, k=[k + 1], workers=-1)[0]
    nu = ty.query(x, k=[k], workers=-1)[0]
    return rho, nu


def default_k(x, y):
    from klstats._kernels._knn_weights import default_k as rule

    return rule(x.shape[0], x.shape[1], y.shape[0])


def floor_default(x, y):
    """One KD-tree query of all orders 1..k (k the default) from x into x and into y."""
    k = default_k(x, y)
    tx, ty = cKDTree(x), cKDTree(y)
    rho = tx.query(x, k=k + 1, workers=-1)[0]
    nu = ty.query(x, k=k, workers=-1)[0]
    return rho, nu


def klstats_wang(x, y, k=K):
    return kls.kl_divergence_knn(x, y, k=k, estimator="wang").estimate


def klstats_default(x, y):
    return kls.kl_divergence_knn(x, y).estimate


def best_of(fn, repeat):
    best = math.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def interleaved(fns, repeat):
    """Best time of each function, runs interleaved so that load changes hit all alike."""
    best = [math.inf] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t)
    return best


# --------------------------------------------------------------------------- memory


def _status_kb(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _child(which, n):
    x, y = data(n)
    fn = {
        "floor": floor,
        "klstats": klstats_wang,
        "floor_default": floor_default,
        "klstats_default": klstats_default,
    }[which]
    fn(x[:1000], y[:1000])  # imports and thread pools in place before measuring
    try:  # Linux: reset the peak resident set size to the current one
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        base = _status_kb("VmRSS")
        fn(x, y)
        rss = _status_kb("VmHWM") - base
    except OSError:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        fn(x, y)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    tracemalloc.start()
    fn(x, y)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({"rss_kb": rss, "traced": traced}))


def memory(which, n):
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- sections


def section_floor(sizes, repeat, memory_too=True):
    print(f"## kl_divergence_knn vs the KD-tree floor (d = {D}, workers=-1)\n")
    print(
        "| estimator | n = m | k | floor (s) | klstats (s) | time ratio | floor peak RSS (MB) "
        "| klstats peak RSS (MB) | RSS ratio | numpy peak ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        x, y = data(n)
        reps = repeat if n < 10**6 else max(1, repeat // 2)
        for label, fl, ours, names, k in (
            (
                "default (weighted)",
                floor_default,
                klstats_default,
                ("floor_default", "klstats_default"),
                default_k(x, y),
            ),
            ("wang, k = 5", floor, klstats_wang, ("floor", "klstats"), K),
        ):
            ours(x[:1000], y[:1000])  # warm up
            t_floor, t_kls = interleaved(
                [lambda x=x, y=y, fl=fl: fl(x, y), lambda x=x, y=y, ours=ours: ours(x, y)],
                reps,
            )
            if memory_too:
                mf, mk = memory(names[0], n), memory(names[1], n)
                mem = (
                    f"{mf['rss_kb'] / 1024:.0f} | {mk['rss_kb'] / 1024:.0f} | "
                    f"{mk['rss_kb'] / max(mf['rss_kb'], 1):.2f} | "
                    f"{mk['traced'] / max(mf['traced'], 1):.2f}"
                )
            else:
                mem = "- | - | - | -"
            print(
                f"| {label} | {n:.0e} | {k} | {t_floor:.3f} | {t_kls:.3f} | "
                f"{t_kls / t_floor:.2f} | {mem} |",
                flush=True,
            )
    print()


def section_crossover(n, repeat, dims=(5, 8, 10, 12, 15, 20, 30, 50)):
    print(f"## KD-tree vs blocked brute force (n = m = {n:.0e}, k = {K})\n")
    print("| d | kd-tree (s) | brute (s) | brute / kd-tree |")
    print("|---|---|---|---|")
    crossover = None
    for d in dims:
        x, y = data(n, d)
        t_tree, t_brute = interleaved(
            [
                lambda x=x, y=y: kls.kl_divergence_knn(
                    x, y, k=K, algorithm="kd-tree", estimator="wang"
                ),
                lambda x=x, y=y: kls.kl_divergence_knn(
                    x, y, k=K, algorithm="brute", estimator="wang"
                ),
            ],
            repeat,
        )
        if crossover is None and t_brute < t_tree:
            crossover = d
        print(f"| {d} | {t_tree:.3f} | {t_brute:.3f} | {t_brute / t_tree:.2f} |", flush=True)
    print(f"\nbrute force first faster at d = {crossover}\n")


def _peers():
    peers = {}
    try:
        import divergence

        peers["divergence.knn_kl_divergence"] = (
            "kl",
            lambda x, y: divergence.knn_kl_divergence(x, y, k=K),
        )
        peers["divergence.ksg_mutual_information"] = (
            "mi",
            lambda u, v: divergence.ksg_mutual_information(u, v, k=3),
        )
        peers["divergence.knn_entropy"] = ("h", lambda x: divergence.knn_entropy(x, k=3))
    except ImportError:
        pass
    try:
        import infomeasure as im

        peers["infomeasure.kld(metric)"] = (
            "kl",
            lambda x, y: im.kld(x, y, approach="metric", k=K),
        )
        peers["infomeasure.mi(ksg)"] = ("mi", lambda u, v: im.mi(u, v, approach="ksg", k=3))
        peers["infomeasure.entropy(metric)"] = (
            "h",
            lambda x: im.entropy(x, approach="metric", k=3),
        )
    except ImportError:
        pass
    try:
        from sklearn.feature_selection import mutual_info_regression

        peers["sklearn.mutual_info_regression"] = (
            "mi",
            lambda u, v: mutual_info_regression(u[:, None], v, n_neighbors=3, random_state=0)[0],
        )
    except ImportError:
        pass
    try:
        import universal_divergence

        peers["universal_divergence.estimate"] = (
            "kl-slow",
            lambda x, y: universal_divergence.estimate(x, y, k=K),
        )
        peers["universal_divergence.estimate(k=None)"] = (
            "adaptive-slow",
            lambda x, y: universal_divergence.estimate(x, y, k=None),
        )
    except ImportError:
        pass
    return peers


def section_peers(sizes, repeat, slow_max):
    peers = _peers()
    if not peers:
        print("## Peers: none installed\n")
        return
    print("## Peers on the same data (ratio = peer time / klstats time)\n")
    print("| task | n | peer | peer (s) | klstats (s) | ratio | peer value | klstats value |")
    print("|---|---|---|---|---|---|---|---|")
    ours = {
        "kl": lambda x, y: kls.kl_divergence_knn(x, y, k=K, estimator="wang").estimate,
        "adaptive": lambda x, y: kls.kl_divergence_knn(x, y, estimator="adaptive").estimate,
        "mi": lambda u, v: kls.mutual_information_knn(u, v, k=3, estimator="ksg1").estimate,
        "h": lambda x: kls.entropy_knn(x, k=3, estimator="kozachenko-leonenko").estimate,
    }
    for n in sizes:
        x, y = data(n)
        rng = np.random.default_rng(1)
        u = rng.standard_normal(n)
        v = 0.6 * u + 0.8 * rng.standard_normal(n)
        inputs = {"kl": (x, y), "adaptive": (x, y), "mi": (u, v), "h": (x,)}
        for name, (task, fn) in peers.items():
            slow = task.endswith("-slow")
            task = task.removesuffix("-slow")
            args = inputs[task]
            if slow:  # pure-Python peers: a smaller sample, once per size
                if n > sizes[0]:
                    continue
                args = tuple(a[: slow_max[task]] for a in args)
            vals = {}

            def run_peer(fn=fn, args=args, vals=vals):
                vals["peer"] = float(fn(*args))

            def run_ours(task=task, args=args, vals=vals):
                vals["ours"] = float(ours[task](*args))

            t_peer, t_ours = interleaved([run_peer, run_ours], 1 if slow else repeat)
            print(
                f"| {task} | {len(args[0]):.0e} | {name} | {t_peer:.3f} | {t_ours:.3f} | "
                f"{t_peer / t_ours:.2f} | {vals['peer']:.4f} | {vals['ours']:.4f} |",
                flush=True,
            )
    print()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n up to 1e5, 2 repeats")
    parser.add_argument("--max-n", type=float, default=1e6, help="largest n = m (default 1e6)")
    parser.add_argument("--repeat", type=int, default=None, help="timing repeats (best of)")
    parser.add_argument("--crossover", action="store_true", help="only the dimension sweep")
    parser.add_argument("--no-peers", action="store_true", help="skip the peers")
    parser.add_argument(
        "--crossover-n", type=float, default=1e4, help="n = m of the dimension sweep"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    max_n = min(args.max_n, 1e5) if args.quick else args.max_n
    repeat = args.repeat or (2 if args.quick else 3)
    sizes = [n for n in (10**4, 10**5, 10**6) if n <= max_n]
    print(
        f"klstats {kls.__version__}, numpy {np.__version__}, python "
        f"{sys.version.split()[0]}, {os.cpu_count()} cores\n"
    )
    if args.crossover:
        section_crossover(int(args.crossover_n), repeat)
        return
    section_floor(sizes, repeat)
    section_crossover(int(args.crossover_n), repeat)
    if not args.no_peers:
        section_peers(
            [n for n in sizes if n <= 10**5],
            repeat,
            {"kl": 10**4, "adaptive": 2000},
        )


if __name__ == "__main__":
    main()
