"""Redaction: no secret from the seeded corpus survives, benign look-alikes stay as they are."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.redaction_corpus import benign_lines, secret_samples
from triage.engine.redact import StreamRedactor, redact, redact_obj, redact_stream

SAMPLES = secret_samples(n=240, seed=7)
BENIGN = benign_lines(n=1000, seed=11)


def _leaks(outputs: list[str]) -> list[tuple[str, str]]:
    return [(s.kind, v) for s, out in zip(SAMPLES, outputs) for v in s.secrets if v in out]


def test_corpus_is_large_and_varied() -> None:
    assert len(SAMPLES) >= 200
    assert len({s.kind for s in SAMPLES}) >= 25
    assert len(BENIGN) == 1000


def test_no_leaks_whole_text() -> None:
    assert _leaks([redact(s.text) for s in SAMPLES]) == []


def test_no_leaks_line_by_line() -> None:
    outs = ["".join(StreamRedactor().redact_lines(s.text.splitlines(keepends=True))) for s in SAMPLES]
    assert _leaks(outs) == []


def test_no_leaks_in_one_stream_with_small_chunks() -> None:
    """All samples in one log, read in chunks far smaller than a key block, so blocks are
    cut across chunks and the redactor must carry its state."""
    log = "\n".join(s.text for s in SAMPLES) + "\n"
    out = io.StringIO()
    redact_stream(io.StringIO(log), out, chunk_chars=300)
    text = out.getvalue()
    assert [(s.kind, v) for s in SAMPLES for v in s.secrets if v in text] == []
    assert text.count("\n") == log.count("\n")  # line for line


def test_benign_lines_altered_at_most_one_percent() -> None:
    altered = [line for line in BENIGN if redact(line) != line]
    assert len(altered) <= len(BENIGN) // 100, altered[:10]


def test_placeholders_are_typed() -> None:
    assert redact("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") == "AWS_SECRET_ACCESS_KEY=[REDACTED:aws_secret]"
    assert redact("id AKIAIOSFODNN7EXAMPLE") == "id [REDACTED:aws_access_key_id]"
    assert redact("postgres://etl:Sup3r-secret@db:5432/x") == "postgres://etl:[REDACTED:url_password]@db:5432/x"
    assert redact("> Authorization: Bearer abc.DEF123-ghi") == "> Authorization: Bearer [REDACTED:authorization]"
    assert "[REDACTED:github_token]" in redact("token ghp_" + "a1B2" * 9)


@pytest.mark.parametrize(
    "line",
    [
        'Error from server (NotFound): secrets "db-creds" not found',
        'psql: error: FATAL:  password authentication failed for user "etl"',
        "Error: secret key not set",
        "token expired",
        "invalid token: expired",
        "Caused by: java.sql.SQLException: Access denied for user 'etl'@'10.0.0.3' (using password: YES)",
        "  DB_PASSWORD:  <set to the key 'password' in secret 'db-creds'>  Optional: false",
        "password:  16 bytes",
        "  Image ID: docker-pullable://reg.io/etl@sha256:" + "ab12" * 16,
        "commit 3f5a9c0b1d2e4f60718293a4b5c6d7e8f9012345",
        "request_id=0af7651916cd43dd8448eb211c80319c trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
        "Task instance 6f1c2b7e-3d4a-4e5f-9a8b-7c6d5e4f3a2b exited with return code 1",
        "Name: nightly-etl-28391234-x7k2p  Node: ip-10-0-3-17.eu-west-1.compute.internal",
        "+ /opt/etl/run.sh --password-file /run/secrets/db_password",
        "    conn = psycopg2.connect(host=cfg.host, password=cfg.password)",
        "GET /v1/jobs?page_token=AbC123xyz 200",
        "s3://bucket/path/part-00001.parquet uploaded (12 MiB)",
        "disk-usage-task-391 finished",
        "password: ${DB_PASSWORD}",
        'token: ""',
    ],
)
def test_evidence_is_kept(line: str) -> None:
    assert redact(line) == line


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("+ mysql -h db -u root -pS3cr3tPass -e 'select 1'", "S3cr3tPass"),
        ("+ PGPASSWORD=Pg-Pass_99 psql -h db -U etl", "Pg-Pass_99"),
        ("+ pg_dump --password Hunter22x warehouse", "Hunter22x"),
        ("--password=Hunter22x", "Hunter22x"),
        ('{"user": "etl", "password": "p\\"q9Z"}', 'p\\"q9Z'),
        ("  password: correcthorsebattery", "correcthorsebattery"),
        ("export API_KEY='k-ABCdef123'", "k-ABCdef123"),
        ("spark.hadoop.fs.s3a.secret.key=Zx9/abcDEF", "Zx9/abcDEF"),
        ("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy+/==;EndpointSuffix=x", "Zm9vYmFy+/=="),
        ("GET https://a.blob.core.windows.net/c/b?sv=2022-11-02&sig=AbCdEf0123456789%2B%3D", "AbCdEf0123456789%2B%3D"),
        ("redis://:R3disPass@redis-master:6379/0", "R3disPass"),
        ("https://user:p@ss:w0rd@host.example.com/x", "p@ss:w0rd"),
        ("curl -u etl:Pw_12345 https://x", "Pw_12345"),
        ("Cookie: session=abcDEF123; csrftoken=zz9", "abcDEF123"),
        ("log: password: hunter2 for etl", "hunter2"),
    ],
)
def test_assignments_are_redacted(line: str, secret: str) -> None:
    out = redact(line)
    assert secret not in out
    assert "[REDACTED:" in out


def test_pem_block_across_lines_keeps_markers_and_line_count() -> None:
    body = ["MIIEowIBAAKCAQEAx" + "Q" * 47, "abcDEF+/" * 8, "ZZ9=="]
    text = "start\n-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END RSA PRIVATE KEY-----\nnext line\n"
    for out in (redact(text), "".join(StreamRedactor().redact_lines(text.splitlines(keepends=True)))):
        assert not any(b in out for b in body)
        assert out.count("\n") == text.count("\n")
        assert "-----BEGIN RSA PRIVATE KEY-----" in out and "-----END RSA PRIVATE KEY-----" in out
        assert out.startswith("start\n") and out.endswith("next line\n")


def test_unterminated_key_block_ends_at_the_first_non_key_line() -> None:
    r = StreamRedactor()
    lines = ["-----BEGIN PRIVATE KEY-----\n", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n", "2024-05-01 ERROR job failed: exit code 1\n"]
    out = list(r.redact_lines(lines))
    assert "MIIEvQ" not in "".join(out)
    assert out[2] == lines[2]
    assert not r.in_key_block


def test_redaction_is_idempotent() -> None:
    once = [redact(s.text) for s in SAMPLES[:60]]
    assert [redact(o) for o in once] == once


def test_redact_obj_by_key_name_and_recursively() -> None:
    obj = {
        "password": "hunter2",
        "api_key": 123456,
        "user": "etl",
        "note": "connect with postgres://etl:Pa55word@db/x",
        "env": [{"name": "DB_PASSWORD", "value": "s3cret!"}, {"name": "LOG_LEVEL", "value": "debug"}],
        "nested": {"client_secret": "abc", "tokens_used": 10, "secretName": "db-creds"},
        "ok": True,
        "password_file": "/run/secrets/pw",
    }
    out = redact_obj(obj)
    assert out["password"] == "[REDACTED:password]"
    assert out["api_key"] == "[REDACTED:api_key]"
    assert out["user"] == "etl"
    assert "Pa55word" not in out["note"] and "etl" in out["note"]
    assert out["env"][0]["value"] == "[REDACTED:password]"
    assert out["env"][1]["value"] == "debug"
    assert out["nested"] == {"client_secret": "[REDACTED:secret]", "tokens_used": 10, "secretName": "db-creds"}
    assert out["ok"] is True
    assert out["password_file"] == "/run/secrets/pw"


def test_cli_filters_line_for_line_and_flushes_each_line() -> None:
    """Real process on a pipe: each redacted line comes back before stdin is closed."""
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage", "redact"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONUNBUFFERED": "0"},
        start_new_session=True,
    )
    try:
        assert proc.stdin and proc.stdout
        proc.stdin.write("DB_PASSWORD=Zq9-xx_Yy\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "DB_PASSWORD=[REDACTED:password]\n"
        proc.stdin.write("plain line\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "plain line\n"
        proc.stdin.close()
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # a DSN keeps host, database and user; only its password goes
        (
            "config dsn = 'host=db port=5432 dbname=warehouse user=etl password=Secr3t!x'",
            "config dsn = 'host=db port=5432 dbname=warehouse user=etl password=[REDACTED:password]'",
        ),
        ("DSN=postgresql://etl:S3cret@db:5432/w", "DSN=postgresql://etl:[REDACTED:url_password]@db:5432/w"),
        ("dsn=opaqueSECRET123", "dsn=[REDACTED:connection_string]"),
        # already masked upstream: nothing to do
        ("connecting to postgresql://etl_loader:********@127.0.0.1:5432/w", "connecting to postgresql://etl_loader:********@127.0.0.1:5432/w"),
        # a message about authorization, not a header
        (
            "may require authorization: authorization failed: no basic auth",
            "may require authorization: authorization failed: no basic auth",
        ),
    ],
)
def test_connection_strings_and_messages(line: str, expected: str) -> None:
    assert redact(line) == expected


_KEY_BODY = [
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu",
    "NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ",
]


@pytest.mark.parametrize(
    "prefix",
    [
        "[2024-01-01, 12:00:00 UTC] {subprocess.py:93} INFO - ",  # Airflow task log: six words
        "2024-01-01 12:00:00,123 INFO [main] ",  # Python/Java logging with a logger name
    ],
)
def test_pem_block_behind_a_long_log_prefix_on_every_line_is_redacted(prefix: str) -> None:
    lines = ["-----BEGIN RSA PRIVATE KEY-----", "Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,ABCDEF0123456789", "",
             *_KEY_BODY, "-----END RSA PRIVATE KEY-----", "Traceback (most recent call last):"]
    text = "\n".join(prefix + line for line in lines)
    for out in (redact(text), "".join(StreamRedactor().redact_lines(text.splitlines(keepends=True)))):
        for body in _KEY_BODY:
            assert body not in out
        assert out.count("\n") == text.count("\n")
        assert out.splitlines()[-1] == prefix + "Traceback (most recent call last):"


def test_key_body_starting_on_the_begin_line_is_redacted_on_the_lines_after() -> None:
    text = "\n".join(["key=-----BEGIN PRIVATE KEY----- " + _KEY_BODY[0], *_KEY_BODY[1:], "-----END PRIVATE KEY-----",
                      "next step"])
    out = redact(text)
    for body in _KEY_BODY:
        assert body not in out
    assert out.splitlines()[-1] == "next step"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("+ mysql -u root '-pS3cr3t!x' etl", "S3cr3t!x"),  # bash xtrace quotes the whole word
        ("mysql -u root -p'S3cr3t! x' etl", "S3cr3t! x"),
        ("+ docker login -u ci -p S3cr3tpw registry.example.com", "S3cr3tpw"),
        ("+ podman login -u ci -p S3cr3tpw quay.io", "S3cr3tpw"),
        ("+ aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("GET https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240101T000000Z"
         "&X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0 403",
         "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"),
        ("openssl enc -d -aes-256-cbc -passin pass:S3cr3tpw -in db.sql.enc", "S3cr3tpw"),
        ("+ 7z a -pS3cr3tpw /backup/db.7z /var/lib/db", "S3cr3tpw"),
        ("zip -P S3cr3tpw out.zip report.csv", "S3cr3tpw"),
        ("sqlcmd -S db -U sa -P S3cr3tpw -Q \"SELECT 1\"", "S3cr3tpw"),
        ("ldapsearch -x -D cn=admin,dc=example -w S3cr3tpw -b dc=example", "S3cr3tpw"),
        ("    <password>S3cr3tpw</password>", "S3cr3tpw"),
        ("smbclient //nas/backup -U backup%S3cr3tpw -c 'put db.tar'", "S3cr3tpw"),
        ("+ lftp -u backup,S3cr3tpw sftp://nas.example.com", "S3cr3tpw"),
        ("net use Z: \\\\nas\\share /user:backup S3cr3tpw /persistent:no", "S3cr3tpw"),
        ("openssl enc -aes-256-cbc -salt -k S3cr3tpw -in db.sql -out db.sql.enc", "S3cr3tpw"),
        ("+ rclone config create s3 s3 access_key_id AKIAEXAMPLE secret_access_key S3cr3tpwLongValue", "S3cr3tpwLongValue"),
        ("+ vault login hvs.CAESIJ1oVgF8S3cr3tTokenValue", "hvs.CAESIJ1oVgF8S3cr3tTokenValue"),
        ("+ vault login -no-print hvs.CAESIJ1oVgF8S3cr3tTokenValue", "hvs.CAESIJ1oVgF8S3cr3tTokenValue"),
    ],
)
def test_command_line_and_url_secrets_in_job_logs_are_redacted(line: str, secret: str) -> None:
    assert secret not in redact(line)


@pytest.mark.parametrize(
    "line",
    ["mysql -u root -p etl", "docker login registry.example.com", "Login Succeeded",
     "aws configure set region eu-west-1", "zip -r out.zip dir", "<password></password>",
     "smbclient //nas/backup -U backup -c 'ls'", "openssl version", "vault login -method=oidc",
     "lftp -e 'mirror' sftp://nas", "net use Z: \\\\nas\\share"],
)
def test_commands_without_a_secret_are_kept(line: str) -> None:
    assert redact(line) == line


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        # subprocess.CalledProcessError prints the argument list's repr
        ("subprocess.CalledProcessError: Command '['mysql', '-uroot', '-pS3cr3tpw', 'db']' returned non-zero exit status 1.",
         "S3cr3tpw"),
        ("Command '['env', 'PGPASSWORD=S3cr3tpw', 'psql', '-h', 'db']' returned non-zero exit status 2.", "S3cr3tpw"),
        # Airflow's BashOperator / KubernetesPodOperator
        ("[2024-05-01, 02:00:00 UTC] {subprocess.py:75} INFO - Running command: ['pg_dump', '--password', 'S3cr3tpw', 'w']",
         "S3cr3tpw"),
        ("args: ['--db-password', 'hunter2']", "hunter2"),
        ("args: ['--api-key', '0123456789abcdef0123']", "0123456789abcdef0123"),
        ("['sshpass', '-p', 'S3cr3tpw', 'ssh', 'backup@nas']", "S3cr3tpw"),
        ("['curl', '-fsS', '-u', 'etl:S3cr3tpw', 'https://x']", "S3cr3tpw"),
        ("['docker', 'login', '-u', 'ci', '-p', 'S3cr3tpw', 'registry.example.com']", "S3cr3tpw"),
        ("['redis-cli', '-h', 'redis', '-a', 'S3cr3tpw', 'ping']", "S3cr3tpw"),
        ("['zip', '-P', 'S3cr3tpw', 'out.zip', 'a.csv']", "S3cr3tpw"),
        ("['ldapsearch', '-x', '-w', 'S3cr3tpw', '-b', 'dc=example']", "S3cr3tpw"),
        ("['openssl', 'enc', '-d', '-passin', 'pass:S3cr3tpw']", "S3cr3tpw"),
        ("('sqlcmd', '-S', 'db', '-P', 'S3cr3tpw')", "S3cr3tpw"),  # a tuple is a valid args too
        ("[b'mysqldump', b'-uroot', b'-pS3cr3tpw', b'shop']", "S3cr3tpw"),
        # JSON arrays (a pod spec's command/args, a JSON log)
        ('"args": ["--password", "S3cr3tpw", "--db", "w"]', "S3cr3tpw"),
        ('["sshpass","-p","S3cr3tpw","ssh","nas"]', "S3cr3tpw"),
    ],
)
def test_secrets_in_quoted_argument_lists_are_redacted(line: str, secret: str) -> None:
    out = redact(line)
    assert secret not in out
    assert "[REDACTED:" in out


def test_argument_list_keeps_its_items_and_quotes() -> None:
    line = "subprocess.CalledProcessError: Command '['mysql', '-uroot', '-pS3cr3tpw', 'db']' returned non-zero exit status 1."
    assert redact(line) == (
        "subprocess.CalledProcessError: Command '['mysql', '-uroot', '-p[REDACTED:password]', 'db']' "
        "returned non-zero exit status 1."
    )
    assert redact('["sshpass", "-p", "S3cr3tpw", "ssh", "nas"]') == '["sshpass", "-p", "[REDACTED:password]", "ssh", "nas"]'
    assert redact(redact(line)) == redact(line)


@pytest.mark.parametrize(
    "line",
    [
        "args: ['--verbose', '--dry-run']",
        "['mysql', '-u', 'root', '-p', 'etl']",  # -p alone prompts; 'etl' is the database
        '["mysql", "-p", "etl"]',
        "Running command: ['/usr/bin/bash', '-c', 'python /opt/etl/run.py --since 2d']",
        "args: ['--db-host', 'db.internal', '--password-file', '/run/secrets/pw', '--token-file', '/var/run/t']",
        "Command '['pg_dump', '-h', 'db', '-U', 'etl', 'warehouse']' returned non-zero exit status 1.",
        "KeyError: ('token', 'expired')",
        "['--password', '${DB_PASSWORD}']",
    ],
)
def test_benign_argument_lists_are_kept(line: str) -> None:
    assert redact(line) == line


def test_lftp_password_becomes_one_placeholder() -> None:
    """curl's -u user:pw rule used to read lftp's already redacted "backup,[REDACTED:password]"
    as user "backup,[REDACTED" and password "password]"."""
    assert redact("+ lftp -u backup,S3cr3tpw sftp://nas") == "+ lftp -u backup,[REDACTED:password] sftp://nas"
    assert redact("['lftp', '-u', 'backup,S3cr3tpw', 'sftp://nas']") == "['lftp', '-u', 'backup,[REDACTED:password]', 'sftp://nas']"
