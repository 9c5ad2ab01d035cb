"""triage: a webhook service that triages failed scheduled jobs."""

__version__ = "0.1.0"
