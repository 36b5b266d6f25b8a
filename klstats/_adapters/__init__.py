"""Input adapters: turn Dask collections into counts or blocks (base and kernel layers only)."""
