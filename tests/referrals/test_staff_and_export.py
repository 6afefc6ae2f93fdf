"""The staff queue and record, and `pafinder export referrals`."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from pafinder.app import create_app
from pafinder.cli import main
from pafinder.content import load_content
from pafinder.db import make_engine, utcnow
from pafinder.referrals import store
from pafinder.referrals.commands import COLUMNS
from pafinder.referrals.journey import new_form_key
from pafinder.referrals.models import referral_config
from pafinder.referrals.seed import seed_demo
from pafinder.referrals.validation import validate
from pafinder.settings import Settings
from pafinder.staff.store import recent_audit
from tests.conftest import PageClient, add_staff, copy_content, sign_in
from tests.referrals.helpers import REF, answers_for, portal, service, submit


def _send(client: PageClient, settings: Settings, slug: str, **overrides: str) -> str:
    response = submit(client, slug, answers_for(service(settings, slug), **overrides))
    assert response.status_code == 303
    ref = REF.search(client.get(response.headers["location"]).text)
    assert ref
    return ref.group(1)


def test_staff_pages_need_sign_in(ref_client: PageClient) -> None:
    for path in ("/staff/referrals", "/staff/referrals/R-AAAA-BBBB"):
        response = ref_client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/staff/sign-in")


def test_queue_shows_clocks_and_record_is_audited(
    ref_client: PageClient, ref_settings: Settings
) -> None:
    script = "<script>alert(1)</script>"
    ref = _send(ref_client, ref_settings, "peer-support-recovery", reason=script)
    # An old referral, past its date.
    svc = service(ref_settings, "carers")
    config = referral_config(svc)
    assert config is not None
    config_sub, errors = validate(answers_for(svc), svc, config, utcnow().date())
    assert config_sub is not None, errors
    engine = make_engine(ref_settings.database_url)
    old, _ = store.create(
        engine,
        "carers",
        config_sub,
        new_form_key(),
        utcnow() - timedelta(days=30),
        (utcnow() - timedelta(days=20)).date(),
    )
    add_staff(ref_settings)
    sign_in(ref_client, "staff@example.org")
    queue = ref_client.get("/staff/referrals").text
    assert ref in queue and old in queue
    assert queue.index(old) < queue.index(ref)  # most pressing first
    assert "Overdue" in queue
    assert "Ada" not in queue  # the queue shows no names
    only = ref_client.get("/staff/referrals?service=carers").text
    assert old in only and ref not in only
    record = ref_client.get(f"/staff/referrals/{ref}").text
    assert "Ada Lovelace" in record
    assert script not in record and "&lt;script&gt;alert(1)&lt;/script&gt;" in record
    views = [a for a in recent_audit(engine) if a["action"] == "referral.viewed"]
    assert views and views[0]["subject_id"] == ref and views[0]["actor"].startswith("staff:")
    assert ref_client.get("/staff/referrals/R-NONE-XXXX").status_code == 404
    home = ref_client.get("/staff/").text
    assert 'href="/staff/referrals"' in home


def _export(settings: Settings, *args: str) -> list[dict[str, str]]:
    env = {
        "PAFINDER_DATA_DIR": str(settings.data_dir),
        "PAFINDER_DATABASE_URL": settings.database_url,
        "PAFINDER_SECRET_KEY": "test-secret-key-for-pafinder-tests-only",
        "PAFINDER_CONTENT_DIR": str(settings.content_dir),
    }
    result = CliRunner().invoke(main, ["export", "referrals", *args], env=env)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_export_every_record_as_csv(ref_client: PageClient, ref_settings: Settings) -> None:
    a = _send(
        ref_client,
        ref_settings,
        "peer-support-recovery",
        first_name="Zoë",
        reason='=HYPERLINK("http://evil")',
        interests=["groups", "courses"],
    )
    b = _send(ref_client, ref_settings, "mentoring")
    rows = _export(ref_settings)
    assert [r["ref"] for r in rows] == [a, b]
    assert tuple(rows[0].keys()) == COLUMNS
    first = rows[0]
    assert first["service"] == "peer-support-recovery" and first["first_name"] == "Zoë"
    assert first["reason"].startswith("'=")  # a formula is kept as text in spreadsheets
    assert first["phone"] == "07700 900 982"
    assert first["received_at"].endswith("Z") and len(first["respond_by"]) == 10
    assert '"interests": ["groups", "courses"]' in first["answers"]
    assert rows[1]["referrer_type"] == "professional"
    assert rows[1]["referrer_organisation"] == "Derby City Council"
    assert [r["ref"] for r in _export(ref_settings, "--service", "mentoring")] == [b]
    assert _export(ref_settings, "--service", "carers", "--format", "csv") == []
    engine = make_engine(ref_settings.database_url)
    assert any(e["action"] == "referrals.exported" for e in recent_audit(engine))


def test_demo_seed_once(ref_settings: Settings) -> None:
    engine = make_engine(ref_settings.database_url)
    content = load_content(ref_settings.content_dir)
    assert "added 5" in seed_demo(engine, ref_settings, content)
    assert "nothing added" in seed_demo(engine, ref_settings, content)
    assert store.count(engine) == 5


def test_a_sixth_service_needs_content_not_code(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    (content / "services" / "befriending.yaml").write_text(
        """slug: befriending
