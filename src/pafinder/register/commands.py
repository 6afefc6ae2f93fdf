"""`pafinder import-pas FILE.csv` and `pafinder purge-pa-contacts`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pafinder.content import load_content
from pafinder.db import make_engine, migrate
from pafinder.register import index, store
from pafinder.register.importer import ImportRowError, read_import, write_import
from pafinder.settings import Settings


def import_file(settings: Settings, path: Path) -> int:
    """Validate every row, write them all in one transaction, then rebuild the PA index.
    Raises ImportRowError (nothing written) at the first bad row."""
    engine = make_engine(settings.database_url)
    migrate(engine)
    rows = read_import(path, load_content(settings.content_dir))
    count = write_import(engine, rows)
    index.rebuild_pa_index(engine, settings)
    return count


@click.command("import-pas")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_pas(file: Path) -> None:
    """Import PA listings from a CSV file (all or nothing; see CONTRACT.md for the columns).

    Rows are numbered as a spreadsheet shows them: the header is row 1."""
    settings = Settings.from_env()
    try:
        count = import_file(settings, file)
    except ImportRowError as exc:
        click.echo(str(exc), err=True)
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)
    click.echo(f"Imported {count} PA listings.")


@click.command("purge-pa-contacts")
def purge_pa_contacts() -> None:
    """Delete employers' messages to PAs older than 90 days (run it daily, e.g. from cron)."""
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    count = store.purge_contacts(engine)
    click.echo(f"Deleted {count} messages older than {store.CONTACT_RETENTION_DAYS} days.")


commands: list[click.Command] = [import_pas, purge_pa_contacts]
