"""`pafinder backup DIR` and `pafinder restore DIR` (issue 12, point 4): a consistent copy of the
database (SQLite's online backup API, or pg_dump) with a manifest that lets a restore prove the
copy whole before it touches anything. See docs/backup.md."""
