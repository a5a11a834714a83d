# Exports (into the current folder) Debian r-cran-cardata's Arrests (GPL >= 2) and r-cran-aer's HMDA as numeric CSVs, plus a planted-shortcut
# split of Arrests. Run: Rscript scripts/data/export-r-tables.R, from an output folder: cd DIR && Rscript … (needs r-base-core r-cran-cardata r-cran-aer).
set.seed(7)
data("Arrests", package = "carData")
a <- Arrests
num <- data.frame(
  id = seq_len(nrow(a)) - 1,
  released = as.character(a$released),
  colour = as.character(a$colour),
  colour_white = as.integer(a$colour == "White"),
  year = a$year, age = a$age,
  sex_male = as.integer(a$sex == "Male"),
  employed = as.integer(a$employed == "Yes"),
  citizen = as.integer(a$citizen == "Yes"),
  checks = a$checks)
write.csv(num, "arrests.csv", row.names = FALSE)
# Planted shortcut: in train/val, colour agrees with the label ("White" <-> released=Yes) on 90% of rows; in test
# the agreement is reversed to 10%. Rows are subsampled without replacement from the real table.
agree <- (num$colour == "White") == (num$released == "Yes")
idx_agree <- sample(which(agree)); idx_dis <- sample(which(!agree))
take <- function(n_agree, n_dis) { r <- c(idx_agree[1:n_agree], idx_dis[1:n_dis]);
  idx_agree <<- idx_agree[-(1:n_agree)]; idx_dis <<- idx_dis[-(1:n_dis)]; num[sample(r), ] }
test <- take(60, 540)          # 10% agree
val  <- take(540, 60)          # 90% agree
train <- take(2400, 266)       # 90% agree
write.csv(train, "arrests-shortcut-train.csv", row.names = FALSE)
write.csv(val, "arrests-shortcut-val.csv", row.names = FALSE)
write.csv(test, "arrests-shortcut-test.csv", row.names = FALSE)
data("HMDA", package = "AER")
h <- HMDA
yn <- function(x) as.integer(x == "yes")
hm <- data.frame(id = seq_len(nrow(h)) - 1, deny = as.character(h$deny), afam = as.character(h$afam),
  pirat = h$pirat, hirat = h$hirat, lvrat = h$lvrat, chist = as.integer(as.character(h$chist)),
  mhist = as.integer(as.character(h$mhist)), phist = yn(h$phist), unemp = h$unemp, selfemp = yn(h$selfemp),
  insurance = yn(h$insurance), condomin = yn(h$condomin), afam_yes = yn(h$afam), single = yn(h$single),
  hschool = yn(h$hschool))
write.csv(hm, "hmda.csv", row.names = FALSE)
cat("agree", sum(agree), "disagree", sum(!agree), "\n")
