"""Several app nodes against one database (issue 12, point 2).

Each node keeps its own Whoosh indexes and its own ``site/``; the database says what they must
reflect. ``store`` holds the shared state (the PA change log, the publish generations, the job
leases), ``sync`` brings a node up to date (on PostgreSQL woken by LISTEN/NOTIFY, polling every
second either way), ``jobs`` lets a daily or five-minute command run on every node at once with
only one doing the work. See docs/deploying.md.
"""
