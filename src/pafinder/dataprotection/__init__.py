"""Data protection a person can exercise (issue 12): subject access, erasure, retention, keys."""
