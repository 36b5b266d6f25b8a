# Reference values for the exact and Monte Carlo p-values of klstats' G-tests
# (tests/test_gtests_auto.py), in base R:
#  * exact conditional p-values P(S >= S_obs | margins) by brute-force enumeration of
#    every r x c table with the observed margins (multiple hypergeometric law), for
#    S = G (likelihood ratio) and S = X^2 (Pearson);
#  * fisher.test() for 2 x 2 tables (orders tables by probability, not by G: equal to
#    the G-ordered p-value only where the two orderings agree, recorded as `same_order`);
#  * chisq.test(simulate.p.value = TRUE, B = 1e5): Monte Carlo Pearson p-value
#    (r2dtable, Patefield's algorithm); compared with klstats' exact Pearson-ordered
#    enumeration within Monte Carlo error;
#  * a Monte Carlo G p-value from r2dtable (B = 1e5), compared with klstats' exact and
#    Monte Carlo G p-values within Monte Carlo error;
#  * exact goodness-of-fit p-values P(G >= G_obs) over every multinomial outcome.
#
# Run from the repository root:  Rscript tests/reference/gtests_auto.R
# Writes tests/reference/gtests_auto.csv (case, quantity, value).
set.seed(20261206)
out <- data.frame(case = character(), quantity = character(), value = numeric(),
                  stringsAsFactors = FALSE)
add <- function(case, quantity, value)
  out <<- rbind(out, data.frame(case = case, quantity = quantity, value = as.numeric(value)))

g_stat <- function(t) {
  e <- outer(rowSums(t), colSums(t)) / sum(t)
  2 * sum(ifelse(t > 0, t * log(t / e), 0))
}
x2_stat <- function(t) {
  e <- outer(rowSums(t), colSums(t)) / sum(t)
  sum((t - e)^2 / e)
}
log_prob <- function(t) {
  sum(lfactorial(rowSums(t))) + sum(lfactorial(colSums(t))) - lfactorial(sum(t)) -
    sum(lfactorial(t))
}
# every table with row sums r and column sums c (recursive over rows)
all_tables <- function(r, c) {
  if (length(r) == 1) return(list(matrix(c, nrow = 1)))
  res <- list()
  rows <- function(total, caps) {
    if (length(caps) == 1) {
      if (total <= caps) return(list(total)) else return(list())
    }
    acc <- list()
    for (v in 0:min(total, caps[1])) {
      for (rest in rows(total - v, caps[-1])) acc[[length(acc) + 1]] <- c(v, rest)
    }
    acc
  }
  for (first in rows(r[1], c)) {
    for (sub in all_tables(r[-1], c - first)) {
      res[[length(res) + 1]] <- rbind(first, sub, deparse.level = 0)
    }
  }
  res
}
exact_p <- function(t, stat) {
  tabs <- all_tables(rowSums(t), colSums(t))
  s_obs <- stat(t)
  s <- sapply(tabs, stat)
  lp <- sapply(tabs, log_prob)
  sum(exp(lp[s >= s_obs - 1e-7 * max(1, s_obs)]))
}
mc_g <- function(t, B) {
  s_obs <- g_stat(t)
  sims <- r2dtable(B, rowSums(t), colSums(t))
  s <- vapply(sims, g_stat, 0)
  (1 + sum(s >= s_obs - 1e-7 * max(1, s_obs))) / (B + 1)
}

tables <- list(
  # Fisher's (1935) tea-tasting experiment
  tea = matrix(c(3, 1, 1, 3), 2, byrow = TRUE),
  # a 2 x 2 table with unbalanced margins
  larynx = matrix(c(21, 2, 15, 3), 2, byrow = TRUE),
  small_2x2 = matrix(c(7, 1, 2, 6), 2, byrow = TRUE),
  small_3x3 = matrix(c(3, 1, 2, 1, 4, 2, 2, 2, 3), 3, byrow = TRUE),
  small_2x4 = matrix(c(5, 0, 2, 1, 1, 4, 3, 2), 2, byrow = TRUE),
  sparse_3x4 = matrix(c(4, 0, 1, 0, 0, 3, 0, 2, 1, 0, 3, 1), 3, byrow = TRUE)
)
for (name in names(tables)) {
  t <- tables[[name]]
  add(name, "G", g_stat(t))
  add(name, "exact_G", exact_p(t, g_stat))
  add(name, "exact_X2", exact_p(t, x2_stat))
  add(name, "mc_G_B1e5", mc_g(t, 1e5))
  add(name, "chisq_sim_B1e5", suppressWarnings(chisq.test(t, simulate.p.value = TRUE, B = 1e5)$p.value))
  if (all(dim(t) == 2)) {
    add(name, "fisher", fisher.test(t)$p.value)
    # do G order and probability order give the same tail for the observed table?
    tabs <- all_tables(rowSums(t), colSums(t))
    lp <- sapply(tabs, log_prob); g <- sapply(tabs, g_stat)
    tail_g <- g >= g_stat(t) - 1e-7
    tail_p <- lp <= log_prob(t) + 1e-7
    add(name, "same_order", all(tail_g == tail_p))
  }
}

# goodness of fit: exact P(G >= G_obs) by enumerating every multinomial outcome
compositions <- function(n, k) {
  if (k == 1) return(matrix(n, 1, 1))
  do.call(rbind, lapply(0:n, function(v) cbind(v, compositions(n - v, k - 1))))
}
gof <- list(
  ab_small = list(x = c(3, 7), p = c(0.5, 0.5)),
  die_12 = list(x = c(4, 1, 0, 2, 3, 2), p = rep(1 / 6, 6)),
  mendel_small = list(x = c(9, 2, 4, 1), p = c(9, 3, 3, 1) / 16)
)
for (name in names(gof)) {
  x <- gof[[name]]$x; p <- gof[[name]]$p; n <- sum(x)
  gs <- function(o) 2 * sum(ifelse(o > 0, o * log(o / (n * p)), 0))
  all <- compositions(n, length(x))
  g <- apply(all, 1, gs)
  lp <- apply(all, 1, function(o) dmultinom(o, prob = p, log = TRUE))
  add(name, "G", gs(x))
  add(name, "exact_G", sum(exp(lp[g >= gs(x) - 1e-7 * max(1, gs(x))])))
  sims <- rmultinom(1e5, n, p)
  gsim <- apply(sims, 2, gs)
  add(name, "mc_G_B1e5", (1 + sum(gsim >= gs(x) - 1e-7 * max(1, gs(x)))) / (1e5 + 1))
}
write.csv(out, "tests/reference/gtests_auto.csv", row.names = FALSE)
print(out)
