"""Make the figures of the klstats gallery and user guide.

Run from anywhere::

    python docs/gallery/make_figures.py            # every figure
    python docs/gallery/make_figures.py vi_fits    # some of them

Each ``fig_*`` function is a worked example on a bundled data set (the gallery pages
show their code) and returns a matplotlib Figure; the PNG files are written to
``docs/gallery/images/``. Every random draw is seeded, so the images are reproducible.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import optimize, stats

import klstats as kls

IMAGES = Path(__file__).resolve().parent / "images"
DPI = 72


# =========================================================================== goodness of fit


def fig_nuthatch_counts():
    birds = kls.datasets.load("nuthatch_foraging")
    res = kls.g_test(
        birds["observed"],
        birds["canopy_proportion"],
        correction="williams",
        method="montecarlo",
        rng=20140101,
    )
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    res.plot(ax=left)  # observed vs expected, standardized residuals above the bars
    res.plot(ax=right, kind="null")  # the simulated null distribution of G
    return fig


def fig_geiger_counts():
    geiger = kls.datasets.load("rutherford_geiger")
    k, freq = geiger.index.to_numpy(), geiger["frequency"].to_numpy()
    lam = (k * freq).sum() / freq.sum()  # maximum likelihood: the mean count
    probs = stats.poisson(lam).pmf(np.arange(10))
    # pool the sparse upper tail into one category "10+"
    observed = np.append(freq[:10], freq[10:].sum())
    probs = np.append(probs, stats.poisson(lam).sf(9))
    labels = [*map(str, range(10)), "10+"]
    res = kls.g_test(
        pd.Series(observed, index=labels, name="count"), pd.Series(probs, index=labels), ddof=1
    )
    fig, ax = plt.subplots(figsize=(7, 4))
    res.plot(ax=ax)
    ax.set_xlabel("alpha particles per 7.5 s interval")
    return fig


# =========================================================================== tables


def fig_party_residuals():
    table = kls.datasets.load("gender_party")
    table.columns.name = "party identification"
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    kls.g_test_independence(table).plot(ax=ax)
    return fig


def fig_ucb_simpson():
    ucb = kls.datasets.load("ucb_admissions")
    pooled = ucb.pivot_table(index="Gender", columns="Admit", values="Freq", aggfunc="sum")
    dept_a = ucb[ucb["Dept"] == "A"].pivot_table(
        index="Gender", columns="Admit", values="Freq", aggfunc="sum"
    )
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    kls.g_test_independence(pooled).plot(ax=left)
    left.set_title("All departments\n" + left.get_title().split("\n")[1], fontsize="medium")
    kls.g_test_independence(dept_a).plot(ax=right)
    right.set_title("Department A\n" + right.get_title().split("\n")[1], fontsize="medium")
    return fig


# =========================================================================== two samples


def fig_eye_colour_intervals():
    hec = kls.datasets.load("hair_eye_color")
    eyes = hec.pivot_table(index="Sex", columns="Eye", values="Freq", aggfunc="sum")
    d = kls.kl_divergence(eyes.loc["Female"], eyes.loc["Male"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    d.plot(ax=left, method="percentile", rng=1974)
    d.plot(ax=right, rng=1974)  # the default interval: noncentral chi-square inversion
    left.set_title("percentile bootstrap interval", fontsize="medium")
    right.set_title("default interval (ncx2 inversion)", fontsize="medium")
    return fig


def fig_chickwts_null():
    chicks = kls.datasets.load("chickwts")
    soybean = chicks.loc[chicks["feed"] == "soybean", "weight"].to_numpy(float)
    casein = chicks.loc[chicks["feed"] == "casein", "weight"].to_numpy(float)
    # weights are recorded to the gram: spread each over its rounding interval
    rng = np.random.default_rng(1948)
    soybean = soybean + rng.uniform(-0.5, 0.5, soybean.size)
    casein = casein + rng.uniform(-0.5, 0.5, casein.size)
    res = kls.kl_test(soybean, casein, estimator="wang", k=3, n_resamples=1999, rng=1948)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    res.plot(ax=ax)
    return fig


# =========================================================================== continuous fits


def fig_rivers_fits():
    rivers = kls.datasets.load("rivers")["length_miles"].to_numpy(float)
    grid = np.linspace(1, rivers.max(), 400)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(rivers, bins=40, density=True, color="0.8", edgecolor="0.5", label="141 rivers")
    for name, family in [("exponential", stats.expon), ("gamma", stats.gamma)]:
        params = family.fit(rivers, floc=0)
        ax.plot(grid, family(*params).pdf(grid), lw=2, label=name)
    params = stats.lognorm.fit(rivers, floc=0)
    ax.plot(grid, stats.lognorm(*params).pdf(grid), lw=2, ls="--", label="lognormal")
    ax.set_xlabel("length (miles)")
    ax.set_ylabel("density")
    ax.legend()
    return fig


def fig_rivers_tests():
    rivers = kls.datasets.load("rivers")["length_miles"]
    lr = kls.lr_test_distributions(rivers, "expon", "gamma", method="bootstrap", rng=1975)
    vuong = kls.vuong_test("lognorm", "gamma", data=rivers)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    lr.plot(ax=left)  # parametric-bootstrap null of LR, the observed LR far beyond it
    vuong.plot(ax=right)  # N(0, 1) with the two-sided tail beyond |Z|
    return fig


# =========================================================================== k-NN


def fig_knn_k():
    # P = N(0, I_d); Q the same but with standard deviation 2 in the first coordinate:
    # D(P||Q) = (1/4 - 1 + log 4) / 2 = 0.318 nats in every dimension d
    truth = (0.25 - 1 + np.log(4)) / 2
    rng = np.random.default_rng(2009)
    fig, ax = plt.subplots(figsize=(7, 4))
    for d, colour in zip((1, 5, 10, 20), ("C0", "C1", "C2", "C3"), strict=True):
        x = rng.normal(size=(1000, d))
        y = rng.normal(size=(1000, d))
        y[:, 0] *= 2.0
        kls.plot_knn_k(x, y, ks=range(1, 21), ax=ax, estimator="wang")
        ax.lines[-1].set(color=colour, label=f"d = {d}")
    ax.axhline(truth, color="k", ls=":", label=f"true D = {truth:.3f}")
    ax.set_title("Wang estimate against k, n = m = 1000", fontsize="medium")
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
    return fig


def fig_quakes():
    quakes = kls.datasets.load("quakes")
    deep = quakes.loc[quakes["depth"] >= 300, ["long", "lat"]]
    shallow = quakes.loc[quakes["depth"] < 300, ["long", "lat"]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.scatter(shallow["long"], shallow["lat"], s=6, c="C0", label="depth < 300 km")
    left.scatter(deep["long"], deep["lat"], s=6, c="C3", label="depth >= 300 km")
    left.set(xlabel="longitude", ylabel="latitude", title="Epicentres near Fiji")
    left.legend(fontsize="small")
    # k = 1 would meet the two repeated epicentres; the estimates drift with k
    kls.plot_knn_k(deep, shallow, ks=range(2, 21), ax=right, estimator="wang")
    right.lines[-1].set(color="C3", label="D(deep || shallow)")
    kls.plot_knn_k(shallow, deep, ks=range(2, 21), ax=right, estimator="wang")
    right.lines[-1].set(color="C0", label="D(shallow || deep)")
    right.set_ylabel("KL divergence (nats)")
    right.set_title("k-NN estimates against k", fontsize="medium")
    right.legend(fontsize="small")
    return fig


# =========================================================================== variational inference


class BimodalMixture:
    """p = 0.5 N(-2, 0.6^2) + 0.5 N(2, 0.6^2); ``logpdf`` makes it a klstats reference."""

    weights = np.array([0.5, 0.5])
    means = np.array([-2.0, 2.0])
    sd = 0.6

    def logpdf(self, x):
        x = np.asarray(x, dtype=float)[..., None]
        comp = stats.norm.logpdf(x, self.means, self.sd) + np.log(self.weights)
        return np.logaddexp.reduce(comp, axis=-1)

    def pdf(self, x):
        return np.exp(self.logpdf(x))

    def rvs(self, size, rng):
        which = rng.choice(2, size=size, p=self.weights)
        return rng.normal(self.means[which], self.sd)


def vi_fits(n=2000, seed=2024):
    """Fit N(mu, sigma) to the mixture by minimizing each direction of KL.

    Both objectives are klstats k-NN estimates from samples, with common random
    numbers: the draws from p and the standard normals z behind q's draws
    ``mu + sigma z`` stay fixed, so the objectives are smooth in (mu, sigma).
    """
    p = BimodalMixture()
    rng = np.random.default_rng(seed)
    x_p = p.rvs(n, rng)  # sample from the target p
    z = rng.standard_normal(n)  # q's sample is mu + sigma z

    def forward(theta):  # D(p || q): x ~ p, q known
        q = stats.norm(theta[0], np.exp(theta[1]))
        return kls.kl_divergence_knn(x_p, reference=q, estimator="wang").estimate

    def reverse(theta):  # D(q || p): x ~ q, p known through its log density
        return kls.kl_divergence_knn(
            theta[0] + np.exp(theta[1]) * z, reference=p, estimator="wang"
        ).estimate

    start = [1.0, 0.0]  # mu = 1, sigma = 1
    fwd = optimize.minimize(forward, start, method="Nelder-Mead")
    rev = optimize.minimize(reverse, start, method="Nelder-Mead")
    return {
        "mass-covering": (fwd.x[0], np.exp(fwd.x[1]), fwd.fun),
        "mode-seeking": (rev.x[0], np.exp(rev.x[1]), rev.fun),
    }


def fig_vi_fits():
    p = BimodalMixture()
    fits = vi_fits()
    grid = np.linspace(-5, 5, 500)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(grid, p.pdf(grid), color="0.85", label="target p (mixture)")
    styles = {"mode-seeking": ("C3", "min D(q||p)"), "mass-covering": ("C0", "min D(p||q)")}
    for name, (mu, sigma, _) in fits.items():
        colour, what = styles[name]
        label = f"{what}: {name}, mu = {mu:.2f}, sigma = {sigma:.2f}"
        ax.plot(grid, stats.norm(mu, sigma).pdf(grid), color=colour, lw=2, label=label)
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.set_ylim(0, 0.75)
    ax.legend(fontsize="small", loc="upper left")
    return fig


def vi_landscapes(n=1000, seed=2024):
    """Both divergences on a (mu, sigma) grid, each estimated from two samples."""
    p = BimodalMixture()
    rng = np.random.default_rng(seed)
    x_p = p.rvs(n, rng)
    z = rng.standard_normal(n)
    mus = np.linspace(-3.5, 3.5, 36)
    sigmas = np.geomspace(0.3, 4.0, 30)
    fwd = np.empty((sigmas.size, mus.size))
    rev = np.empty_like(fwd)
    for i, sigma in enumerate(sigmas):
        for j, mu in enumerate(mus):
            x_q = mu + sigma * z
            fwd[i, j] = kls.kl_divergence_knn(x_p, x_q, estimator="wang").estimate  # D(p||q)
            rev[i, j] = kls.kl_divergence_knn(x_q, x_p, estimator="wang").estimate  # D(q||p)
    return mus, sigmas, fwd, rev


def fig_vi_landscape():
    mus, sigmas, fwd, rev = vi_landscapes()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, values, title in ((axes[0], rev, "D(q||p)"), (axes[1], fwd, "D(p||q)")):
        levels = np.round(np.quantile(values, np.linspace(0, 0.9, 12)), 2)
        cs = ax.contourf(mus, sigmas, values, levels=levels, cmap="viridis_r", extend="max")
        i, j = np.unravel_index(np.argmin(values), values.shape)
        ax.plot(mus[j], sigmas[i], "w*", ms=14, mec="k")
        ax.set_yscale("log")
        ax.set_yticks([0.3, 0.5, 1, 2, 4], labels=["0.3", "0.5", "1", "2", "4"])
        ax.set_xlabel("mu")
        ax.set_title(f"{title} estimated from two samples", fontsize="medium")
        fig.colorbar(cs, ax=ax, label="nats")
    axes[0].set_ylabel("sigma")
    return fig



# =========================================================================== whole tables


def fig_airquality_drift():
    aq = kls.datasets.load("airquality")
    may = aq[aq["Month"] == 5].drop(columns="Month")
    august = aq[aq["Month"] == 8].drop(columns="Month")
    res = kls.compare_frames(may, august, rng=1973)
    fig, ax = plt.subplots(figsize=(6.5, 3))
    res.plot(ax=ax)
    return fig


# =========================================================================== driver


FIGURES = {
    name[4:]: obj
    for name, obj in sorted(globals().items())
    if name.startswith("fig_") and callable(obj)
}


def main(argv: list[str]) -> int:
    names = argv or list(FIGURES)
    unknown = sorted(set(names) - set(FIGURES))
    if unknown:
        print(f"unknown figure(s) {unknown}; available: {list(FIGURES)}", file=sys.stderr)
        return 2
    IMAGES.mkdir(exist_ok=True)
    plt.rcParams.update({"font.size": 9, "savefig.dpi": DPI})
    for name in names:
        start = time.perf_counter()
        fig = FIGURES[name]()
        fig.tight_layout()
        out = IMAGES / f"{name}.png"
        # no software version in the metadata: reruns give the same bytes
        fig.savefig(out, metadata={"Software": None})
        plt.close(fig)
        took = time.perf_counter() - start
        print(f"{out.name}: {out.stat().st_size / 1024:.0f} KB, {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
