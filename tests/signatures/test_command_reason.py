"""The line under a command explains THAT command, also when only a generic check fits."""

from triage.engine.case_input import build_event_and_evidence
from triage.engine.signatures import diagnose


def test_generic_fallback_check_gets_its_own_reason():
    # No host in the line: the host checks cannot be filled in, so a generic check is shown.
    event, evidence = build_event_and_evidence("cron", "nightly", "psql: error: connection to server failed: "
                                               "Connection refused", None, None)
    h = diagnose(event, evidence)
    assert h.category.value == "dependency_unavailable"
    assert "endpoints" not in h.command_reason and "resolves" not in h.command_reason
    assert h.command.split()[0] in h.command_reason.lower() or "crontab" in h.command_reason


def test_specific_check_keeps_the_signatures_reason():
    event, evidence = build_event_and_evidence(
        "cron", "nightly", 'psql: error: connection to server at "db.internal" (10.0.0.5), port 5432 failed: '
        "Connection refused", None, None)
    h = diagnose(event, evidence)
    assert "db.internal" in h.command
    assert "crontab" not in h.command_reason
