"""duban (督办): the digital supervision office."""

__version__ = "0.1.0"
