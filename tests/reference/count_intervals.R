# Reference values for tests/test_count_reference.py: the pieces of the default count
# intervals of klstats, computed independently in base R from their definitions.
#
# Run from the repository root:  Rscript tests/reference/count_intervals.R
# Writes tests/reference/count_intervals.csv (long format: case, quantity, index, value).
#
# What is computed, per case:
#   * plug-in estimates (KL one and two samples, entropy) from the frequencies;
#   * Zhang & Grabchak (2014, Neural Comput. 26:2570-2593) two-sample KL in their
#     product-sum form (klstats uses the equivalent digamma closed form);
#   * the delete-one jackknife variance (Efron & Stein 1981, Ann. Statist. 9:586-596) by
#     brute force: every observation deleted in turn, the estimator recomputed, summed
#     over the two samples for two-sample estimators;
#   * noncentral chi-square test-inversion limits of s = scale * D_plugin (pchisq with
#     ncp, roots by uniroot; R's noncentral chi-square algorithm, not scipy's);
#   * the variance-adjusted inversion: lambda in the set where
#     alpha/2 < pchisq(s - lambda (1 - c), df, ncp = c lambda) < 1 - alpha/2,
#     c = scale^2 v / (4 s) from the jackknife variance v (kept in [0.25, 4], at most 1.5
#     when s is below the chi-square median; 1 when s or v is 0), lower limit 0 when the chi-square test of
#     D = 0 does not reject at alpha/2, and the power-constrained upper limit (Cowan,
#     Cranmer, Gross & Vitells 2011, arXiv:1105.3166): the limit at the chi-square median
#     when s is below it;
#   * the default 95 % intervals: one-sample plug-in KL; two-sample plug-in KL (its own
#     inversion joined with Zhang's interval, which joins the inversion of
#     scale * D_zhang + df with that of s, both with c from Zhang's jackknife variance);
#     plug-in entropy (the interval for log K - H = D(p || uniform), mapped back, with the
#     power-constrained lower limit).

source("tests/reference/long_format.R")  # out, add()
ALPHA <- 0.05

kl_q <- function(x, q) {  # plug-in D(p_hat || q), q known
  p <- x / sum(x)
  sum(ifelse(x > 0, p * log(p / q), 0))
}
kl2 <- function(x, y) kl_q(x, y / sum(y))
ent <- function(x) {
  p <- x / sum(x)
  -sum(ifelse(x > 0, p * log(p), 0))
}
zhang2 <- function(x, y) {
  # Zhang & Grabchak (2014): sum_k p_hat_k [ A_k - B_k ],
  # A_k = sum_{v=1}^{m - y_k} (1/v) prod_{j=1}^{v} (1 - y_k / (m - j + 1))   (for -log q_k)
  # B_k = sum_{v=1}^{n - x_k} (1/v) prod_{j=1}^{v} (1 - (x_k - 1) / (n - j)) (for -log p_k)
  n <- sum(x); m <- sum(y)
  total <- 0
  for (k in which(x > 0)) {
    a <- 0
    if (m - y[k] >= 1) for (v in 1:(m - y[k])) a <- a + prod(1 - y[k] / (m - (1:v) + 1)) / v
    b <- 0
    if (n - x[k] >= 1) for (v in 1:(n - x[k])) b <- b + prod(1 - (x[k] - 1) / (n - (1:v))) / v
    total <- total + x[k] / n * (a - b)
  }
  total
}

# delete-one jackknife variance of f over the observations of the count vector x
jack_var <- function(x, f) {
  n <- sum(x)
  vals <- numeric(0)
  for (k in seq_along(x)) {
    if (x[k] == 0) next
    xk <- x
    xk[k] <- xk[k] - 1
    vals <- c(vals, rep(f(xk), x[k]))  # one value per deleted observation
  }
  (n - 1) / n * sum((vals - mean(vals))^2)
}

ncx2_limits <- function(s, df, scale, alpha = ALPHA) {
  s <- max(s, 0)
  solve <- function(target) {
    if (pchisq(s, df) <= target) return(0)
    hi <- max(1, s)
    while (pchisq(s, df, ncp = hi) > target) hi <- 2 * hi
    uniroot(function(l) pchisq(s, df, ncp = l) - target, c(0, hi), tol = 1e-13)$root
  }
  c(solve(1 - alpha / 2), solve(alpha / 2)) / scale
}

var_factor <- function(s_var, scale, v, df) {
  if (!(s_var > 0 && v > 0)) return(1)  # undefined: the plain inversion
  c <- min(max(scale^2 * v / (4 * s_var), 0.25), 4)
  if (s_var < qchisq(0.5, df)) c <- min(c, 1.5)
  c
}

