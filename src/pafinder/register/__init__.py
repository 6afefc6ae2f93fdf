"""register feature."""
