"""`triage wrap` as cron runs it: a real subprocess, against a real triage service."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.support.server import free_port


def wrap(args, server_url, tmp_path, **kw):
    env = {**os.environ, "TRIAGE_URL": server_url, "TRIAGE_SPOOL_DIR": str(tmp_path / "spool")}
    env.pop("TRIAGE_API_TOKEN", None)
    env.update(kw.pop("env", {}))
    return subprocess.run([sys.executable, "-m", "triage", "wrap", *args], env=env, capture_output=True,
                          timeout=kw.pop("timeout", 60), **kw)


def test_done_when_a_failing_command_becomes_a_card_within_five_seconds(triage_server, tmp_path):
    server = triage_server()
    t0 = time.monotonic()
    r = wrap(["--job", "demo", "--", "sh", "-c", "echo boom >&2; exit 3"], server.url, tmp_path)
    assert r.returncode == 3
    assert r.stderr.decode().startswith("boom")  # output passes through unchanged
    item = server.wait_for(lambda items: items and items[0]["hypothesis"] and items[0], timeout=5, what="card")
    assert time.monotonic() - t0 < 5
    assert item["job"] == "demo" and item["exit_code"] == 3
    assert "boom" in "\n".join(item["hypothesis"]["evidence"])
    assert 'data-triage-id="%s"' % item["id"] in server.get("/").text


def test_output_passes_through_byte_for_byte_and_exit_code_is_kept(triage_server, tmp_path):
    server = triage_server()
    script = "printf 'line1\\n\\000\\377 binary\\n'; printf 'err\\n' >&2; exit 0"
    r = wrap(["--job", "ok", "--", "sh", "-c", script], server.url, tmp_path)
    assert r.returncode == 0
    assert r.stdout == b"line1\n\x00\xff binary\n" and r.stderr == b"err\n"
    time.sleep(0.5)
    assert server.get("/v1/triages").json()["items"] == []  # a success is history, not a card


def test_unreachable_server_spools_and_a_later_run_delivers(triage_server, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    r = wrap(["--job", "nightly", "--", "sh", "-c", "echo 'No space left on device' >&2; exit 1"], dead, tmp_path)
    assert r.returncode == 1 and b"spooled" in r.stderr
    spooled = list((tmp_path / "spool").glob("*.json"))
    assert len(spooled) == 1 and json.loads(spooled[0].read_text())["status"] == "failure"
    server = triage_server()
    r2 = wrap(["--job", "nightly", "--", "true"], server.url, tmp_path)
    assert r2.returncode == 0
    assert list((tmp_path / "spool").glob("*.json")) == []
    item = server.wait_for(lambda items: items and items[0]["hypothesis"] and items[0], what="spooled card")
    assert item["hypothesis"]["category"] == "disk_full"


def test_timeout_kills_the_command_and_is_reported(triage_server, tmp_path):
    server = triage_server()
    t0 = time.monotonic()
    r = wrap(["--job", "slow", "--timeout", "1", "--", "sh", "-c", "echo started; sleep 30"], server.url, tmp_path)
    assert time.monotonic() - t0 < 15
    assert r.returncode == 124 and b"timeout" in r.stderr
    item = server.wait_for(lambda items: items and items[0]["hypothesis"] and items[0], what="timeout card")
    detail = server.get(f"/v1/triages/{item['id']}").json()
    assert detail["evidence"]["status"]["wrapper_status"] == "timeout"


def test_lock_refuses_an_overlapping_run_and_reports_it(triage_server, tmp_path):
    server = triage_server()
    env = {**os.environ, "TRIAGE_URL": server.url, "TRIAGE_SPOOL_DIR": str(tmp_path / "spool")}
    first = subprocess.Popen([sys.executable, "-m", "triage", "wrap", "--job", "etl", "--lock", "--", "sleep", "4"],
                             env=env)
    try:
        time.sleep(1.5)
        r = wrap(["--job", "etl", "--lock", "--", "echo", "second"], server.url, tmp_path)
        assert r.returncode == 75 and b"second" not in r.stdout
    finally:
        assert first.wait(30) == 0
    item = server.wait_for(lambda items: items and items[0]["hypothesis"] and items[0], what="overlap card")
    detail = server.get(f"/v1/triages/{item['id']}").json()
    assert detail["evidence"]["status"]["wrapper_status"] == "skipped_overlap"


def test_a_lock_that_cannot_be_created_is_reported_and_the_command_not_run(triage_server, tmp_path):
    # The lock directory sits beside the spool: a file in the way makes it uncreatable.
    server = triage_server()
    (tmp_path / "blocker").write_text("")
    r = wrap(["--job", "etl", "--lock", "--", "sh", "-c", "echo ran > " + str(tmp_path / "ran")], server.url, tmp_path,
             env={"TRIAGE_SPOOL_DIR": str(tmp_path / "blocker" / "spool")})
    assert r.returncode == 73, r.stderr.decode()
    assert b"cannot create the lock file" in r.stderr and b"Traceback" not in r.stderr
    assert not (tmp_path / "ran").exists()
    item = server.wait_for(lambda items: items and items[0]["hypothesis"] and items[0], what="card")
    assert item["job"] == "etl" and item["exit_code"] == 73


def test_signal_death_is_reported_with_the_signal(triage_server, tmp_path):
    server = triage_server()
    r = wrap(["--job", "killed", "--", "sh", "-c", "kill -9 $$"], server.url, tmp_path)
    assert r.returncode == 137
    item = server.wait_for(lambda items: items and items[0]["hypothesis"] and items[0], what="card")
    assert item["exit_code"] == 137


def test_missing_command_exits_127_and_is_reported(triage_server, tmp_path):
    server = triage_server()
    r = wrap(["--job", "typo", "--", "definitely-not-a-command-xyz"], server.url, tmp_path)
    assert r.returncode == 127 and b"definitely-not-a-command-xyz" in r.stderr
    server.wait_for(lambda items: items and items[0]["job"] == "typo", what="card")


def test_huge_output_keeps_head_and_tail_in_bounded_memory():
    from triage.wrap import OutputKeeper

    keeper = OutputKeeper(head_bytes=1000, tail_bytes=2000)
    keeper.feed(b"HEAD-START\n")
    for i in range(100_000):
        keeper.feed(b"noise line %d\n" % i)
    keeper.feed(b"FINAL ERROR\n")
    text, dropped = keeper.excerpt()
    assert text.startswith("HEAD-START") and text.rstrip().endswith("FINAL ERROR")
    assert dropped > 1_000_000 and f"{dropped} bytes omitted" in text
    assert keeper.tail_size < 2000 + 65536
    assert len(text) < 4000


def test_timeout_escalates_to_sigkill_when_the_command_ignores_sigterm(triage_server, tmp_path):
    server = triage_server()
    t0 = time.monotonic()
    r = wrap(["--job", "stubborn", "--timeout", "1", "--", "sh", "-c", "trap '' TERM; sleep 60"], server.url, tmp_path)
    elapsed = time.monotonic() - t0
    assert r.returncode == 124
    assert elapsed < 30  # killed after the grace period, not after the 60 s sleep


def test_an_unwritable_spool_keeps_the_commands_exit_code(tmp_path):
    # Server unreachable and the spool cannot be written (a full disk, a file in the way):
    # the report is lost, but cron must still see the command's own exit code.
    (tmp_path / "blocker").write_text("")
    dead = f"http://127.0.0.1:{free_port()}"
    r = wrap(["--job", "nightly", "--", "sh", "-c", "exit 3"], dead, tmp_path,
             env={"TRIAGE_SPOOL_DIR": str(tmp_path / "blocker" / "spool")})
    assert r.returncode == 3, r.stderr.decode()
    assert b"could not spool" in r.stderr and b"Traceback" not in r.stderr


def test_a_realtime_signal_death_exits_128_plus_n_and_is_reported(tmp_path):
    # Signals past SIGRTMIN have no name in Python's signal.Signals; the shell still says 128+N.
    dead = f"http://127.0.0.1:{free_port()}"
    r = wrap(["--job", "rt", "--", "sh", "-c", "kill -40 $$"], dead, tmp_path)
    assert r.returncode == 168, r.stderr.decode()
    assert b"Traceback" not in r.stderr
    [spooled] = (tmp_path / "spool").glob("*.json")
    report = json.loads(spooled.read_text())
    assert report["status"] == "failure" and report["exit_code"] == 168 and report["signal"]


def test_a_server_url_httpx_cannot_parse_never_changes_the_command(tmp_path):
    # Before the command (delivering an earlier spooled report) and after it (this run's report).
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "earlier.json").write_text(json.dumps({"job": "old", "run_id": "earlier"}))
    r = wrap(["--job", "nightly", "--server", "http://[::1", "--", "sh", "-c", "echo ran; exit 3"],
             "http://unused", tmp_path)
    assert r.returncode == 3, r.stderr.decode()
    assert r.stdout == b"ran\n" and b"Traceback" not in r.stderr
    assert len(list(spool.glob("*.json"))) == 2  # the earlier report kept, this run's spooled


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root and setpriv to run as a uid without a passwd entry")
def test_a_uid_without_a_passwd_entry_still_runs_the_command(tmp_path):
    # Containers often run cron jobs as an arbitrary uid with no passwd entry and no USER/LOGNAME;
    # and a spool path that uid may not read (here under pytest's root-only tmp) must not stop it either.
    as_nobody = ["setpriv", "--reuid", "54321", "--regid", "54321", "--clear-groups", sys.executable]
    probe = subprocess.run([*as_nobody, "-c", "import triage.wrap"], capture_output=True, timeout=60)
    if probe.returncode != 0:
        # A checkout under a directory only root may enter (`git clone . "$(mktemp -d)/fresh"`).
        pytest.skip(f"uid 54321 cannot read this checkout or its venv: {probe.stderr.decode().strip()[-200:]}")
    shared = Path(tempfile.mkdtemp(prefix="triage-wrap-"))
    shared.chmod(0o777)
    try:
        for spool, spooled in ((shared / "spool", True), (tmp_path / "spool", False)):
            env = {k: v for k, v in os.environ.items() if k not in ("USER", "LOGNAME", "LNAME", "USERNAME")}
            env.update(TRIAGE_URL=f"http://127.0.0.1:{free_port()}", TRIAGE_SPOOL_DIR=str(spool), HOME=str(shared))
            r = subprocess.run([*as_nobody, "-m", "triage", "wrap", "--job", "nobody", "--", "sh", "-c", "echo ran; exit 3"],
                               env=env, capture_output=True, timeout=60)
            assert r.returncode == 3, r.stderr.decode()
            assert r.stdout == b"ran\n" and b"Traceback" not in r.stderr
            if spooled:
                [report] = spool.glob("*.json")
                assert json.loads(report.read_text())["user"] == "54321"
    finally:
        shutil.rmtree(shared)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_timeout_that_is_not_a_finite_number_is_refused_by_name(tmp_path, value):
    r = wrap(["--job", "t", "--timeout", value, "--", "sh", "-c", "echo ran"], "http://127.0.0.1:1", tmp_path)
    assert r.returncode == 2 and b"--timeout" in r.stderr and b"Traceback" not in r.stderr
    assert r.stdout == b""


def test_a_very_long_timeout_does_not_crash_the_wrapper(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    r = wrap(["--job", "t", "--timeout", "1e300", "--", "sh", "-c", "echo ran; exit 3"], dead, tmp_path)
    assert r.returncode == 3, r.stderr.decode()
    assert r.stdout == b"ran\n" and b"Traceback" not in r.stderr


def test_a_spooled_report_is_readable_only_by_the_jobs_user(tmp_path):
    # The spool holds the command line and output unredacted (a password on the command line, a
    # token a script echoed); with the usual umask 022 any local user could read it.
    dead = f"http://127.0.0.1:{free_port()}"
    r = wrap(["--job", "backup", "--", "sh", "-c", "echo 'mysqldump -psecret failed' >&2; exit 2"], dead, tmp_path,
             preexec_fn=lambda: os.umask(0o022))
    assert r.returncode == 2
    spool = tmp_path / "spool"
    [report] = spool.glob("*.json")
    assert report.stat().st_mode & 0o077 == 0, oct(report.stat().st_mode)
    assert spool.stat().st_mode & 0o077 == 0, oct(spool.stat().st_mode)


def test_a_spool_that_fills_up_keeps_the_exit_code_and_leaves_no_partial_files(tmp_path):
    # RLIMIT_FSIZE stands in for a full disk: the write fails part way (EFBIG, as ENOSPC would).
    # The half-written temporary file stayed behind on every such run, filling the disk further.
    import resource

    dead = f"http://127.0.0.1:{free_port()}"
    for _ in range(2):
        r = wrap(["--job", "nightly", "--", "sh", "-c", "echo out; exit 4"], dead, tmp_path,
                 preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100)))
        assert r.returncode == 4 and r.stdout == b"out\n"
        assert b"could not spool" in r.stderr and b"Traceback" not in r.stderr
    assert list((tmp_path / "spool").iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stop_signal_while_the_report_is_posted_keeps_the_exit_code_and_spools_the_report(tmp_path, signum):
    # cron or an operator stops the wrapper after the command ended, while the report is on its
    # way (here to a server that accepts the connection and never answers). The default handler
    # killed the wrapper: exit 128+N instead of the command's, and the report was lost.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(30)
    env = {**os.environ, "TRIAGE_URL": "http://127.0.0.1:%d" % listener.getsockname()[1],
           "TRIAGE_SPOOL_DIR": str(tmp_path / "spool")}
    env.pop("TRIAGE_API_TOKEN", None)
    p = subprocess.Popen([sys.executable, "-m", "triage", "wrap", "--job", "nightly", "--", "sh", "-c",
                          "echo boom >&2; exit 3"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        conn, _ = listener.accept()  # the command has ended; the wrapper is posting its report
        time.sleep(0.3)
        t0 = time.monotonic()
        p.send_signal(signum)
        out, err = p.communicate(timeout=30)
        conn.close()
    finally:
        p.kill()
        listener.close()
    assert p.returncode == 3, err.decode()
    assert time.monotonic() - t0 < 4  # it stopped posting; it did not wait out the 5 s post timeout
    assert out == b"" and err.startswith(b"boom\n") and b"Traceback" not in err
    [spooled] = (tmp_path / "spool").glob("*.json")
    report = json.loads(spooled.read_text())
    assert report["status"] == "failure" and report["exit_code"] == 3 and "boom" in report["output"]


def test_a_reader_that_leaves_early_stops_the_command_as_it_would_without_the_wrapper(triage_server, tmp_path):
    # `triage wrap -- seq 1 1000000 | head -1`: without the wrapper seq dies of SIGPIPE (141 in the
    # shell). The wrapper's write to the closed pipe failed; it exited 0 with the command still
    # running and the run never reported.
    server = triage_server()
    env = {**os.environ, "TRIAGE_URL": server.url, "TRIAGE_SPOOL_DIR": str(tmp_path / "spool")}
    env.pop("TRIAGE_API_TOKEN", None)
    p = subprocess.Popen([sys.executable, "-m", "triage", "wrap", "--job", "seq", "--", "seq", "1", "10000000"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = p.stdout.readline()
        p.stdout.close()  # what `head -1` does
        err = p.stderr.read()
        p.wait(60)
    finally:
        p.kill()
    assert first == b"1\n"
    assert p.returncode == 141, err.decode()  # the command's own SIGPIPE, as the shell reports it
    assert b"Traceback" not in err
    item = server.wait_for(lambda items: items and items[0]["hypothesis"] and items[0], what="card")
    assert item["exit_code"] == 141
    assert server.get(f"/v1/triages/{item['id']}").json()["evidence"]["status"]["signal"] == "SIGPIPE"


def test_a_closed_stdout_is_the_commands_closed_stdout(triage_server, tmp_path):
    # cron job >&-: the command's own writes to stdout fail (EBADF) and it goes on; the wrapper
    # crashed with a traceback (exit 1) before reading any output, and reported nothing.
    server = triage_server()
    script = "echo out; echo err >&2; exit 3"
    direct = subprocess.run(["sh", "-c", script], capture_output=True, preexec_fn=lambda: os.close(1))
    r = wrap(["--job", "closed", "--", "sh", "-c", script], server.url, tmp_path, preexec_fn=lambda: os.close(1))
    assert direct.returncode == 3
    assert r.returncode == direct.returncode, r.stderr.decode()
    assert r.stderr == direct.stderr and b"Traceback" not in r.stderr
    item = server.wait_for(lambda items: items and items[0]["job"] == "closed" and items[0], what="card")
    assert item["exit_code"] == 3


def test_a_report_over_the_servers_body_limit_is_sent_again_with_the_end_of_its_output(triage_server, tmp_path):
    # A lowered TRIAGE_MAX_BODY_BYTES answers 413; the wrapper took that as "never" and dropped the
    # report silently. The end of the output is where the failure is told: that part is sent.
    server = triage_server(env={"TRIAGE_MAX_BODY_BYTES": "4096"})
    script = "i=0; while [ $i -lt 2000 ]; do echo \"copying chunk $i of the nightly export\"; i=$((i+1)); done; " \
             "echo 'cp: error writing /backup/export.tar: No space left on device' >&2; exit 1"
    r = wrap(["--job", "export", "--", "sh", "-c", script], server.url, tmp_path)
    assert r.returncode == 1, r.stderr.decode()
    assert b"body limit" in r.stderr and b"Traceback" not in r.stderr
    item = server.wait_for(lambda items: items and items[0]["hypothesis"] and items[0], what="card")
    assert item["job"] == "export" and item["exit_code"] == 1
    assert item["hypothesis"]["category"] == "disk_full"
    detail = server.get(f"/v1/triages/{item['id']}").json()
    assert "No space left on device" in detail["evidence"]["log_text"]
    assert list((tmp_path / "spool").glob("*.json")) == []


def test_a_reader_that_leaves_early_on_both_streams_still_gets_the_report_spooled(tmp_path):
    # `triage wrap -- cmd 2>&1 | head -1` with the server down: the wrapper's own note ("could not
    # reach ...; spooled") went to the closed pipe and failed before the report was spooled.
    env = {**os.environ, "TRIAGE_URL": f"http://127.0.0.1:{free_port()}", "TRIAGE_SPOOL_DIR": str(tmp_path / "spool")}
    env.pop("TRIAGE_API_TOKEN", None)
    p = subprocess.Popen([sys.executable, "-m", "triage", "wrap", "--job", "seq", "--", "seq", "1", "10000000"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        first = p.stdout.readline()
        p.stdout.close()
        p.wait(60)
    finally:
        p.kill()
    assert first == b"1\n"
    assert p.returncode == 141
    [spooled] = (tmp_path / "spool").glob("*.json")
    report = json.loads(spooled.read_text())
    assert report["exit_code"] == 141 and report["signal"] == "SIGPIPE"


@pytest.mark.parametrize("stderr", ["closed", "full"])
def test_a_stderr_that_cannot_be_written_keeps_the_commands_exit_code_and_the_report(tmp_path, stderr):
    # cron job 2>&- or 2>/dev/full, server down: the wrapper's note that it spooled the report
    # failed (a traceback nobody sees, exit 1) before the report was spooled.
    def start():
        if stderr == "closed":
            os.close(2)
        else:
            os.dup2(os.open("/dev/full", os.O_WRONLY), 2)

    script = "echo out; exit 3"  # only the wrapper writes to stderr
    direct = subprocess.run(["sh", "-c", script], stdout=subprocess.PIPE, preexec_fn=start)
    env = {**os.environ, "TRIAGE_URL": f"http://127.0.0.1:{free_port()}", "TRIAGE_SPOOL_DIR": str(tmp_path / "spool")}
    r = subprocess.run([sys.executable, "-m", "triage", "wrap", "--job", "noisy", "--", "sh", "-c", script],
                       env=env, stdout=subprocess.PIPE, preexec_fn=start, timeout=60)
    assert direct.returncode == 3 and r.returncode == 3
    assert r.stdout == direct.stdout == b"out\n"
    [spooled] = (tmp_path / "spool").glob("*.json")
    assert json.loads(spooled.read_text())["exit_code"] == 3


def test_a_command_line_that_is_not_utf8_is_reported_and_blocks_no_spool(triage_server, tmp_path):
    """An argument in another encoding (a Latin-1 file name) came into the report as a lone
    surrogate, which httpx cannot send: the report was spooled as 'unreachable', and every later
    run stopped at it, so reports queued behind it waited forever. It is sent with U+FFFD now."""
    server = triage_server()
    script = "echo 'No space left on device' >&2; exit 1"
    r = wrap(["--job", "latin1", "--", "sh", "-c", script, "sh", b"/srv/exports/caf\xe9.csv"], server.url, tmp_path)
    assert r.returncode == 1
    assert not list((tmp_path / "spool").glob("*.json")), r.stderr.decode(errors="replace")
    item = server.wait_for(lambda items: items and items[0]["hypothesis"] and items[0], what="card")
    assert item["job"] == "latin1" and item["hypothesis"]["category"] == "disk_full"
