"""Derive the postcode-sector centroid table the portal measures distances with.

    python scripts/build_postcode_sectors.py ../shared/data/nspl-postcodes \
        src/pafinder/geo/postcode_sectors.csv.gz

Reads one gzipped CSV per postcode area (`Postcode,lat,long`, every UK postcode from the ONS
National Statistics Postcode Lookup, as republished by ODI Leeds) and writes one row per postcode
sector: `sector,lat,long,postcodes`, the centroid being the mean of its postcodes' points and
`postcodes` how many were averaged (so a district's centroid can be weighted from its sectors).

Left out, as the data's README asks or because they would mislead a distance:
- Northern Ireland (area BT), whose postcodes carry extra licence terms for commercial use;
- postcodes without a point (terminated or never located: an empty `lat`);
- points outside the UK's bounding box (a placeholder such as 0,0 or 99.999999,0).
Large-user postcodes cannot be told apart in this file; they sit inside their sector anyway.
Crown Dependencies (GY, JE, IM) are kept: their postcodes are in the file and measure correctly.

Deterministic: the same input gives the same bytes (sorted rows, fixed rounding, no gzip time).
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

LEFT_OUT_AREAS = {"BT"}
LAT_RANGE = (49.0, 61.5)
LONG_RANGE = (-8.7, 2.0)


def sector_of(postcode: str) -> str | None:
    compact = postcode.replace(" ", "").upper()
    if len(compact) < 5:
        return None
    return f"{compact[:-3]} {compact[-3]}"


def main(source: Path, target: Path) -> int:
    sums: dict[str, list[float]] = {}
    for path in sorted(source.glob("*.csv.gz")):
        if path.name.split(".")[0] in LEFT_OUT_AREAS:
            continue
        with gzip.open(path, "rt", newline="") as handle:
            for row in csv.DictReader(handle):
                sector = sector_of(row["Postcode"])
                try:
                    lat, long = float(row["lat"]), float(row["long"])
                except (TypeError, ValueError):
                    continue  # no point: terminated or never located
                if sector is None or not (
                    LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LONG_RANGE[0] <= long <= LONG_RANGE[1]
                ):
                    continue
                total = sums.setdefault(sector, [0.0, 0.0, 0])
                total[0] += lat
                total[1] += long
                total[2] += 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["sector", "lat", "long", "postcodes"])
    for sector in sorted(sums):
        lat, long, count = sums[sector]
        writer.writerow([sector, f"{lat / count:.5f}", f"{long / count:.5f}", int(count)])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.compress(out.getvalue().encode(), compresslevel=9, mtime=0))
    print(f"{len(sums)} sectors written to {target}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
