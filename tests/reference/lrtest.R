# Reference values for klstats.lr_test (tests/test_lrtests.py): likelihood-ratio tests of
# nested fits by lmtest::lrtest (Zeileis & Hothorn 2002), which reads logLik() and its
# "df" attribute (for lm that count includes the residual variance; the difference is
# the same).  Data: R's mtcars (Henderson & Velleman 1981) and warpbreaks (Tippett 1950),
# written next to this script so that the Python tests refit the same models.
#
# Run from this folder:  Rscript lrtest.R
suppressPackageStartupMessages(library(lmtest))
fmt <- function(df) {
  for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- trimws(formatC(df[[j]], digits = 17, format = "g"))
  df
}
ver <- paste0("# ", R.version.string, "; lmtest ", packageVersion("lmtest"),
              ". Written by tests/reference/lrtest.R.")

mt <- mtcars[, c("mpg", "wt", "hp", "qsec", "am")]
writeLines(c("# R datasets::mtcars (Henderson & Velleman 1981, Biometrics 37:391-411; data from",
             "# Motor Trend 1974), columns mpg, wt, hp, qsec, am. Distributed with R (GPL).", ver),
           "mtcars.csv")
suppressWarnings(write.table(fmt(mt), "mtcars.csv", sep = ",", row.names = FALSE,
                             append = TRUE, quote = FALSE))
wb <- data.frame(breaks = warpbreaks$breaks, woolB = as.integer(warpbreaks$wool == "B"),
                 tensionM = as.integer(warpbreaks$tension == "M"),
                 tensionH = as.integer(warpbreaks$tension == "H"))
writeLines(c("# R datasets::warpbreaks (Tippett 1950, Technological Applications of Statistics),",
             "# breaks per loom with dummies for wool B and tension M/H. Distributed with R (GPL).",
             ver), "warpbreaks.csv")
suppressWarnings(write.table(fmt(wb), "warpbreaks.csv", sep = ",", row.names = FALSE,
                             append = TRUE, quote = FALSE))

row <- function(name, m0, m1) {
  t <- lrtest(m0, m1)
  data.frame(model = name, llf_restricted = as.numeric(logLik(m0)),
             llf_full = as.numeric(logLik(m1)), df = t$Df[2], statistic = t$Chisq[2],
             pvalue = t[["Pr(>Chisq)"]][2], nobs = nobs(m1))
}
res <- rbind(
  row("ols", lm(mpg ~ wt, data = mt), lm(mpg ~ wt + hp + qsec, data = mt)),
  row("glm_poisson", glm(breaks ~ woolB, family = poisson, data = wb),
      glm(breaks ~ woolB + tensionM + tensionH, family = poisson, data = wb)),
  row("logit", glm(am ~ wt, family = binomial, data = mt),
      glm(am ~ wt + hp, family = binomial, data = mt))
)
writeLines(ver, "lrtest.csv")
suppressWarnings(write.table(fmt(res), "lrtest.csv", sep = ",", row.names = FALSE,
                             append = TRUE, quote = FALSE))
