"""The version of hermite_rev: the one place it lives (read statically by setuptools)."""

__version__ = "0.1.0"
