"""`pafinder backup DIR` and `pafinder restore DIR [--yes] [--no-rebuild]`.

Exit codes: 0 done; 1 failed on the way (pg_dump or pg_restore failed, the restored rows do not
match the manifest, or the rebuild failed); 2 refused before anything was written or touched (DIR
already holds something, the backup is missing, damaged or changed, it comes from a newer
migration than this code, it is of the other kind of database, the data key cannot read it, or
the target database has data and --yes was not given).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import NoReturn

import click
from alembic.script import ScriptDirectory
from cryptography.fernet import InvalidToken
from sqlalchemy.exc import OperationalError

from pafinder import crypto
from pafinder.backup import files, manifest, postgres, sqlite
from pafinder.backup.manifest import BackupError, Manifest
from pafinder.backup.rebuild import COMMANDS, rebuild
from pafinder.content import ContentError
from pafinder.db import MIGRATIONS_DIR, make_engine, migrate, private_dir
from pafinder.settings import Settings
from pafinder.staff import store as staff_store

NOT_BACKED_UP = (
    "Not in the backup: PAFINDER_DATA_KEY and the secret key (keep them apart from backups; "
    "a restore needs the data key that was current), search_index/ and site/ (rebuilt by "
    f"`{COMMANDS}`)."
)


def _refuse(message: str) -> NoReturn:
    click.echo(f"Refused: {message}", err=True)
    sys.exit(2)


def _fail(message: str) -> NoReturn:
    click.echo(f"Failed: {message}", err=True)
    sys.exit(1)


def unreachable(exc: OperationalError) -> str:
    # The driver's own first line (it names host and database, never the password).
    lines = str(exc.orig).strip().splitlines() or ["no reason given"]
    return f"cannot use the database: {lines[0]}"


def kind_of(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    raise BackupError("PAFINDER_DATABASE_URL is neither SQLite nor PostgreSQL")


@click.command("backup")
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
def backup(folder: Path) -> None:
    """Copy the database (and the development mail folder) into DIR, with a manifest."""
    settings = Settings.from_env()
    if folder.exists() and any(folder.iterdir()):
        held = (folder / manifest.MANIFEST).exists()
        _refuse(f"{folder} already holds a backup" if held else f"{folder} is not empty")
    try:
        kind = kind_of(settings.database_url)
    except BackupError as exc:
        _refuse(str(exc))
    created = not folder.exists()
    private_dir(folder)  # owner-only: the dump is every person's data
    try:
        made = _backup(settings, kind, folder)
    except BackupError as exc:
        _clean(folder, created)
        _fail(str(exc))
    except OperationalError as exc:
        _clean(folder, created)
        _fail(unreachable(exc))
    except BaseException:
        _clean(folder, created)
        raise
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        detail = {"tables": len(made.tables), "rows": made.rows, "kind": kind}
        staff_store.record(conn, "cli", "data.backed_up", "database", "-", detail)
    click.echo(
        f"Backed up {made.rows} rows in {len(made.tables)} tables ({kind}, migration "
        f"{', '.join(made.revisions) or 'none'}) and {len(made.files)} mail files to {folder}."
    )
    click.echo(NOT_BACKED_UP)


def _backup(settings: Settings, kind: str, folder: Path) -> Manifest:
    dump = folder / manifest.DUMP_NAMES[kind]
    created_at = manifest.now_utc()
    if kind == "sqlite":
        sqlite.dump(settings.database_url, dump)
        counts, revisions = sqlite.state(dump)
    else:
        engine = make_engine(settings.database_url)
        counts, revisions = postgres.dump(engine, settings.database_url, dump)
    copied = files.copy_out(settings.outbox_dir, folder)
    made = Manifest(
        kind=kind,
        revisions=revisions,
        created_at=created_at,
        tables=counts,
        dump=dump.name,
        dump_sha256=manifest.sha256_file(dump),
        dump_bytes=dump.stat().st_size,
        files=copied,
    )
    manifest.write(folder, made)
    return made


def _clean(folder: Path, created: bool) -> None:
    """A failed backup leaves no half copy behind (an empty DIR given to us stays)."""
    if created:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        for child in folder.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


@click.command("restore")
@click.argument(
    "folder", metavar="DIR", type=click.Path(file_okay=False, exists=True, path_type=Path)
)
@click.option("--yes", "confirmed", is_flag=True, help="Overwrite a database that has data.")
@click.option(
    "--no-rebuild", is_flag=True, help=f"Do not rebuild site/ and the indexes (run `{COMMANDS}`)."
)
def restore(folder: Path, confirmed: bool, no_rebuild: bool) -> None:
    """Check the backup in DIR, then restore it into PAFINDER_DATABASE_URL."""
    settings = Settings.from_env()
    url = settings.database_url
    try:
        made = manifest.read(folder)
        manifest.verify(folder, made)
        _check_fits(made, url)
        _check_key(settings, folder, made)
        if not confirmed and _has_data(url):
            raise BackupError(
                "the database already holds data; run again with --yes to replace it with "
                "the backup"
            )
    except BackupError as exc:
        _refuse(f"{exc}. Nothing was changed.")
    except OperationalError as exc:
        _fail(f"{unreachable(exc)}. Nothing was changed.")
    try:
        _restore(settings, folder, made)
    except BackupError as exc:
        _fail(str(exc))
    except OperationalError as exc:
        _fail(unreachable(exc))
    engine = make_engine(url)
    migrate(engine)  # a backup from an older release is brought up to this code's migrations
    mail = files.copy_back(folder, made.files, settings.outbox_dir)
    with engine.begin() as conn:
        detail = {"made_at": made.created_at, "tables": len(made.tables), "rows": made.rows}
        staff_store.record(conn, "cli", "data.restored", "database", "-", detail)
    click.echo(
        f"Restored {made.rows} rows in {len(made.tables)} tables from the backup made "
        f"{made.created_at}; every table's row count matches the manifest. {mail} mail files "
        "put back."
    )
    if no_rebuild:
        click.echo(f"Now run `{COMMANDS}` to rebuild site/ and the search indexes.")
    else:
        try:
            click.echo(rebuild(settings))
        except Exception as exc:  # the database is restored whatever the rebuild meets
            reason = f"{exc}" if isinstance(exc, ContentError) else type(exc).__name__
            _fail(
                f"the database is restored, but rebuilding site/ and the indexes stopped "
                f"({reason}); fix that and run `{COMMANDS}`"
            )
    click.echo(
        "Restart the portal; on every other node run "
        f"`{COMMANDS}` (or restart it) so it serves the restored data."
    )


def _check_fits(made: Manifest, url: str) -> None:
    kind = kind_of(url)
    if made.kind != kind:
        raise BackupError(
            f"this is a backup of a {made.kind} database and PAFINDER_DATABASE_URL names {kind}"
        )
    # Read from the migrations folder alone: nothing is opened (or created) yet.
    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
    newer = [r for r in made.revisions if r not in known]
    if newer:
        raise BackupError(
            f"the backup comes from migration {', '.join(newer)}, newer than this release "
            "knows; restore it with the release that made it"
        )


# Where encrypted free text lives (pafinder.crypto): table -> columns.
def _encrypted() -> dict[str, tuple[str, ...]]:
    from pafinder.referrals.privacy import ROTATED

    return {table.name: tuple(columns) for table, _key, columns in ROTATED}


def _check_key(settings: Settings, folder: Path, made: Manifest) -> None:
    """The current PAFINDER_DATA_KEY must open the backup's free text, or the restored
    referrals could never be read."""
    dump = folder / made.dump
    if made.kind == "sqlite":
        found = sqlite.tokens(dump, _encrypted())
    else:
        engine = make_engine(settings.database_url)
        found = postgres.tokens(engine, settings.database_url, dump, list(_encrypted()))
    cipher = crypto.for_url(settings.database_url)
    for token in found:
        try:
            cipher.decrypt(token.encode())
        except InvalidToken:
            raise BackupError(
                "PAFINDER_DATA_KEY cannot read the backup's encrypted free text; set it to the "
                "key (or keys) that were current when the backup was made (in development, "
                "without the setting: put the old $PAFINDER_DATA_DIR/data_key file back)"
            ) from None


def _has_data(url: str) -> bool:
    if kind_of(url) == "sqlite":
        return sqlite.has_data(url)
    return postgres.has_data(make_engine(url))


def _restore(settings: Settings, folder: Path, made: Manifest) -> None:
    url, dump = settings.database_url, folder / made.dump
    if made.kind == "sqlite":
        sqlite.restore(dump, url, made.tables)
        counts, _ = sqlite.state(sqlite.database_path(url))
    else:
        engine = make_engine(url)
        postgres.restore(engine, url, dump)
        with engine.connect() as conn:
            counts, _ = postgres.state(conn)
    # Tables the target had beyond the backup's (none, unless a newer release made them
    # before this restore) do not count against it.
    counts = {name: n for name, n in counts.items() if name in made.tables}
    if counts != made.tables:
        raise BackupError(
            "the restored database does not match the manifest: "
            + sqlite.differences(made.tables, counts)
        )


commands = [backup, restore]
