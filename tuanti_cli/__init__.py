"""tuanti: the group health roster (团体簿) for the terminal."""

__version__ = "0.1.0"
