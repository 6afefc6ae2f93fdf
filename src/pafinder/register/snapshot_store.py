"""The PA bitmaps snapshot saved beside the index, so a starting worker loads it in a fraction of
a second instead of building it from every row (issue 16: 4.5 s at 100,000 listings, most of it
reading rows and ``json.loads`` over 600,000 lists, in every worker).

A saved snapshot is only valid for what it was built from: its header holds the snapshot's key
(the PA index generation and the data version in ``pas.version``, which every PA change moves,
see register/index.py) and a digest of the database URL. A file for another key or database,
a truncated or corrupt file (the payload's BLAKE2b digest is checked) or one from another
format version is ignored, and the caller builds the snapshot again and saves it over the old
file. Edits behind the store's back must call ``index.bump_version`` (as before: every process
keeps its bitmaps until the version moves), or a restart would load the bitmaps of before.

File ``pas.snapshot`` in the index folder:

    MAGIC, 4-byte big-endian header length, header (JSON), payload

The payload is each array's bytes and each bitmap's ``BitMap.serialize()`` in the order the
header lists them, with their lengths. Written to a temporary file and renamed into place, so a
reader sees the old file or the new one, never half of one. One process builds at a time
(``building`` holds a file lock): a second worker starting meanwhile waits, then loads.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import struct
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyroaring import BitMap

from pafinder.settings import Settings

if TYPE_CHECKING:
    from pafinder.register.search import Snapshot

log = logging.getLogger(__name__)

FILE = "pas.snapshot"
LOCK = "pas.snapshot.lock"
MAGIC = b"PAFINDER-SNAPSHOT-2\n"
_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def path(settings: Settings) -> Path:
    return settings.index_dir / FILE


def _where(settings: Settings) -> str:
    """The database the snapshot was read from (a copied index folder is not its database's),
    as a digest: the URL may hold a password, which never goes into a file."""
    return hashlib.blake2b(str(settings.database_url).encode(), digest_size=16).hexdigest()


def _bitmaps(snap: Snapshot) -> Iterator[tuple[str, str, BitMap]]:
    """(group, key, bitmap) for every bitmap of the snapshot, in a fixed order."""
    for name, slugs in snap.values.items():
        for slug, bitmap in slugs.items():
            yield f"values:{name}", slug, bitmap
    for group, bitmaps in (("flags", snap.flags), ("at_least", snap.at_least),
                           ("sectors", snap.sectors)):  # fmt: skip
        for key, bitmap in bitmaps.items():
            yield group, key, bitmap
    for band, bitmap in snap.hours.items():
        yield "hours", str(band), bitmap
    for k, bitmap in enumerate(snap.short):
        yield "short", str(k), bitmap
    yield "everyone", "", snap.everyone
    yield "located", "", snap.located


def _micros(moment: datetime) -> int:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (moment - _EPOCH) // _MICROSECOND


def encode(snap: Snapshot, database: str) -> bytes:
    sector_names = sorted(snap.sectors)
    number = {name: i for i, name in enumerate(sector_names)}
    sector_of = array("i", (-1 if s is None else number[s] for s in snap.sector_of))
    aware = any(c.tzinfo is not None for c in snap.confirmed[:1])
    parts: list[tuple[str, bytes]] = [
        ("pa_ids", snap.pa_ids.tobytes()),
        ("by_confirmed", snap.by_confirmed.tobytes()),
        ("confirmed", array("q", map(_micros, snap.confirmed)).tobytes()),
        ("sector_of", sector_of.tobytes()),
    ]
    bitmaps = [(group, key, bitmap.serialize()) for group, key, bitmap in _bitmaps(snap)]
    payload = b"".join([*(data for _, data in parts), *(data for _, _, data in bitmaps)])
    header = {
        "key": list(snap.key),
        "database": database,
        "count": len(snap.pa_ids),
        "typecodes": [snap.pa_ids.typecode, snap.by_confirmed.typecode],
        "aware": aware,
        "facets": list(snap.values),  # every facet, those without a value too
        "sector_names": sector_names,
        "arrays": [[name, len(data)] for name, data in parts],
        "bitmaps": [[group, key, len(data)] for group, key, data in bitmaps],
        "digest": hashlib.blake2b(payload, digest_size=32).hexdigest(),
    }
    head = json.dumps(header, separators=(",", ":")).encode()
    return MAGIC + struct.pack(">I", len(head)) + head + payload


class Invalid(ValueError):
    """A file that is not a whole snapshot of the expected key and database."""


def _array(typecode: str, data: memoryview) -> array[Any]:
    """An array from its bytes (``array(code, view)`` would take each byte as one item)."""
    found = array(typecode)
    found.frombytes(data)
    return found


def decode(data: bytes, key: tuple[str | None, str], database: str) -> Snapshot:
    from pafinder.register.search import Snapshot  # search imports this module

    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise Invalid("not a snapshot of this format")
    start = len(MAGIC) + 4
    (size,) = struct.unpack(">I", data[len(MAGIC) : start])
    header: dict[str, Any] = json.loads(data[start : start + size])
    if tuple(header["key"]) != tuple(key) or header["database"] != database:
        raise Invalid("stale: another generation, data version or database")
    payload = memoryview(data)[start + size :]
    if hashlib.blake2b(payload, digest_size=32).hexdigest() != header["digest"]:
        raise Invalid("corrupt: the digest does not match")
    offset = 0

    def take(length: int) -> memoryview:
        nonlocal offset
        if length < 0 or offset + length > len(payload):
            raise Invalid("corrupt: a part runs past the end")
        chunk = payload[offset : offset + length]
        offset += length
        return chunk

    arrays = {name: take(length) for name, length in header["arrays"]}
    ids_code, confirmed_code = header["typecodes"]
    pa_ids = _array(ids_code, arrays["pa_ids"])
    by_confirmed = _array(confirmed_code, arrays["by_confirmed"])
    epoch = _EPOCH.replace(tzinfo=UTC) if header["aware"] else _EPOCH
    confirmed = [epoch + timedelta(microseconds=m) for m in _array("q", arrays["confirmed"])]
    names: list[str] = header["sector_names"]
    sector_of = [names[i] if i >= 0 else None for i in _array("i", arrays["sector_of"])]
    count = header["count"]
    if not len(pa_ids) == len(by_confirmed) == len(confirmed) == len(sector_of) == count:
        raise Invalid("corrupt: the arrays' lengths differ")
    groups: dict[str, dict[str, BitMap]] = {}
    for group, name, length in header["bitmaps"]:
        groups.setdefault(group, {})[name] = BitMap.deserialize(bytes(take(length)))
    if offset != len(payload):
        raise Invalid("corrupt: bytes after the last part")
    values = {name: groups.get(f"values:{name}", {}) for name in header["facets"]}
    return Snapshot(
        key=key,
        pa_ids=pa_ids,
        values=values,
        flags=groups.get("flags", {}),
        at_least=groups.get("at_least", {}),
        confirmed=confirmed,
        by_confirmed=by_confirmed,
        everyone=groups["everyone"][""],
        hours={int(band): b for band, b in groups.get("hours", {}).items()},
        sectors=groups.get("sectors", {}),
        sector_of=sector_of,
        located=groups["located"][""],
        short=[b for _, b in sorted(groups["short"].items(), key=lambda kv: int(kv[0]))],
    )


def load(settings: Settings, key: tuple[str | None, str]) -> Snapshot | None:
    """The saved snapshot for ``key``, or None (no file, or stale, or corrupt: build it)."""
    try:
        data = path(settings).read_bytes()
    except OSError:
        return None
    try:
        return decode(data, key, _where(settings))
    except Invalid as exc:
        log.info("saved PA snapshot not used: %s", exc)
    except (ValueError, KeyError, TypeError, IndexError, OverflowError, struct.error) as exc:
        log.warning("saved PA snapshot unreadable, rebuilding: %s", type(exc).__name__)
    return None


def save(settings: Settings, snap: Snapshot) -> bool:
    """Write ``snap`` beside the index, atomically; False when it could not be (a read-only or
    full disk costs the next worker a build, never a search)."""
    if not settings.index_dir.is_dir():
        return False  # no index here to sit beside
    target = path(settings)
    tmp = target.with_name(f"{FILE}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(encode(snap, _where(settings)))
        os.replace(tmp, target)
    except OSError as exc:
        log.warning("could not save the PA snapshot: %s", type(exc).__name__)
        tmp.unlink(missing_ok=True)
        return False
    return True


@contextmanager
def building(settings: Settings) -> Iterator[None]:
    """Held while one process loads or builds the snapshot, so workers starting together build
    it once: the others wait, then find it saved. Without an index folder, no lock."""
    if not settings.index_dir.is_dir():
        yield
        return
    try:
        handle = open(settings.index_dir / LOCK, "a")  # noqa: SIM115 (held across the yield)
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
