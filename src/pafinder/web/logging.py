"""Keep secrets out of the access log: email links carry signed tokens in their path."""

from __future__ import annotations

import logging
import re

# An itsdangerous token is payload[.timestamp].signature, the signature at least 27 URL-safe
# base64 characters; no slug or file name of ours has a dot followed by that much.
_TOKEN = re.compile(r"/[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)?\.[A-Za-z0-9_\-]{27,}")


def redact(text: str) -> str:
    return _TOKEN.sub("/[token]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True


def install() -> None:
    logging.getLogger("uvicorn.access").addFilter(RedactTokens())
