"""Inference machinery: count intervals, bootstrap, subsampling and the resampling engine."""
