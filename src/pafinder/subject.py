"""Who a subject access request or an erasure is about, and how each feature's SQL matches them.

Each feature's ``privacy`` module takes a ``Subject`` and finds, erases or purges its own rows
(features never read each other's tables); pafinder.dataprotection puts the answers together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_


@dataclass(frozen=True)
class Subject:
    email: str
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    date_of_birth: date | None = None

    @property
    def phones(self) -> list[str]:
        """The forms a UK number is stored in: as typed (spaces dropped), 0..., +44..."""
        digits = re.sub(r"\D", "", self.phone)
        if not digits:
            return []
        national = "0" + digits[2:] if digits.startswith("44") else digits
        forms = {re.sub(r"\s", "", self.phone), national, digits}
        if national.startswith("0"):
            forms.add("+44" + national[1:])
        return sorted(forms)

    def email_is(self, column: Any) -> ColumnElement[bool]:
        if not self.email.strip():
            return false()
        return func.lower(column) == self.email.strip().lower()

    def phone_is(self, column: Any) -> ColumnElement[bool]:
        if not self.phones:
            return false()
        return func.replace(column, " ", "").in_(self.phones)

    def contact_is(self, email: Any, phone: Any | None = None) -> ColumnElement[bool]:
        tests = [self.email_is(email)]
        if phone is not None:
            tests.append(self.phone_is(phone))
        return or_(*tests)

    def named(self) -> bool:
        return bool(self.first_name.strip() and self.last_name.strip() and self.date_of_birth)


def plain(row: Any) -> dict[str, Any]:
    """A row as JSON-ready values (dates and times as ISO 8601, bytes left out)."""
    out: dict[str, Any] = {}
    for key, value in dict(row._mapping).items():
        if isinstance(value, bytes | memoryview):
            continue
        out[key] = value.isoformat() if isinstance(value, date) else value
    return out
