"""Issue 11, point 10: what a browser is sent. Assets under content-hashed names cached for a
year; HTML revalidated with its ETag; a gzip twin of each text file written at build time and
sent to clients that accept it; dynamic text compressed, except pages holding the CSRF token
and the staff area (BREACH); a favicon; 308 for a directory without its slash."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from pafinder.app import create_app
from pafinder.build import write_files
from pafinder.settings import Settings
from pafinder.web.static import IMMUTABLE, REVALIDATE
from tests.conftest import PageClient, add_staff, sign_in

GZIP = {"accept-encoding": "gzip"}
PLAIN = {"accept-encoding": "identity"}


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/assets/[^"]+\.[0-9a-f]{10}\.(?:css|js))"', html)


def test_the_layout_links_hashed_assets_cached_for_a_year(real_client: PageClient) -> None:
    home = real_client.get("/", headers=PLAIN)
    urls = _asset_urls(home.text)
    assert len(urls) == 3  # app.css, theme.css, app.js
    for url in urls:
        response = real_client.get(url, headers=PLAIN)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == IMMUTABLE
    app_js = next(u for u in urls if "/app." in u and u.endswith(".js"))
    # The module imports GOV.UK Frontend by its hashed name too, which is served.
    vendor = re.search(
        rb'"\./(govuk-frontend\.min\.[0-9a-f]{10}\.js)"', real_client.get(app_js).content
    )
    assert vendor, "app.js must import the hashed GOV.UK Frontend"
    assert real_client.get(f"/assets/{vendor.group(1).decode()}").status_code == 200


def test_html_is_revalidated_with_its_etag(real_client: PageClient) -> None:
    page = real_client.get("/services/", headers=PLAIN)
    assert page.headers["cache-control"] == REVALIDATE
    again = real_client.get("/services/", headers={**PLAIN, "if-none-match": page.headers["etag"]})
    assert again.status_code == 304


def test_static_text_is_sent_from_its_gzip_twin(
    real_client: PageClient, real_site: Settings
) -> None:
    plain = real_client.get("/", headers=PLAIN)
    packed = real_client.get("/", headers=GZIP)
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.headers["content-type"].startswith("text/html")
    # The client decodes it: the same page as the plain one, from a smaller body.
    assert packed.content == plain.content
    twin = (real_site.site_dir / "index.html.gz").read_bytes()
    assert gzip.decompress(twin) == plain.content and len(twin) < len(plain.content)
    assert packed.headers["etag"] != plain.headers["etag"]


def test_publishing_one_file_rewrites_its_twin(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_files({"events/index.html": b"<p>old</p>" * 100}, site)
    assert gzip.decompress((site / "events/index.html.gz").read_bytes()) == b"<p>old</p>" * 100
    write_files({"events/index.html": b"<p>new</p>" * 100}, site)
    assert gzip.decompress((site / "events/index.html.gz").read_bytes()) == b"<p>new</p>" * 100
    write_files({"events/index.html": b"short"}, site)  # too small to be worth a twin
    assert not (site / "events/index.html.gz").exists()


def test_a_favicon_at_the_root_and_308_for_a_missing_slash(real_client: PageClient) -> None:
    icon = real_client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.content[:4] == b"\x00\x00\x01\x00"
    moved = real_client.get("/services", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"].endswith("/services/")


def test_dynamic_text_is_compressed_when_nothing_secret_is_in_it(real_client: PageClient) -> None:
    api = real_client.get("/api/pas", headers=GZIP)
    assert api.headers["content-encoding"] == "gzip" and "Accept-Encoding" in api.headers["vary"]
    assert api.json()["total"] > 0
    search = real_client.get("/find-a-pa", headers=GZIP)
    assert search.headers.get("content-encoding") == "gzip"
    assert "csrftoken" not in search.text
    plain = real_client.get("/api/pas", headers=PLAIN)
    assert "content-encoding" not in plain.headers


def test_a_page_with_the_csrf_token_and_the_staff_area_are_never_compressed(
    real_client: PageClient, real_site: Settings
) -> None:
    form = real_client.get("/complaints", headers=GZIP)
    assert 'name="csrftoken"' in form.text
    assert "content-encoding" not in form.headers
    assert "x-pafinder-no-compress" not in form.headers  # the marker never leaves
    add_staff(real_site, "gzip-staff@example.org", role="admin")
    with PageClient(create_app(real_site), base_url="http://127.0.0.1") as staff_client:
        sign_in(staff_client, "gzip-staff@example.org")
        staff = staff_client.get("/staff/audit", headers=GZIP)
        assert staff.status_code == 200 and "content-encoding" not in staff.headers


def test_the_events_list_has_one_url(real_client: PageClient) -> None:
    moved = real_client.get("/events/?kind=workshop", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == "/events?kind=workshop"
    assert real_client.get("/events/", follow_redirects=False).headers["location"] == "/events"
    assert real_client.get("/events").status_code == 200
