"""The version string (here, at the bottom layer, so that any module can read it)."""

__version__ = "0.1.0.dev0"
