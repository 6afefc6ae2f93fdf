"""Tests of the quarterly returns."""
