"""Signed tokens in email links never reach the access log."""

from __future__ import annotations

import logging

from itsdangerous import URLSafeTimedSerializer

from pafinder.web.logging import RedactTokens, redact


def test_signed_tokens_are_redacted_and_ordinary_paths_kept() -> None:
    token = URLSafeTimedSerializer("secret", salt="pa-manage").dumps({"ref": "PA-ABC123"})
    assert redact(f"/become-a-pa/manage/{token}") == "/become-a-pa/manage/[token]"
    for path in (
        "/find-a-pa/PA-Z9VD5J",
        "/employing-a-pa/holiday-and-sick-pay/",
        "/events/11-20261124.ics",
    ):
        assert redact(path) == path


def test_the_filter_rewrites_uvicorn_access_records() -> None:
    token = URLSafeTimedSerializer("secret", salt="x").dumps("PA-1")
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", f"/become-a-pa/verify/{token}", "1.1", 200),
        None,
    )
    assert RedactTokens().filter(record)
    assert token not in record.getMessage()
    assert "/become-a-pa/verify/[token]" in record.getMessage()


def access_record(target: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", target, "1.1", 200),
        None,
    )


def test_search_words_never_reach_the_access_log() -> None:
    for target, logged in (
        ("/search?q=schizophrenia+support", "/search"),
        ("/find-a-pa?q=epilepsy&area=normanton&postcode=DE1+1ZZ", "/find-a-pa"),
        ("/api/pas?q=autism&page=2", "/api/pas"),
        ("/api/events?service=carers", "/api/events"),
        ("/pl/search?q=depresja", "/pl/search"),
    ):
        record = access_record(target)
        assert RedactTokens().filter(record)
        message = record.getMessage()
        assert f"GET {logged} HTTP/1.1" in message, message
        assert "?" not in message
    # Elsewhere the query is kept: it holds no words a person typed.
    record = access_record("/events?service=carers&kind=training")
    assert RedactTokens().filter(record)
    assert "/events?service=carers&kind=training" in record.getMessage()
