# Exports the R base data sets bundled in datasets/ (R 4.2.2, package datasets).
# Run: Rscript datasets/sources/export_r_datasets.R  (writes CSV without headers' comments;
# the comment headers with provenance were then prepended by hand).
write.csv(as.data.frame(HairEyeColor), "hair_eye_color.csv", row.names = FALSE, quote = FALSE)
write.csv(as.data.frame(UCBAdmissions), "ucb_admissions.csv", row.names = FALSE, quote = FALSE)
write.csv(as.data.frame(Titanic), "titanic.csv", row.names = FALSE, quote = FALSE)
write.csv(chickwts, "chickwts.csv", row.names = FALSE, quote = FALSE)
# Whole-table comparisons (compare_frames): two groups of one data set each.
infert_out <- infert[, c("case", "education", "age", "parity", "induced", "spontaneous")]
write.csv(infert_out, "infert.csv", row.names = FALSE, quote = FALSE)
write.csv(airquality, "airquality.csv", row.names = FALSE, quote = FALSE)
