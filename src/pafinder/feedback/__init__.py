"""Anonymous feedback against each service's outcome statements (issue 10, point 1)."""
