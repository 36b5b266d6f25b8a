"""Pure numerical kernels: count formulas (and, later, random tables and neighbour search)."""
