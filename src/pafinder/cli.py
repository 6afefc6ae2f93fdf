"""The ``pafinder`` command (also ``python -m pafinder``)."""

from __future__ import annotations

import os
import sys
from functools import partial
from typing import Any

import click
import uvicorn
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from pafinder.backup import commands as backup_commands
from pafinder.build import build as build_site
from pafinder.build import pages_for_index
from pafinder.content import ContentError
from pafinder.db import make_engine
from pafinder.db import migrate as run_migrations
from pafinder.features import all_features, all_publishers
from pafinder.nodes.jobs import guard_scheduled
from pafinder.nodes.nginx import nginx_config
from pafinder.search import rebuild_pages_index
from pafinder.settings import Settings
from pafinder.staff import commands as staff_commands
from pafinder.staff import store as staff_store

console = Console(stderr=True)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@click.group()
def main() -> None:
    """Personal Assistant Finder and self-service portal."""


def do_build(settings: Settings) -> None:
    try:
        content, files = build_site(settings, all_publishers())
    except ContentError as exc:
        # Plain, unwrapped output so the "path:line:" stays whole for editors and CI logs.
        click.echo(f"Build failed: {exc}", err=True)
        sys.exit(1)
    count = rebuild_pages_index(settings.index_dir, pages_for_index(content))
    console.print(f"Built {len(files)} files into {settings.site_dir}; indexed {count} pages.")


@main.command()
def build() -> None:
    """content/ -> site/, and rebuild the pages search index."""
    settings = Settings.from_env()
    run_migrations(make_engine(settings.database_url))
    do_build(settings)


@main.command()
def migrate() -> None:
    """Apply database migrations."""
    settings = Settings.from_env()
    run_migrations(make_engine(settings.database_url))
    console.print("Database is up to date.")


@main.command()
def reindex() -> None:
    """Rebuild search_index/ from content and the database."""
    settings = Settings.from_env()
    from pafinder.content import load_content

    content = load_content(settings.content_dir)
    count = rebuild_pages_index(settings.index_dir, pages_for_index(content))
    console.print(f"Indexed {count} pages.")
    engine = make_engine(settings.database_url)
    for feature in all_features():
        for reindex_feature in feature.reindexers:
            with progress_bar() as bar:
                task = bar.add_task(f"Indexing {feature.name}", total=None)
                done = reindex_feature(engine, settings, partial(_advance, bar, task))
            console.print(f"Indexed {done} {feature.name} records.")


def _advance(bar: Progress, task: TaskID, done: int, total: int) -> None:
    bar.update(task, completed=done, total=total)


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy options: X-Forwarded-For and -Proto are believed only from the peers in
    PAFINDER_TRUSTED_PROXIES, so nobody else can pick the address rate limits count against."""
    trusted = list(settings.trusted_proxies)
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}


def use_served_base_url(host: str, port: int) -> None:
    """CONTRACT "Base URL": without PAFINDER_BASE_URL, links in emails (and a demo's build)
    name the host and port really served on, not port 8000. Put in the environment, so worker
    processes, which read their own settings, agree."""
    if os.environ.get("PAFINDER_BASE_URL"):
        return
    # A wildcard host is no address to put in a link: stand 127.0.0.1 in for it.
    wildcards = ("", "0.0.0.0", "::")  # noqa: S104 (compared, not bound)
    name = "127.0.0.1" if host in wildcards else host
    if ":" in name:
        name = f"[{name}]"  # an IPv6 address in a URL
    os.environ["PAFINDER_BASE_URL"] = f"http://{name}:{port}"


def warn_if_built_elsewhere(settings: Settings) -> None:
    """site/ names its base URL in robots.txt (sitemap, calendar UIDs, feeds): say when it is
    another one than this server's, so nobody wonders why calendar links point elsewhere."""
    robots = settings.site_dir / "robots.txt"
    if not robots.exists():
        return
    built = f"Sitemap: {settings.base_url}/sitemap.xml"
    lines = robots.read_text(errors="replace").splitlines()
    if built not in lines:
        click.echo(
            f"Warning: {settings.site_dir} was built for another base URL than "
            f"{settings.base_url}; run `pafinder build` to rebuild it.",
            err=True,
        )


def _serve(host: str, port: int, workers: int) -> None:
    from pafinder.web import logging as access_log

    access_log.install()
    use_served_base_url(host, port)
    settings = Settings.from_env()
    run_migrations(make_engine(settings.database_url))
    warn_if_built_elsewhere(settings)
    proxies = proxy_options(settings)
    if workers > 1:
        uvicorn.run("pafinder.asgi:app", host=host, port=port, workers=workers, **proxies)
    else:
        from pafinder.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, **proxies)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Run the portal (applies pending migrations first)."""
    _serve(host, port, workers)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Seed demo data if the database is empty, build, and serve."""
    use_served_base_url(host, port)  # before the build, so site/ names this server too
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    run_migrations(engine)
    seed_demo_if_empty(settings)
    do_build(settings)
    _serve(host, port, 1)


