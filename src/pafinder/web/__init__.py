"""Shared web layer: templates, components, security middleware, form helpers."""