adj_limits <- function(s, df, scale, c, alpha = ALPHA) {
  s <- max(s, 0)
  if (c == 1) return(ncx2_limits(s, df, scale, alpha))  # c = 1: the plain inversion
  G <- function(l) {
    x <- s - l * (1 - c)
    if (x <= 0) return(0)
    if (l == 0) pchisq(x, df) else pchisq(x, df, ncp = c * l)
  }
  lo_t <- alpha / 2; hi_t <- 1 - alpha / 2
  hi <- max(1, 2 * (s + df))
  while (G(hi) > lo_t) hi <- 2 * hi
  grid <- seq(0, hi, length.out = 4001)
  g <- vapply(grid, G, 0)
  inside <- g > lo_t & g < hi_t
  first <- min(which(inside)); last <- max(which(inside))
  root <- function(a, b, t) uniroot(function(l) G(l) - t, c(a, b), tol = 1e-13)$root
  lower <- if (first == 1) 0 else
    root(grid[first - 1], grid[first], if (g[first - 1] >= hi_t) hi_t else lo_t)
  upper <- root(grid[last], grid[last + 1], if (g[last + 1] <= lo_t) lo_t else hi_t)
  if (pchisq(s, df) <= 1 - alpha / 2) lower <- 0
  c(lower, upper) / scale
}

pcl_upper <- function(s, df, scale, upper) {
  med <- qchisq(0.5, df)
  if (s < med) max(upper, ncx2_limits(med, df, scale)[2]) else upper
}

# ---------------------------------------------------------------- one sample, known Q
one <- list(
  # Mendel (1866): round yellow, round green, wrinkled yellow, wrinkled green vs 9:3:3:1
  peas = list(x = c(315, 108, 101, 32), q = c(9, 3, 3, 1) / 16),
  # McDonald, Handbook of Biological Statistics (3rd ed.), foraging example
  foraging = list(x = c(70, 79, 3, 4), q = c(0.54, 0.40, 0.05, 0.01))
)
for (name in names(one)) {
  x <- one[[name]]$x; q <- one[[name]]$q
  n <- sum(x); df <- length(x) - 1; scale <- 2 * n
  d <- kl_q(x, q); s <- scale * d
  v <- jack_var(x, function(z) kl_q(z, q))
  cf <- var_factor(s, scale, v, df)
  lim <- adj_limits(s, df, scale, cf)
  lim[2] <- pcl_upper(s, df, scale, lim[2])
  add(name, "estimate", d)
  add(name, "jackknife_var", v)
  add(name, "c", cf)
  add(name, "ncx2", ncx2_limits(s, df, scale))
  add(name, "default", c(max(lim[1], 0), lim[2]))
}

# ---------------------------------------------------------------- two samples
two <- list(
  # a data set of the coverage grid (K = 10, Zipf-like Q, D = 0.5, n = m = 30)
  sparse = list(x = c(20, 7, 1, 1, 1, 0, 0, 0, 0, 0), y = c(11, 8, 3, 2, 2, 0, 1, 1, 1, 1)),
  shifted = list(x = c(30, 12, 5, 3), y = c(12, 15, 13, 10))
)
for (name in names(two)) {
  x <- two[[name]]$x; y <- two[[name]]$y
  n <- sum(x); m <- sum(y)
  df <- sum(x + y > 0) - 1; scale <- 2 * n * m / (n + m)
  d <- kl2(x, y); s <- scale * d
  v <- jack_var(x, function(z) kl2(z, y)) + jack_var(y, function(z) kl2(x, z))
  cf <- var_factor(s, scale, v, df)
  own <- adj_limits(s, df, scale, cf)
  z <- zhang2(x, y)
  vz <- jack_var(x, function(a) zhang2(a, y)) + jack_var(y, function(b) zhang2(x, b))
  cz <- var_factor(s, scale, vz, df)
  s_z <- max(scale * z + df, 0)
  zi <- adj_limits(s_z, df, scale, cz)
  zp <- adj_limits(s, df, scale, cz)
  zint <- c(min(zi[1], zp[1]), max(zi[2], zp[2]))  # Zhang's default interval
  lim <- c(min(own[1], zint[1]), max(own[2], zint[2]))
  lim[2] <- pcl_upper(s, df, scale, lim[2])
  add(name, "estimate", d)
  add(name, "zhang", z)
  add(name, "jackknife_var", v)
  add(name, "zhang_jackknife_var", vz)
  add(name, "c", cf)
  add(name, "ncx2", ncx2_limits(s, df, scale))
  add(name, "zhang_default", c(max(zint[1], 0), pcl_upper(s_z, df, scale, zint[2])))
  add(name, "default", c(max(lim[1], 0), lim[2]))
}

# ---------------------------------------------------------------- entropy
hs <- list(skewed = c(25, 18, 9, 5, 3), uniform = c(10, 10, 10, 10, 10))
for (name in names(hs)) {
  x <- hs[[name]]
  n <- sum(x); K <- length(x); df <- K - 1; scale <- 2 * n
  h <- ent(x); s <- max(scale * (log(K) - h), 0)
  v <- jack_var(x, ent)
  cf <- var_factor(s, scale, v, df)
  dl <- adj_limits(s, df, scale, cf)
  lim <- c(log(K) - dl[2], log(K) - dl[1])
  if (s < qchisq(0.5, df)) {
    d_pcl <- ncx2_limits(qchisq(0.5, df), df, scale)[2]
    lim[1] <- min(lim[1], log(K) - d_pcl)
  }
  add(name, "estimate", h)
  add(name, "jackknife_var", v)
  add(name, "c", cf)
  add(name, "default", c(max(lim[1], 0), min(lim[2], log(K))))
}

write.csv(out, "tests/reference/count_intervals.csv", row.names = FALSE)
cat(sprintf("%s %s %s %.12g\n", out$case, out$quantity, out$index, out$value), sep = "")
