"""Complaints, compliments and comments (issue 10, point 2)."""
