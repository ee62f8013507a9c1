"""paperlink: link scholarly publication records from many sources into works."""

__version__ = "0.1.0"