name: Befriending service
council: Derby City Council
summary: A volunteer who visits.
last_reviewed: 2026-11-01
respond_within_working_days: 4
who_for: |
  Older people in Derby.
offers: |
  A weekly visit.
where: |
  At home.
how_to_refer: |
  Use the form.
what_next: |
  We call you.
referral:
  routes: [self, professional]
  staff_email: befriending@example.org
  area_name: Derby
  eligibility:
    min_age: 65
    postcode_districts: [DE1-DE3]
  questions:
    - id: visit_day
      type: one_of
      label: Which day suits you best for a visit?
      required: true
      options:
        - value: weekday
          label: A weekday
        - value: weekend
          label: A weekend day
    - id: pets
      type: yes_no
      label: Do you have pets?
""",
        encoding="utf-8",
    )
    settings = portal(tmp_path / "portal", content)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        form = client.get("/refer/befriending").text
        assert "family member" not in form  # only the routes it lists
        svc = service(settings, "befriending")
        missing = submit(client, "befriending", answers_for(svc, visit_day=None))
        assert missing.status_code == 400
        # The one-page form (re-shown to the single POST) asks the service's own question.
        assert "Which day suits you best for a visit?" in missing.text
        assert "family member" not in missing.text
        response = submit(
            client, "befriending", answers_for(svc, date_of_birth="1950-01-01", postcode="DE3 0AA")
        )
        assert response.status_code == 303
        page = client.get(response.headers["location"]).text
        assert REF.search(page)
        saved = store.list_referrals(make_engine(settings.database_url))
        assert saved[0].answers == {"visit_day": "weekday", "pets": "yes"}
        assert saved[0].flags == []
        assert client.get("/api/services").json()[0]["slug"] == "befriending"


def test_a_broken_referral_section_fails_the_build(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    path = content / "services" / "peer-support.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("type: any_of", "type: several"), "utf-8"
    )
    env = {
        "PAFINDER_DATA_DIR": str(tmp_path / "var"),
        "PAFINDER_CONTENT_DIR": str(content),
        "PAFINDER_SITE_DIR": str(tmp_path / "site"),
        "PAFINDER_INDEX_DIR": str(tmp_path / "index"),
        "PAFINDER_SECRET_KEY": "k" * 32,
    }
    result = CliRunner().invoke(main, ["build"], env=env)
    assert result.exit_code == 1
    assert "peer-support.yaml: referral.questions.1.type" in result.output
