"""Accessible formats on request (issue 14, point 4): a public form records a request for
audio, Braille, BSL and other formats, and staff work through the requests."""