def seed_demo_if_empty(settings: Settings) -> None:
    from pafinder.content import load_content

    engine = make_engine(settings.database_url)
    content = load_content(settings.content_dir)
    for feature in all_features():
        for seeder in feature.demo_seeders:
            console.print(seeder(engine, settings, content))


@main.command("purge-drafts")
def purge_drafts() -> None:
    """Delete unfinished form answers past their time (referrals after 60 minutes without
    activity, other forms after 24 hours; run daily at least: they hold personal data),
    ended sessions, old sign-in throttling and newsletter sign-ups not confirmed in 7 days."""
    from datetime import timedelta

    from pafinder.web import sessions
    from pafinder.web.drafts import purge_expired

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    run_migrations(engine)
    console.print(
        f"Deleted {purge_expired(engine)} unfinished forms "
        "(referrals idle for 60 minutes, other forms older than 24 hours)."
    )
    limits = sessions.Limits(
        staff_idle=timedelta(minutes=settings.staff_idle_minutes),
        staff_max=timedelta(hours=settings.staff_max_hours),
    )
    ended = sessions.purge(engine, limits)
    forgotten = staff_store.purge_throttle(engine)
    console.print(f"Deleted {ended} ended sessions and {forgotten} old sign-in throttles.")
    from pafinder.newsletter.store import purge_unconfirmed

    unconfirmed = purge_unconfirmed(engine)
    console.print(f"Deleted {unconfirmed} newsletter sign-ups not confirmed within 7 days.")
    from pafinder.nodes.store import purge_pa_changes

    # The change log only needs to reach back as far as the slowest node (one further behind
    # rebuilds its index instead); it holds PA ids only.
    purge_pa_changes(engine)


@main.command("send-mail")
def send_mail() -> None:
    """Send the emails waiting in the outbox (run every few minutes: it retries failures)."""
    from pafinder import outbox

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    run_migrations(engine)
    done = outbox.deliver(engine, settings)
    left = outbox.waiting(engine)
    console.print(f"Sent {done.sent} emails; {left.count} waiting.")
    if done.dropped:
        console.print(f"Gave up on {done.dropped} emails unsent for three days.", style="red")
    if done.failed:
        # A failing exit makes cron tell whoever runs it that the mail server refuses email.
        console.print(f"{done.failed} emails could not be sent and will be tried again.")
        raise SystemExit(1)


main.add_command(staff_commands.staff_group)
for _command in backup_commands.commands:  # backup and restore
    main.add_command(_command)
for _feature in all_features():
    for _command in _feature.commands:
        main.add_command(_command)


@main.command()
@click.option(
    "--pas", "pas", type=click.IntRange(min=1), help="Add N synthetic published PA listings."
)
@click.option("--random-seed", type=int, default=1, show_default=True)
@click.option("--demo", is_flag=True, help="Seed the demo deployment's data (if empty).")
def seed(pas: int | None, random_seed: int, demo: bool) -> None:
    """Seed synthetic PA listings (--pas N) or the demo deployment (--demo)."""
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    run_migrations(engine)
    if not pas and not demo:
        raise click.UsageError("say --pas N or --demo")
    if demo:
        seed_demo_if_empty(settings)
    if pas:
        from pafinder.register.seed import seed_pas

        with progress_bar() as bar:
            task = bar.add_task("Seeding PA listings", total=pas)
            seed_pas(
                engine,
                settings,
                pas,
                random_seed,
                partial(_advance, bar, task),
            )
        console.print(f"Seeded {pas} PA listings.")


main.add_command(nginx_config)
# Every node's timers run these: each takes its job's lease first (pafinder.nodes.jobs).
guard_scheduled(main)
