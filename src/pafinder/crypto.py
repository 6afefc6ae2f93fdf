"""Encryption at rest for free text that may hold health and safeguarding details (a referral's
reason, answers and consent-override reason, and the notes on its timeline).

Keys come from PAFINDER_DATA_KEY: one or more Fernet keys separated by commas, the first used to
write and every one tried to read (MultiFernet), so a key is rotated by putting a new one first
and running `pafinder rotate-data-key`. Without the setting (development and tests) a key is made
on first use and kept in ``$PAFINDER_DATA_DIR/data_key`` (mode 0600), as the secret key is;
production refuses to start without it (settings.check).

Stores hold an engine, not settings, so each Settings registers its database's keys here
(``register``) and stores look them up by the engine's URL (``for_engine``). Text written before
encryption existed still reads: a value that is not a Fernet token is returned as stored, and
`pafinder rotate-data-key` encrypts it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

KEY_FILE = "data_key"
# Every Fernet token starts with version byte 0x80 and a timestamp: "gAAAAA" in base64url.
TOKEN = re.compile(r"^gAAAAA[A-Za-z0-9_-]+=*$")


class DataKeyError(RuntimeError):
    """A data key is missing or malformed, or a stored token opens with none of the keys."""


def parse_keys(value: str) -> list[bytes]:
    """PAFINDER_DATA_KEY's comma-separated Fernet keys, each checked."""
    keys = [part.strip().encode() for part in value.split(",") if part.strip()]
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise DataKeyError(
                f"PAFINDER_DATA_KEY: key {number} is not a Fernet key (32 url-safe base64 bytes); "
                "make one with python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from None
    return keys


def stored_key(data_dir: Path) -> bytes:
    """The development key kept in ``data_dir``, made now if there is none (linked into place,
    so two processes starting together agree on one key)."""
    path = data_dir / KEY_FILE
    with contextlib.suppress(FileNotFoundError):
        return _read(path)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = data_dir / f".{KEY_FILE}.{secrets.token_hex(8)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(Fernet.generate_key() + b"\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes:
    keys = parse_keys(path.read_text())
    if not keys:
        raise DataKeyError(f"{path} holds no data key: restore it from a backup")
    return keys[0]


KeySource = Callable[[], Sequence[bytes]]
_sources: dict[str, KeySource] = {}
_ciphers: dict[str, MultiFernet] = {}
_lock = threading.Lock()


def _url_key(url: str) -> str:
    parsed = make_url(url)
    # The driver does not matter (postgresql:// and postgresql+psycopg:// are one database).
    return parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=False)


def register(database_url: str, keys: KeySource) -> None:
    """Say where the keys for ``database_url`` come from (read lazily, on first use)."""
    with _lock:
        name = _url_key(database_url)
        _sources[name] = keys
        _ciphers.pop(name, None)


def for_url(database_url: str) -> MultiFernet:
    name = _url_key(database_url)
    with _lock:
        cipher = _ciphers.get(name)
        if cipher is None:
            source = _sources.get(name)
            if source is None:
                raise DataKeyError("no data key is configured for this database")
            keys = list(source())
            if not keys:
                raise DataKeyError("PAFINDER_DATA_KEY holds no key")
            cipher = _ciphers[name] = MultiFernet([Fernet(k) for k in keys])
    return cipher


def for_engine(engine: Engine) -> MultiFernet:
    return for_url(engine.url.render_as_string(hide_password=False))


def first_key(engine: Engine) -> Fernet:
    """The writing key alone (rotation skips tokens it already opens)."""
    return for_engine(engine)._fernets[0]


def encrypt(engine: Engine, text: str) -> str:
    """``text`` as a Fernet token; the empty string stays empty (it says nothing)."""
    if not text:
        return ""
    return for_engine(engine).encrypt(text.encode()).decode()


def decrypt(engine: Engine, stored: str | None) -> str:
    """The text of a stored value: a token opened, anything else (plaintext written before
    encryption) as it is. A token no key opens is an error, never shown as if it were text."""
    if not stored:
        return ""
    if not TOKEN.match(stored):
        return stored
    try:
        return for_engine(engine).decrypt(stored.encode()).decode()
    except InvalidToken:
        raise DataKeyError(
            "a stored value opens with none of the keys in PAFINDER_DATA_KEY: "
            "was a key removed before `pafinder rotate-data-key` ran?"
        ) from None


def rotated(engine: Engine, stored: str | None) -> str | None:
    """The value re-encrypted with the first key, or None when it needs no change (empty, or
    already the first key's): so a second rotation rewrites nothing."""
    if not stored:
        return None
    if not TOKEN.match(stored):
        return encrypt(engine, stored)
    try:
        first_key(engine).decrypt(stored.encode())
        return None
    except InvalidToken:
        return for_engine(engine).rotate(stored.encode()).decode()
