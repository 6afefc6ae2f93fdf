"""Staff area: sign-in, roles, the audit log, and the shared guard for /staff/ routes."""
