"""Django's PostgreSQL backend, with bulk inserts split to fit server-side binding (ADR 0012)."""
