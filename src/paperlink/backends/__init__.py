"""Engines other than embedded DuckDB for the model steps (``[engine] backend``)."""
