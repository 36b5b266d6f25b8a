"""Hypothesis tests: G-tests, permutation and k-NN resampling tests, likelihood-ratio tests."""
