"""The files in the data dir a backup carries: the development mail folder's .eml files (mail
already handed over, so the outbox table no longer holds it). Keys are never carried: see
docs/backup.md. search_index/ and site/ are rebuilt from content and the database instead."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pafinder.backup.manifest import SAFE_NAME, sha256_file
from pafinder.db import private_dir
from pafinder.mail import outbox_files


def copy_out(outbox: Path, folder: Path) -> dict[str, str]:
    """Copy every .eml file into ``folder``/outbox; returns "outbox/NAME" -> checksum."""
    copied: dict[str, str] = {}
    for path in outbox_files(outbox):
        if not SAFE_NAME.match(path.name):
            continue  # not a name mail.py writes
        private_dir(folder / "outbox")
        target = folder / "outbox" / path.name
        _copy_private(path, target)
        copied[f"outbox/{path.name}"] = sha256_file(target)
    return copied


def copy_back(folder: Path, names: dict[str, str], outbox: Path) -> int:
    """Put the backup's .eml files back; one already there is left alone. Returns how many."""
    done = 0
    for name in names:
        target = outbox / Path(name).name
        if target.exists():
            continue
        private_dir(outbox)
        _copy_private(folder / name, target)
        done += 1
    return done


def _copy_private(source: Path, target: Path) -> None:
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)
