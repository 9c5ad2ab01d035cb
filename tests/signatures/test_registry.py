"""The library as a whole: coverage of the taxonomy, read-only command templates, the
condenser's predicate."""

from __future__ import annotations

import shlex
from collections import Counter

import pytest

from triage.engine import signatures
from triage.engine.signatures.model import render, template_fields
from triage.models import Category

# Programs (and subcommands) a template may start with: each only reads.
READ_ONLY_PREFIXES = (
    "kubectl get ", "sed -n ", "kubectl describe ", "kubectl logs ", "kubectl top ", "kubectl auth can-i ",
    "airflow tasks states-for-dag-run ", "airflow tasks state ", "airflow dags list-runs ", "airflow dags list-import-errors",
    "airflow variables list", "airflow pools list", "airflow jobs check ",
    "journalctl ", "grep ", "cat ", "df ", "ls ", "stat ", "ps ", "ss ", "free ", "dig ", "getent hosts ", "curl -sS ",
    "psql ", "crontab -l", "systemctl status ", "timedatectl status", "id ", "aws sts get-caller-identity", "gcloud auth list", "az account show", "pip show ",
    "ldd --version", "java -version", "chage -l ", "pg_dump --version", "mysqldump --version", "mysql --version", "php -m",
    "restic list locks --no-lock", "php -v", "perl --version", "ruby --version",
    "systemctl cat ", "logrotate -d ",
    # Single settings that are never secrets (a prefix would also admit sql_alchemy_conn, which holds a password).
    "airflow config get-value core dags_folder", "airflow config get-value execution_api jwt_expiration_time",
    "airflow config get-value core execution_api_server_url", "aws emr describe-cluster ",
    "airflow db check", "airflow version",
)
SAMPLE = {
    "ns": "reports", "k8s_job": "j-1", "pod": "p-1", "cronjob": "cj", "dag": "d", "run": "r", "task": "t", "try_number": "1",
    "cron_host": "h", "cron_job": "cj", "cron_user": "u", "cron_command": "/x.sh", "job": "j", "memory_limit": "512Mi",
    "code_from": "37", "code_to": "47", "code_file": "/opt/jobs/etl.py",
}


def test_the_library_is_large_and_covers_the_taxonomy() -> None:
    assert len(signatures.SIGNATURES) >= 60
    decisive = Counter(s.category for s in signatures.SIGNATURES if not s.generic)
    for category in Category:
        if category is not Category.other:
            assert decisive[category] >= 1, category
    families = Counter(s.family for s in signatures.SIGNATURES)
    assert set(families) == {"kubernetes", "airflow", "shell", "runtimes", "databases", "cloud", "network", "storage"}


def test_confidence_is_reserved_for_specific_signatures() -> None:
    for sig in signatures.SIGNATURES:
        if sig.generic:
            assert sig.confidence < 0.4, sig.id


@pytest.mark.parametrize("sig", signatures.SIGNATURES, ids=lambda s: s.id)
def test_every_command_template_is_read_only(sig) -> None:
    for template in sig.commands:
        assert template.startswith(READ_ONLY_PREFIXES), template
        values = dict(SAMPLE)
        values.update({f: "v-1" for f in template_fields(template) if f not in values})
        command = render(template, values, quote=True)
        argv = shlex.split(command)
        assert not {"-f", "--follow", "-w", "--watch", "delete", "apply", "exec", "edit", "patch"} & set(argv), command
        assert not any(op in argv for op in (";", "|", "&&", ">", "<")), command


@pytest.mark.parametrize("line", [
    "Error: secrets \"db-creds\" not found",
    "Out of memory: Killed process 42 (python3) total-vm:1kB",
    "Traceback (most recent call last):",
    "psycopg2.OperationalError: could not translate host name \"db\" to address: Name or service not known",
    "java.lang.OutOfMemoryError: Java heap space",
    "  Caused by: java.net.ConnectException: Connection refused",
])
def test_interesting_line_keeps_signature_lines(line: str) -> None:
    assert signatures.interesting_line(line)


@pytest.mark.parametrize("line", [
    "INFO - loaded 1200 rows into staging.orders",
    "2024-05-01 02:00:00 starting nightly report",
    "",
])
def test_interesting_line_skips_ordinary_lines(line: str) -> None:
    assert not signatures.interesting_line(line)


@pytest.mark.parametrize("sig", [s for s in signatures.SIGNATURES if s.commands], ids=lambda s: s.id)
def test_every_command_template_passes_the_read_only_guard(sig) -> None:
    from triage.engine.guard import check_command

    for template in sig.commands:
        values = dict(SAMPLE, url="https://api.example.com/v1/x", path="/data/in/x.csv", host="db.example.com")
        values.update({f: "v-1" for f in template_fields(template) if f not in values})
        command = render(template, values, quote=True)
        verdict = check_command(command)
        assert verdict.allowed, (command, verdict.reason)


@pytest.mark.parametrize("raw,clean", [
    ("cpu.", "cpu"), ("'/data/x.csv'", "/data/x.csv"), ("/data/x.csv'", "/data/x.csv"), ("db.internal\",", "db.internal"),
    ("report template missing field 'region'", "report template missing field 'region'"), ("(api.example.com)", "api.example.com"),
])
def test_values_read_from_logs_lose_only_surrounding_punctuation(raw: str, clean: str) -> None:
    from triage.engine.signatures.model import clean_value

    assert clean_value(raw) == clean
