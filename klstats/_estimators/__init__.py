"""Estimators: discrete (count) and k-nearest-neighbour."""
