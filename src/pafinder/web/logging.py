"""Keep secrets and what people typed out of the access log: email links carry signed tokens in
their path, and search pages carry search words (which can be a condition, a name, a place) in
their query string."""

from __future__ import annotations

import logging
import re

# An itsdangerous token is payload[.timestamp].signature, the signature at least 27 URL-safe
# base64 characters; no slug or file name of ours has a dot followed by that much.
_TOKEN = re.compile(r"/[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)?\.[A-Za-z0-9_\-]{27,}")
# Paths whose query is what a person searched for: logged as the path only. A language or
# Easy Read prefix (/pl/search) counts too.
_SEARCH_PATH = re.compile(r"^(?:/(?:[a-z]{2}|easy-read))?/(?:search|find-a-pa)(?:/|$)|^/api/")


def redact(text: str) -> str:
    return _TOKEN.sub("/[token]", text)


def path_only(target: str) -> str:
    """A request target with its query string dropped where that query is search words."""
    path, mark, _query = target.partition("?")
    return path if mark and _SEARCH_PATH.match(path) else target


def clean(value: str) -> str:
    return redact(path_only(value)) if value.startswith("/") else redact(value)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(clean(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True


def install() -> None:
    logging.getLogger("uvicorn.access").addFilter(RedactTokens())
