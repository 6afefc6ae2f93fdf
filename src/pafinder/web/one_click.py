"""RFC 8058 one-click unsubscribe: the one POST that arrives without a CSRF token on purpose.

A mail client that offers "Unsubscribe" for a message with ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` POSTs ``List-Unsubscribe=One-Click`` to the message's HTTPS
``List-Unsubscribe`` link, with no cookies and so no CSRF token, and the RFC says
``multipart/form-data`` (SHOULD) or ``application/x-www-form-urlencoded`` (MAY). The CSRF
middleware lets such a POST through only to a route marked ``@one_click_unsubscribe`` and only
when its body is exactly that one field. That is safe because CSRF protects nothing there: the
signed token in the link is the authority, a forged request cannot carry a link it does not
have, and the worst a forger holding one could do is unsubscribe that address, which is what
the link is for.
"""

from __future__ import annotations

from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

MARK = "rfc8058_one_click"
MULTIPART = b"multipart/form-data"
FIELD = ("List-Unsubscribe", "One-Click")

Endpoint = Callable[..., Any]


def one_click_unsubscribe(endpoint: Endpoint) -> Endpoint:
    setattr(endpoint, MARK, True)
    return endpoint


def is_marked(endpoint: object) -> bool:
    return getattr(endpoint, MARK, False) is True


def is_one_click_multipart(content_type: bytes, body: bytes) -> bool:
    """A multipart/form-data body holding the one field List-Unsubscribe=One-Click and nothing
    else (anything odd is simply not it: the caller refuses it as any other multipart body)."""
    if b"\r" in content_type or b"\n" in content_type or b"boundary=" not in content_type.lower():
        return False
    try:
        message = BytesParser(policy=policy.HTTP).parsebytes(
            b"Content-Type: " + content_type + b"\r\n\r\n" + body
        )
        if not isinstance(message, EmailMessage) or not message.is_multipart():
            return False
        parts = list(message.iter_parts())
        if len(parts) != 1 or message.defects or parts[0].defects:
            return False
        part = parts[0]
        name = part.get_param("name", header="content-disposition")
        value = part.get_payload(decode=True)
    except Exception:  # a malformed body in any of the ways MIME allows: not the one-click form
        return False
    return name == FIELD[0] and isinstance(value, bytes) and value.strip() == FIELD[1].encode()
