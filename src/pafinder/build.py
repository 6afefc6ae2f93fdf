"""Render content/ (and published data) into site/: read, build a context, write (as Pelican does).

Output is deterministic: no build timestamps, sorted iteration, so building twice gives identical
files. Everything is rendered in memory first and written into a fresh folder that replaces the
old one only when complete, so a broken content file leaves site/ untouched.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment

from pafinder.content import Content, Page, load_content
from pafinder.easy_read.render import easy_read_lookup, render_easy_read
from pafinder.large_print.site import build_large_print
from pafinder.settings import Settings
from pafinder.web.templating import PACKAGE_DIR, make_environment

STATIC_DIR = PACKAGE_DIR / "web" / "static"
SERVICE_HEADINGS = [
    ("who_for", "Who it is for"),
    ("offers", "What it offers"),
    ("where", "Where and when"),
    ("how_to_refer", "How to get help"),
    ("what_next", "What happens next"),
]

Files = dict[str, bytes]
# A publisher adds files to the build from published data (events, for example).
Publisher = Callable[[Content, Environment, Settings], Files]


def site_globals(content: Content) -> dict[str, Any]:
    try:
        urls = asset_files(content.site.colour)[1]
    except FileNotFoundError:  # front end not compiled (a test of content alone)
        urls = {}

    def asset(name: str) -> str:
        """The URL of an asset the layout links, by its plain name: the hashed copy's."""
        return urls.get(name, f"/assets/{name}")

    return {
        "site": content.site,
        "footer_links": content.site.footer_links,
        "asset": asset,
        "easy_read_for": easy_read_lookup(content),
    }


def render(env: Environment, template: str, **context: Any) -> bytes:
    return env.get_template(template).render(**context).encode("utf-8")


def home_crumb() -> dict[str, str]:
    return {"text": "Home", "href": "/"}


def render_pages(content: Content, env: Environment) -> Files:
    files: Files = {}
    site = content.site
    files["index.html"] = render(
        env,
        "pages/home.html",
        title=site.name,
        description=(
            f"Find a personal assistant, become one, or get support. Run by {site.organisation}."
        ),
        intro=(
            "Find a personal assistant (PA), become a PA, or get support for yourself or "
            "someone you care for."
        ),
        journeys=[
            {
                "title": "Find a personal assistant",
                "href": "/find-a-pa",
                "text": "Search for a PA who can support you at home and in your community.",
            },
            {
                "title": "Become a personal assistant",
                "href": "/becoming-a-pa/",
                "text": "Find out what the work is like and put yourself on our list of PAs.",
            },
            {
                "title": "Get support",
                "href": "/services/",
                "text": (
                    "Ask for help for yourself or someone you care for, and find groups and events."
                ),
            },
        ],
        sections=site.sections,
    )
    for section in site.sections:
        pages = content.section_pages(section.slug)
        crumbs = [home_crumb()]
        files[f"{section.slug}/index.html"] = render(
            env,
            "pages/section.html",
            title=section.title,
            description=section.summary,
            section=section,
            pages=pages,
            crisis=any(p.crisis for p in pages) and section.slug == "mental-health",
            breadcrumbs=crumbs,
            nav=section.slug,
        )
        for i, page in enumerate(pages):
            files[f"{section.slug}/{page.slug}/index.html"] = render(
                env,
                "pages/page.html",
                title=page.title,
                description=page.summary,
                page=page,
                section=section,
                previous=pages[i - 1] if i > 0 else None,
                next=pages[i + 1] if i + 1 < len(pages) else None,
                breadcrumbs=[*crumbs, {"text": section.title, "href": f"/{section.slug}/"}],
                nav=section.slug,
            )
    files["services/index.html"] = render(
        env,
        "pages/services.html",
        title="Get support",
        description="Services that can help you or someone you care for.",
        services=content.services,
        breadcrumbs=[home_crumb()],
        nav="services",
    )
    for service in content.services:
        routes = (service.raw.get("referral") or {}).get("routes") or []
        files[f"services/{service.slug}/index.html"] = render(
            env,
            "pages/service.html",
            title=service.name,
            description=service.summary,
            service=service,
            headings=SERVICE_HEADINGS,
            refer_text="Make a referral" if routes == ["professional"] else "Ask for help",
            breadcrumbs=[home_crumb(), {"text": "Get support", "href": "/services/"}],
            nav="services",
        )
    files["404.html"] = render(env, "pages/404.html", title="Page not found")
    files.update(render_easy_read(content, env))
    return files


