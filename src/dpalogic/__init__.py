"""dpalogic: the logic of direct preference alignment, executable."""

__version__ = "0.1.0"
