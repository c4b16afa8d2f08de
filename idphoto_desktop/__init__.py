"""ID Photo Desktop: ID photos at the studio counter."""

__version__ = "0.1.0"
