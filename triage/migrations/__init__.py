"""Alembic migrations for triage's database (applied by `triage serve` and `triage migrate`)."""
