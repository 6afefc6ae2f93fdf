"""Render content/ (and published data) into site/: read, build a context, write (as Pelican does).

Output is deterministic: no build timestamps, sorted iteration, so building twice gives identical
files. Everything is rendered in memory first and written into a fresh folder that replaces the
old one only when complete, so a broken content file leaves site/ untouched.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment

from pafinder.content import Content, Page, load_content
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
    return {"site": content.site, "footer_links": content.site.footer_links}


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
    return files


def sitemap(paths: Iterable[str], base_url: str, lastmod: dict[str, str]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path in sorted(paths):
        if not path.endswith("index.html"):
            continue
        url = "/" + path.removesuffix("index.html")
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


def render_site(
    content: Content, settings: Settings, publishers: Iterable[Publisher] = ()
) -> Files:
    env = make_environment(site_globals(content))
    files = render_pages(content, env)
    for publish in publishers:
        files.update(publish(content, env, settings))
    lastmod = {p.url: p.last_reviewed.isoformat() for p in content.pages}
    lastmod.update({s.url: s.last_reviewed.isoformat() for s in content.services})
    files["sitemap.xml"] = sitemap(files, settings.base_url, lastmod)
    files["robots.txt"] = (
        f"User-agent: *\nDisallow: /staff/\nSitemap: {settings.base_url}/sitemap.xml\n"
    ).encode()
    files.update(static_files())
    files["assets/theme.css"] = theme_css(content.site.colour)
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
    shutil.rmtree(old, ignore_errors=True)
    if site_dir.exists():
        site_dir.rename(old)
    fresh.rename(site_dir)
    shutil.rmtree(old, ignore_errors=True)


def write_files(files: Files, site_dir: Path) -> None:
    """Publish-on-write: replace a few files in place (each via a temporary file and rename)."""
    for rel, data in sorted(files.items()):
        target = site_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)


def build(settings: Settings, publishers: Iterable[Publisher] = ()) -> tuple[Content, Files]:
    """Load, render and write the whole site; the pages search index is rebuilt by the caller."""
    content = load_content(settings.content_dir)
    files = render_site(content, settings, publishers)
    write_site(files, settings.site_dir)
    return content, files


def pages_for_index(content: Content) -> list[Page]:
    return sorted(content.pages, key=lambda p: p.url)