def entry_pages(content: Content) -> list[str]:
    """The dynamic pages a search engine may list: the starts of journeys, never a person's page
    (PA profiles are noindex and disallowed in robots.txt)."""
    starts = ["/find-a-pa", "/search", "/become-a-pa/register", "/events"]
    starts += [f"/refer/{s.slug}" for s in content.services if s.raw.get("referral")]
    return starts


def sitemap(
    paths: Iterable[str], base_url: str, lastmod: dict[str, str], entries: Iterable[str] = ()
) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    urls = {"/" + p.removesuffix("index.html") for p in paths if p.endswith("index.html")}
    # /events is served from events/index.html: list it once, by its canonical URL.
    urls.discard("/events/")
    for url in sorted(urls | set(entries)):
        entry = f"  <url><loc>{escape(base_url + url)}</loc>"
        if url in lastmod:
            entry += f"<lastmod>{lastmod[url]}</lastmod>"
        lines.append(entry + "</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()


def theme_css(colour: str) -> bytes:
    # The deployment's colour, without a Sass rebuild and without inline styles (CSP).
    return (
        f":root {{ --app-brand: {colour}; }}\n"
        f".app-header {{ background-color: {colour}; border-bottom-color: {colour}; }}\n"
        f".app-crisis {{ border-left-color: {colour}; }}\n"
    ).encode()


def static_files() -> Files:
    """Compiled CSS, GOV.UK Frontend JS and our small app.js (see Makefile `assets`)."""
    if not (STATIC_DIR / "app.css").exists():
        raise FileNotFoundError(
            f"{STATIC_DIR / 'app.css'} is missing: run `make assets` to compile the front end"
        )
    return {
        f"assets/{p.relative_to(STATIC_DIR).as_posix()}": p.read_bytes()
        for p in sorted(STATIC_DIR.rglob("*"))
        if p.is_file()
    }


# The files the layout links, written again under a name holding a hash of their content, so a
# year-long browser cache is safe (pafinder.web.static): GOV.UK Frontend's module first, as
# app.js imports it by name.
HASHED_ASSETS = ("govuk-frontend.min.js", "app.js", "app.css", "theme.css")
# Written with a .gz twin beside them (pafinder.web.static sends it; nginx's gzip_static too).
GZIP_SUFFIXES = (".html", ".css", ".js", ".svg", ".xml", ".txt", ".ics", ".json", ".ico")
GZIP_MINIMUM = 500


def _hashed_name(name: str, data: bytes) -> str:
    stem, _, suffix = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}.{suffix}"


def asset_files(colour: str) -> tuple[Files, dict[str, str]]:
    """(every asset file, the URL of each hashed entry file by its plain name). The plain
    names stay too, for anything that links them directly."""
    files = static_files()
    files["assets/theme.css"] = theme_css(colour)
    urls: dict[str, str] = {}
    for name in HASHED_ASSETS:
        data = files.get(f"assets/{name}")
        if data is None:
            continue
        if name == "app.js" and "govuk-frontend.min.js" in urls:
            vendor = urls["govuk-frontend.min.js"].rsplit("/", 1)[1]
            data = data.replace(b'"./govuk-frontend.min.js"', f'"./{vendor}"'.encode())
        hashed = f"assets/{_hashed_name(name, data)}"
        files[hashed] = data
        urls[name] = f"/{hashed}"
    icon = files.get("assets/images/favicon.ico")
    if icon is not None:
        files["favicon.ico"] = icon  # browsers ask for it at the root whatever the page says
    return files, urls


