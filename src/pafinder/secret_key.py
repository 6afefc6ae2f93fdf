"""The key that signs CSRF tokens and email links when PAFINDER_SECRET_KEY is not set.

A random key is made on first use and kept in ``$PAFINDER_DATA_DIR/secret_key`` (mode 0600, the
folder 0700), so a demo or a development install never runs on a key anyone can read in the
source. The file is written under another name and linked into place, so two workers starting
together never end up with different keys: the second finds the first's file and uses it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

KEY_FILE = "secret_key"
MIN_KEY_BYTES = 32


def stored_key(data_dir: Path) -> str:
    """The key kept in ``data_dir``, made now if there is none yet."""
    path = data_dir / KEY_FILE
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(PermissionError):  # a folder someone else owns stays as it is
        data_dir.chmod(0o700)
    temporary = data_dir / f".{KEY_FILE}.{secrets.token_hex(8)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
            file.flush()
            os.fsync(file.fileno())
        # link fails if another process got there first: then theirs is the key.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if len(key.encode()) < MIN_KEY_BYTES:
        from pafinder.settings import ConfigError

        raise ConfigError(
            f"The secret key in {path} is shorter than {MIN_KEY_BYTES} bytes: delete the file "
            "to make a new one, or set PAFINDER_SECRET_KEY"
        )
    return key
