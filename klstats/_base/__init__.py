"""Bottom layer: input validation, units, options and warnings (imports nothing from klstats)."""
