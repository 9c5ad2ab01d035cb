"""Subcommands of `triage`, one module each (see triage/cli.py)."""
