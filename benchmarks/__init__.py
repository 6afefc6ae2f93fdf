"""Benchmarks for the PA search: `make bench` runs `python -m benchmarks` (docs/benchmarks.md)."""
