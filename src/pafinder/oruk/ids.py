"""Stable ORUK ids: UUID 5 of our own ids and slugs under one namespace that never changes, so
a re-publish (or a rebuild on another node) gives every record the same id."""

from __future__ import annotations

import uuid

# Ours, made once (uuid4) for pafinder's ORUK feed. Changing it changes every id in the feed.
NAMESPACE = uuid.UUID("6f1d0c8e-3b7a-4f65-9c2e-8a4d5b7e1f30")


def oruk_id(kind: str, *parts: object) -> str:
    """``oruk_id("service", "carers")`` -> the same UUID string on every publish."""
    return str(uuid.uuid5(NAMESPACE, ":".join([kind, *(str(p) for p in parts)])))
