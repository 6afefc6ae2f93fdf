"""Distances between postcodes, measured between postcode-sector centroids (CONTRACT "Jobs and
alerts": Distance).

The table (postcode_sectors.csv.gz, made by scripts/build_postcode_sectors.py from the ONS
postcode lookup) holds one point per sector ("SK11 6"), the mean of its postcodes' points. A full
postcode is placed at its sector's point, a district ("SK11") at the mean of its sectors' points
weighted by their postcodes. Nothing finer is kept or needed: a sector is a few hundred homes,
and nobody's address should be worked out from a distance we show.

Open data, attribution required wherever it is used (ATTRIBUTION; the "About our data" page).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("postcode_sectors.csv.gz")
ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2025",
    "Contains Royal Mail data © Royal Mail copyright and database right 2025",
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0",
)
EARTH_RADIUS_MILES = 3958.8
# A district (outward code) and, optionally, the inward code: "SK11", "SK116AB", "sk11 6ab".
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})?$")


@dataclass(frozen=True)
class Point:
    lat: float
    long: float


@dataclass(frozen=True)
class Place:
    """Where a postcode or district is: ``code`` as people write it, ``sector`` when a full
    postcode was given."""

    code: str
    point: Point


class Table:
    def __init__(self, sectors: dict[str, Point], districts: dict[str, Point]) -> None:
        self.sectors = sectors
        self.districts = districts

    def place(self, text: str) -> Place | None:
        """Where ``text`` (a full postcode or a district) is; None if it is not one we know."""
        parts = split(text)
        if parts is None:
            return None
        district, inward = parts
        if inward:
            point = self.sectors.get(f"{district} {inward[0]}")
            return Place(f"{district} {inward}", point) if point else None
        point = self.districts.get(district)
        return Place(district, point) if point else None


@lru_cache(maxsize=1)
def table() -> Table:
    sectors: dict[str, Point] = {}
    weights: dict[str, list[float]] = {}
    with gzip.open(TABLE, "rt", newline="") as handle:
        for row in csv.DictReader(io.StringIO(handle.read())):
            lat, long, n = float(row["lat"]), float(row["long"]), int(row["postcodes"])
            sector = row["sector"]
            sectors[sector] = Point(lat, long)
            total = weights.setdefault(sector.split(" ")[0], [0.0, 0.0, 0.0])
            total[0] += lat * n
            total[1] += long * n
            total[2] += n
    districts = {d: Point(t[0] / t[2], t[1] / t[2]) for d, t in weights.items()}
    return Table(sectors, districts)


def split(text: str) -> tuple[str, str] | None:
    """(district, inward code or "") of a postcode as typed, or None if it is not shaped like
    one. Spaces and case do not matter."""
    compact = re.sub(r"\s+", "", text).upper()
    match = _POSTCODE.fullmatch(compact)
    if not match:
        return None
    return match.group(1), match.group(2) or ""


def sector_of(postcode: str | None) -> str | None:
    """The sector ("SK11 6") of a full postcode, or None."""
    parts = split(postcode or "")
    if parts is None or not parts[1]:
        return None
    return f"{parts[0]} {parts[1][0]}"


def miles(a: Point, b: Point) -> float:
    """Great-circle distance (haversine) in miles."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlong = math.radians(b.long - a.long)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlong / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(min(1.0, h)))
