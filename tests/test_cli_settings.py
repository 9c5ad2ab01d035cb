"""A wrong setting stops any subcommand with exit code 2 and one message naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("argv", [["migrate"], ["analyze", "LOG"], ["eval", "export-feedback", "--out", "unused"]])
def test_wrong_setting_is_reported_and_exits_2(argv, monkeypatch, capsys, tmp_path):
    from triage.cli import main

    log = tmp_path / "job.log"
    log.write_text("Traceback (most recent call last):\nValueError: boom\n")
    argv = [str(log) if a == "LOG" else a for a in argv]
    monkeypatch.setenv("TRIAGE_DATABASE_URL", "mysql://nobody@localhost/x")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"triage {argv[0]}: invalid settings:")
    assert "TRIAGE_DATABASE_URL" in err


def test_wrap_does_not_import_settings():
    # `triage wrap` runs from crontabs; it must not pay for pydantic at every run.
    code = ("import sys; from triage.cli import build_parser; build_parser(only='wrap'); "
            "import triage.wrap; print('triage.settings' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("var, value", [("TRIAGE_APPROVERS", "U0123ABC, alice"),
                                        ("TRIAGE_INBOX_USERS", "alice:pw"),
                                        ("TRIAGE_SLACK_ROUTES", "source:airflow=#data")])
def test_a_list_or_mapping_setting_that_is_not_json_is_reported_not_a_traceback(var, value, monkeypatch, capsys):
    # pydantic-settings refuses these while reading the environment, before validation, with
    # its own exception: `triage serve` died with a traceback naming the field, not the variable.
    from triage.cli import main

    monkeypatch.setenv(var, value)
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("triage migrate: invalid settings:")
    assert var in err and "JSON" in err
