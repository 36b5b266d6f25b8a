# Reference values for tests/test_gtests.py, computed in base R from the formulas
# (DescTools is not packaged for Debian): G, Williams' q (Sokal & Rohlf 1995, as in
# DescTools::GTest), Yates' correction (DescTools::GTest rule; every case below has
# |O - E| >= 0.5, where it agrees with the capped rule), chisq.test() standardized
# residuals, and exact goodness-of-fit p-values by enumerating every multinomial outcome.
#
# Run from the repository root:  Rscript tests/reference/gtests.R
# Writes tests/reference/gtests.csv (long format: case, quantity, index, value).

source("tests/reference/long_format.R")  # out, add()

g_stat <- function(o, e) 2 * sum(o[o > 0] * log(o[o > 0] / e[o > 0]))

# ---------------------------------------------------------------- goodness of fit
gof <- list(
  crossbills = list(x = c(1752, 1895), p = c(1, 1)),
  rice = list(x = c(772, 1611, 737), p = c(1, 2, 1)),
  foraging = list(x = c(70, 79, 3, 4), p = c(0.54, 0.40, 0.05, 0.01)),
  desctools = list(x = c(89, 37, 30, 28, 2), p = c(0.40, 0.20, 0.20, 0.19, 0.01)),
  small = list(x = c(1, 7), p = c(1, 3))
)
for (name in names(gof)) {
  x <- gof[[name]]$x
  p <- gof[[name]]$p / sum(gof[[name]]$p)
  n <- sum(x); k <- length(x); df <- k - 1
  e <- n * p
  g <- g_stat(x, e)
  q <- 1 + (k^2 - 1) / (6 * n * df)
  add(name, "G", g)
  add(name, "df", df)
  add(name, "pvalue", pchisq(g, df, lower.tail = FALSE))
  add(name, "williams_q", q)
  add(name, "G_williams", g / q)
  add(name, "pvalue_williams", pchisq(g / q, df, lower.tail = FALSE))
  add(name, "stdres", suppressWarnings(chisq.test(x, p = p)$stdres))
  if (k == 2) {
    xy <- x
    if (x[1] - e[1] > 0.25) xy <- x + c(-0.5, 0.5) else if (e[1] - x[1] > 0.25) xy <- x + c(0.5, -0.5)
    add(name, "G_yates", g_stat(xy, e))
    add(name, "pvalue_yates", pchisq(g_stat(xy, e), df, lower.tail = FALSE))
  }
}

# ---------------------------------------------------------------- independence
tables <- list(
  agresti = rbind(c(762, 327, 468), c(484, 239, 477)),
  apolipoprotein = rbind(c(268, 807), c(199, 759), c(42, 184)),
  sokal_731 = rbind(c(12, 22), c(16, 50)),
  sokal_738 = rbind(c(29, 11), c(273, 191), c(8, 31), c(64, 64)),
  adh = rbind(c(7, 2), c(17, 42)),
  methods_c3 = rbind(c(21, 2), c(15, 3))
)
for (name in names(tables)) {
  x <- tables[[name]]
  n <- sum(x); sr <- rowSums(x); sc <- colSums(x)
  e <- outer(sr, sc) / n
  df <- (nrow(x) - 1) * (ncol(x) - 1)
  g <- g_stat(x, e)
  q <- 1 + (n * sum(1 / sr) - 1) * (n * sum(1 / sc) - 1) / (6 * n * df)
  add(name, "G", g)
  add(name, "df", df)
  add(name, "pvalue", pchisq(g, df, lower.tail = FALSE))
  add(name, "williams_q", q)
  add(name, "G_williams", g / q)
  add(name, "pvalue_williams", pchisq(g / q, df, lower.tail = FALSE))
  ct <- suppressWarnings(chisq.test(x, correct = FALSE))
  add(name, "pearson", ct$statistic)
  add(name, "stdres", t(ct$stdres))  # row-major, like numpy
  if (all(dim(x) == 2)) {
    xy <- x
    if (x[1, 1] * x[2, 2] - x[1, 2] * x[2, 1] > 0) {
      xy <- x + 0.5; diag(xy) <- diag(xy) - 1
    } else {
      xy <- x - 0.5; diag(xy) <- diag(xy) + 1
    }
    add(name, "G_yates", g_stat(xy, e))
    add(name, "pvalue_yates", pchisq(g_stat(xy, e), df, lower.tail = FALSE))
  }
}

# ---------------------------------------------------------------- exact goodness of fit
compositions <- function(n, k) {
  if (k == 1) return(matrix(n, 1, 1))
  do.call(rbind, lapply(0:n, function(v) cbind(v, compositions(n - v, k - 1))))
}
exact_cases <- list(
  exact_a = list(x = c(3, 1, 0, 2), p = c(1, 1, 1, 1)),
  exact_b = list(x = c(0, 1, 5, 2), p = c(0.1, 0.2, 0.3, 0.4)),
  exact_c = list(x = c(6, 0, 1), p = c(0.5, 0.3, 0.2)),
  exact_d = list(x = c(1, 7), p = c(1, 3))
)
for (name in names(exact_cases)) {
  x <- exact_cases[[name]]$x
  p <- exact_cases[[name]]$p / sum(exact_cases[[name]]$p)
  n <- sum(x)
  g_obs <- g_stat(x, n * p)
  all_x <- compositions(n, length(x))
  g_all <- apply(all_x, 1, function(o) g_stat(o, n * p))
  prob <- apply(all_x, 1, function(o) dmultinom(o, prob = p))
  add(name, "G", g_obs)
  add(name, "pvalue_exact", sum(prob[g_all >= g_obs * (1 - 1e-9) - 1e-12]))
  add(name, "n_outcomes", nrow(all_x))
}

header <- c(
  "# Reference values for klstats G-tests (tests/test_gtests.py).",
  paste0("# Produced by tests/reference/gtests.R with ", R.version.string,
         " (base R only: stats ", packageVersion("stats"), ")."),
  "# Long format: case, quantity, index (element of a vector/row-major table), value."
)
con <- file("tests/reference/gtests.csv", "w")
writeLines(header, con)
write.csv(out, con, row.names = FALSE, quote = FALSE)
close(con)
