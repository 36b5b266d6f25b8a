# Reference values for klstats.vuong_test (tests/test_lrtests.py).
#
# 1. The example of pscl's ?vuong help page (Jackman 2024, pscl 1.5.5): Long's (1990)
#    biochemists data, Poisson GLM vs zero-inflated Poisson and negative binomial vs
#    zero-inflated negative binomial, all covariates in both parts (`art ~ . | .`).
#    (`EM = TRUE` of the help page fails in pscl 1.5.5 with "object 'model_count' not
#    found", so the default BFGS fit is used.)  pscl::vuong prints its z-statistics (raw,
#    AIC- and BIC-corrected) and returns NULL; the printed data frame is captured at 15 significant digits.  pscl divides by sd()
#    (n - 1 denominator); klstats follows Vuong's (1989) eq. 4.2 (1/n), so the tests
#    rescale by sqrt((n - 1)/n).  The per-observation log-likelihoods behind each
#    comparison are written too, so the formula can be checked on identical inputs.
# 2. Lognormal vs gamma fitted by maximum likelihood (MASS::fitdistr) to R's `rivers`
#    (lengths of 141 North American rivers), with Vuong's statistic computed directly
#    from the per-observation log densities.
#
# Run from this folder:  Rscript vuong.R
suppressPackageStartupMessages({
  library(pscl)
  library(MASS)
})
options(digits = 15)
data("bioChemists", package = "pscl")

d <- data.frame(
  art = bioChemists$art,
  fem = as.integer(bioChemists$fem == "Women"),
  mar = as.integer(bioChemists$mar == "Married"),
  kid5 = bioChemists$kid5,
  phd = bioChemists$phd,
  ment = bioChemists$ment
)
hdr <- c(
  "# Long (1990) biochemists data as distributed in R package pscl 1.5.5 (data(bioChemists)).",
  "# 915 PhD biochemists: art = articles in the last 3 years of the PhD; fem = 1 for women;",
  "# mar = 1 if married; kid5 = children under 6; phd = prestige of the PhD department;",
  "# ment = articles by the mentor. Source: Long, J.S. (1990) The origins of sex differences",
  "# in science, Social Forces 68:1297-1315; Long (1997) Regression Models for Categorical",
  "# and Limited Dependent Variables. pscl is GPL-2; used here as test reference data only.",
  paste0("# Written by tests/reference/vuong.R with ", R.version.string, ".")
)
writeLines(hdr, "biochemists.csv")
suppressWarnings(write.table(d, "biochemists.csv", sep = ",", row.names = FALSE,
                             append = TRUE, col.names = TRUE))

glm1 <- glm(art ~ ., data = bioChemists, family = poisson)
zip <- zeroinfl(art ~ . | ., data = bioChemists)
nb1 <- glm.nb(art ~ ., data = bioChemists)
zinb <- zeroinfl(art ~ . | ., data = bioChemists, dist = "negbin")

obs_ll <- function(m) {
  p <- predprob(m)
  log(p[cbind(seq_len(nrow(p)), match(m$y, colnames(p)))])
}

parse_vuong <- function(m1, m2) {
  out <- capture.output(vuong(m1, m2))
  rows <- grep("^(Raw|AIC-corrected|BIC-corrected)", out, value = TRUE)
  z <- as.numeric(sapply(strsplit(trimws(rows), " +"), `[`, 2))
  z
}

fmt <- function(df) {
  for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- trimws(formatC(df[[j]], digits = 17, format = "g"))
  df
}

res <- NULL
ll <- data.frame(obs = seq_len(nrow(d)))
for (cmp in list(list("poisson_vs_zip", glm1, zip), list("negbin_vs_zinb", nb1, zinb))) {
  name <- cmp[[1]]; m1 <- cmp[[2]]; m2 <- cmp[[3]]
  z <- parse_vuong(m1, m2)
  l1 <- obs_ll(m1); l2 <- obs_ll(m2)
  ll[[paste0(name, "_ll1")]] <- l1
  ll[[paste0(name, "_ll2")]] <- l2
  res <- rbind(res, data.frame(
    comparison = name, n = length(l1),
    k1 = length(coef(m1)), k2 = length(coef(m2)),
    llf1 = as.numeric(logLik(m1)), llf2 = as.numeric(logLik(m2)),
    z_raw = z[1], z_aic = z[2], z_bic = z[3]
  ))
}

# Lognormal vs gamma on rivers (maximum likelihood; the gamma fit on rivers/1000 for a
# well-scaled optimisation, its log density shifted back by log(1000)).
x <- rivers
fl <- fitdistr(x, "lognormal")
fg <- fitdistr(x / 1000, "gamma", control = list(reltol = 1e-14))
l1 <- dlnorm(x, fl$estimate["meanlog"], fl$estimate["sdlog"], log = TRUE)
l2 <- dgamma(x / 1000, fg$estimate["shape"], fg$estimate["rate"], log = TRUE) - log(1000)
m <- l1 - l2
n <- length(m)
omega2 <- mean((m - mean(m))^2)
zr <- sum(m) / (sqrt(n) * sqrt(omega2))
res <- rbind(res, data.frame(
  comparison = "rivers_lognorm_vs_gamma", n = n, k1 = 2, k2 = 2,
  llf1 = sum(l1), llf2 = sum(l2), z_raw = zr, z_aic = zr, z_bic = zr
))
rivers_fit <- data.frame(
  meanlog = fl$estimate["meanlog"], sdlog = fl$estimate["sdlog"],
  shape = fg$estimate["shape"], rate = fg$estimate["rate"] / 1000, omega2 = omega2
)

ver <- paste0("# ", R.version.string, "; pscl ", packageVersion("pscl"), "; MASS ",
              packageVersion("MASS"), ". Written by tests/reference/vuong.R.")
writeLines(c(ver, "# z_*: pscl::vuong printed statistics (sd with n - 1) except the rivers row,",
             "# which is Vuong's eq. 4.2 (1/n) computed directly; llf from logLik()."),
           "vuong_pscl.csv")
suppressWarnings(write.table(fmt(res), "vuong_pscl.csv", sep = ",",
                             row.names = FALSE, append = TRUE, quote = FALSE))
writeLines(c(ver, "# per-observation log-likelihoods log P(art_i) of the fitted models (predprob)"),
           "vuong_loglik.csv")
suppressWarnings(write.table(fmt(ll), "vuong_loglik.csv", sep = ",",
                             row.names = FALSE, append = TRUE, quote = FALSE))
writeLines(c(ver, "# MASS::fitdistr maximum-likelihood fits to rivers; omega2 with 1/n"),
           "vuong_rivers.csv")
suppressWarnings(write.table(fmt(rivers_fit), "vuong_rivers.csv", sep = ",",
                             row.names = FALSE, append = TRUE, quote = FALSE))
