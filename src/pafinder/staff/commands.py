"""`pafinder staff add|list|disable|unlock|reset-password` (CONTRACT "Staff back office"): the
operator's commands for staff accounts. Passwords are read from standard input (or prompted for
twice at a terminal), never taken as an argument, so they stay out of shell history."""

from __future__ import annotations

import sys
from datetime import UTC

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from pafinder.content import ContentError, load_content
from pafinder.db import make_engine
from pafinder.db import migrate as run_migrations
from pafinder.settings import Settings
from pafinder.staff import signin, store
from pafinder.staff.auth import hash_password
from pafinder.workdays import LONDON

console = Console(stderr=True)
out = Console()


def _engine() -> Engine:
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    run_migrations(engine)
    return engine


def _fail(message: str) -> None:
    console.print(f"[red]{message}[/red]")
    sys.exit(1)


def _password_hash() -> str:
    password = (
        sys.stdin.readline().rstrip("\n")
        if not sys.stdin.isatty()
        else click.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    try:
        return hash_password(password)
    except ValueError as exc:
        _fail(str(exc))
        raise  # not reached: _fail exits


def _member(engine: Engine, email: str) -> store.StaffMember:
    member = store.get_by_email(engine, email)
    if member is None:
        _fail(f"There is no staff account for {email}")
    assert member is not None  # for mypy: _fail exits
    return member


def _known_services(slugs: tuple[str, ...]) -> None:
    """Refuse slugs the content does not have: a typo would quietly give no access at all."""
    if not slugs:
        return
    try:
        known = {s.slug for s in load_content(Settings.from_env().content_dir).services}
    except ContentError as exc:
        _fail(f"Cannot read the services to check --service: {exc}")
        return
    unknown = sorted(set(slugs) - known)
    if unknown:
        _fail(f"No such service: {', '.join(unknown)}. Services: {', '.join(sorted(known))}")


staff_group = click.Group("staff", help="Manage staff accounts.")


@staff_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(store.ROLES), required=True)
@click.option(
    "--service",
    "services",
    multiple=True,
    help="A service this account works on (repeat for more; none: every service).",
)
def staff_add(email: str, role: str, services: tuple[str, ...]) -> None:
    """Create a staff account; the password is read from standard input."""
    password_hash = _password_hash()
    _known_services(services)
    engine = _engine()
    if store.get_by_email(engine, email):
        _fail(f"A staff account for {email} already exists")
    store.add_staff(engine, email, password_hash, role, frozenset(services), actor="cli")
    where = ", ".join(sorted(set(services))) if services else "every service"
    console.print(f"Created {role} account for {email} ({where}).")


@staff_group.command("list")
def staff_list() -> None:
    """Every staff account: role, services, state and last sign-in (UK time)."""
    engine = _engine()
    table = Table("email", "role", "services", "state", "last sign-in")
    for member in store.list_staff(engine):
        if member.disabled:
            state = "disabled"
        elif store.is_throttled(engine, signin.account_key(member.email)):
            state = "sign-in paused"
        else:
            state = "active"
        last = member.last_sign_in_at
        table.add_row(
            member.email,
            member.role,
            ", ".join(sorted(member.services)) or "all",
            state,
            last.replace(tzinfo=UTC).astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
            if last
            else "never",
        )
    out.print(table)


@staff_group.command("disable")
@click.argument("email")
def staff_disable(email: str) -> None:
    """Disable a staff account: it cannot sign in, and its sessions end at once."""
    if not store.disable(_engine(), email, actor="cli"):
        _fail(f"There is no staff account for {email}")
    console.print(f"Disabled the staff account for {email} and ended its sessions.")


@staff_group.command("unlock")
@click.argument("email")
def staff_unlock(email: str) -> None:
    """Lift a pause on signing in to an account after too many wrong passwords."""
    engine = _engine()
    member = _member(engine, email)
    store.unlock(engine, member.id, signin.account_key(member.email), actor="cli")
    console.print(f"{email} can sign in again now.")


@staff_group.command("reset-password")
@click.argument("email")
def staff_reset_password(email: str) -> None:
    """Set a new password (read from standard input); the account's sessions end at once."""
    password_hash = _password_hash()
    engine = _engine()
    member = _member(engine, email)
    key = signin.account_key(member.email)
    store.reset_password(engine, member.id, password_hash, key, actor="cli")
    console.print(f"Set a new password for {email} and ended its sessions.")


commands: list[click.Command] = [staff_group]
