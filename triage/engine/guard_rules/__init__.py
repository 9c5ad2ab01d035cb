"""Rules for the read-only command guard (triage/engine/guard.py): which programs,
subcommands, options and SQL statements count as read-only. See programs.py for the policy."""
