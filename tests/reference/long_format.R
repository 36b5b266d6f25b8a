# Shared by the reference scripts (run from the repository root; they `source()` this
# file): `out` collects values in long format (case, quantity, index, value) and
# `add(case, quantity, value)` appends one vector of values to it.

out <- data.frame(case = character(), quantity = character(), index = integer(),
                  value = numeric(), stringsAsFactors = FALSE)
add <- function(case, quantity, value) {
  value <- as.numeric(value)
  out <<- rbind(out, data.frame(case = case, quantity = quantity,
                                index = seq_along(value) - 1L, value = value))
}
