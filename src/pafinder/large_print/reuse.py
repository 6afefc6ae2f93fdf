"""Reuse a PDF whose source is unchanged instead of rendering it again (about a tenth of a
second a page): first from this process's memory (the test suite builds many sites from the
same pages), then from the site being replaced (site/ is still in place while the new one is
built; each PDF carries its source key as its file identifier), and only then render."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

# Enough for several deployments' pages (a PDF is 15-60 KB) and never more than this.
MEMO_BYTES = 48 * 1024 * 1024

_memo: OrderedDict[str, bytes] = OrderedDict()
_memo_bytes = 0
_lock = threading.Lock()


def _remember(key: str, data: bytes) -> None:
    global _memo_bytes
    with _lock:
        if key in _memo:
            _memo.move_to_end(key)
            return
        _memo[key] = data
        _memo_bytes += len(data)
        while _memo_bytes > MEMO_BYTES and _memo:
            _memo_bytes -= len(_memo.popitem(last=False)[1])


def _recall(key: str) -> bytes | None:
    with _lock:
        data = _memo.get(key)
        if data is not None:
            _memo.move_to_end(key)
        return data


def forget() -> None:
    """Empty the memory (tests that count renders)."""
    global _memo_bytes
    with _lock:
        _memo.clear()
        _memo_bytes = 0


def made_from(data: bytes, key: str) -> bool:
    """Whether a PDF's file identifier is ``key`` (render.py writes /ID [(key) (...)])."""
    return data.startswith(b"%PDF-") and f"/ID [({key})".encode("ascii") in data


def pdf_for(key: str, previous: Path | None, render: Callable[[], bytes]) -> tuple[bytes, str]:
    """(the PDF for ``key``, how it was got: "memory", "previous" or "rendered")."""
    data = _recall(key)
    if data is not None:
        return data, "memory"
    if previous is not None and previous.is_file():
        data = previous.read_bytes()
        if made_from(data, key):
            _remember(key, data)
            return data, "previous"
    data = render()
    _remember(key, data)
    return data, "rendered"
