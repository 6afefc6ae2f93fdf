"""Easy Read versions of the key pages (issue 14, point 3): content/easy-read/*.md, rendered at
/easy-read/{slug}/ with a picture beside every point, and linked both ways with the standard
page each one explains."""
