"""`triage migrate`: bring the database schema up to date (serve also does this)."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser("migrate", help="apply database migrations and exit")
    p.set_defaults(func=run)


def run(args) -> int:
    from triage.db import make_engine
    from triage.migrate import upgrade
    from triage.settings import load_settings

    settings = load_settings()
    upgrade(make_engine(settings.sqlalchemy_url))
    print("database is up to date")
    return 0