def gzip_twin(rel: str, data: bytes) -> bytes | None:
    """The .gz twin of a file worth compressing (deterministic: no timestamp), else None."""
    if not rel.endswith(GZIP_SUFFIXES) or len(data) < GZIP_MINIMUM:
        return None
    return gzip.compress(data, compresslevel=9, mtime=0)


def render_site(
    content: Content, settings: Settings, publishers: Iterable[Publisher] = ()
) -> Files:
    env = make_environment(site_globals(content))
    # Before the pages, whose links show their PDFs' sizes; the site this build replaces is
    # still in place, so an unchanged page's PDF is copied from it, not rendered again.
    large_print = build_large_print(content, settings.base_url, settings.site_dir)
    env.globals["large_print_for"] = large_print.link_for
    files = render_pages(content, env)
    files.update(large_print.files)
    for publish in publishers:
        files.update(publish(content, env, settings))
    lastmod = {p.url: p.last_reviewed.isoformat() for p in content.pages}
    lastmod.update({s.url: s.last_reviewed.isoformat() for s in content.services})
    lastmod.update({p.url: p.last_reviewed.isoformat() for p in content.easy_read})
    files["sitemap.xml"] = sitemap(files, settings.base_url, lastmod, entry_pages(content))
    # /find-a-pa/ (with the slash) is the profiles' prefix only: the search page stays crawlable.
    files["robots.txt"] = (
        "User-agent: *\nDisallow: /staff/\nDisallow: /find-a-pa/\n"
        f"Sitemap: {settings.base_url}/sitemap.xml\n"
    ).encode()
    files.update(asset_files(content.site.colour)[0])
    return files


def write_site(files: Files, site_dir: Path) -> None:
    """Write into a fresh folder, then swap it in, so readers never see a half-built site."""
    site_dir = site_dir.resolve()
    fresh = site_dir.with_name(site_dir.name + ".new")
    old = site_dir.with_name(site_dir.name + ".old")
    shutil.rmtree(fresh, ignore_errors=True)
    for rel, data in sorted(files.items()):
        target = fresh / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        twin = gzip_twin(rel, data)
        if twin is not None:
            target.with_name(target.name + ".gz").write_bytes(twin)
    shutil.rmtree(old, ignore_errors=True)
    if site_dir.exists():
        site_dir.rename(old)
    fresh.rename(site_dir)
    shutil.rmtree(old, ignore_errors=True)


def write_files(files: Files, site_dir: Path) -> None:
    """Publish-on-write: replace a few files in place (each via a temporary file and rename).
    The .gz twin goes first, or is removed, so no client is sent the old page compressed."""
    for rel, data in sorted(files.items()):
        target = site_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        twin_path = target.with_name(target.name + ".gz")
        twin = gzip_twin(rel, data)
        if twin is None:
            twin_path.unlink(missing_ok=True)
        else:
            tmp = twin_path.with_name(twin_path.name + ".tmp")
            tmp.write_bytes(twin)
            tmp.replace(twin_path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)


def publish_folder(files: Files, site_dir: Path, folder: str) -> None:
    """Publish-on-write for a folder one publisher owns (``events/``, ``api/oruk/``): write
    ``files``, then remove whatever else is in ``site_dir/folder`` (a date past, a cancelled
    group's record), each written file's .gz twin kept with it."""
    write_files(files, site_dir)
    written = {site_dir / rel for rel in files}
    keep = written | {path.with_name(path.name + ".gz") for path in written}
    root = site_dir / folder
    if not root.exists():
        return
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def build(settings: Settings, publishers: Iterable[Publisher] = ()) -> tuple[Content, Files]:
    """Load, render and write the whole site; the pages search index is rebuilt by the caller."""
    content = load_content(settings.content_dir)
    files = render_site(content, settings, publishers)
    write_site(files, settings.site_dir)
    return content, files


def pages_for_index(content: Content) -> list[Page]:
    return sorted(content.pages, key=lambda p: p.url)
