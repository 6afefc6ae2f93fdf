"""pafinder: Personal Assistant Finder and self-service portal for adult social care."""

__version__ = "0.1.0"
