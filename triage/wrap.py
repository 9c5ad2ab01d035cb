"""`triage wrap`: run a cron command, pass its output through, and report the run.

The wrapper must never get in the way of the job: output passes through unchanged, the
exit code is the command's, memory stays bounded whatever the command prints, and a
report that cannot be delivered is spooled to disk and sent by a later run.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import re
import selectors
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx

# Exit code when --lock finds the previous run still going (EX_TEMPFAIL, as flock -n users expect
# "try again later").
EXIT_OVERLAP = 75
# Exit code when --lock cannot create its lock file (EX_CANTCREAT): the command was not run.
EXIT_CANTCREAT = 73
# Exit code for a command killed at its --timeout, as coreutils' timeout(1) uses.
EXIT_TIMEOUT = 124
# Grace between SIGTERM and SIGKILL for a command past its timeout.
KILL_GRACE_SECONDS = 5.0
# The longest single wait for output; the loop checks the deadline again after it.
MAX_WAIT_SECONDS = 3600.0
# What cron, systemd or an operator sends to stop the run: forwarded to the command while it runs.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def to_devnull(fd: int) -> None:
    """Point one of our own streams at /dev/null once writing to it failed: what stays buffered,
    the interpreter's final flush (else exit 120) and later writes then go nowhere, quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def say(msg: str) -> None:
    """A note on stderr, where cron mails it. A stderr that cannot be written (the reader left:
    `2>&1 | head -1`; a full disk; closed) must not stop the report or change the exit code."""
    if sys.stderr is None:
        return
    try:
        sys.stderr.write(msg)
        sys.stderr.flush()
    except OSError:
        to_devnull(sys.stderr.fileno())


class OutputKeeper:
    """Keeps the first and last bytes of a stream in bounded memory."""

    def __init__(self, head_bytes: int = 32 * 1024, tail_bytes: int = 96 * 1024):
        self.head_limit = head_bytes
        self.tail_limit = tail_bytes
        self.head = bytearray()
        self.tail: deque[bytes] = deque()
        self.tail_size = 0
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if not data:
            return
        self.tail.append(data)
        self.tail_size += len(data)
        while self.tail_size - len(self.tail[0]) >= self.tail_limit:
            self.tail_size -= len(self.tail.popleft())

    def excerpt(self) -> tuple[str, int]:
        """The kept text and how many bytes in the middle were dropped."""
        tail = b"".join(self.tail)
        if len(tail) > self.tail_limit:
            tail = tail[-self.tail_limit :]
        dropped = self.total - len(self.head) - len(tail)
        text = self.head.decode("utf-8", "replace")
        if dropped > 0:
            text += f"\n[... {dropped} bytes omitted by triage wrap ...]\n"
        return text + tail.decode("utf-8", "replace"), max(dropped, 0)


@dataclass
class RunResult:
    exit_code: int
    status: str  # success | failure | timeout | skipped_overlap
    signal: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    finished_at: datetime | None = None
    duration_seconds: float = 0.0
    output: str = ""
    dropped: int = 0


class TimeoutStopper:
    """SIGTERM at the deadline, SIGKILL after the grace period; `check` says how long to wait."""

    def __init__(self, deadline: float | None, send: Callable[[int], None]):
        self.deadline = deadline
        self.send = send
        self.timed_out = False
        self.kill_at: float | None = None

    def check(self) -> float | None:
        now = time.monotonic()
        if self.deadline and not self.timed_out and now >= self.deadline:
            self.timed_out = True
            self.send(signal.SIGTERM)
            self.kill_at = now + KILL_GRACE_SECONDS
        if self.kill_at and now >= self.kill_at:
            self.send(signal.SIGKILL)
            self.kill_at = None
        # Capped: select() refuses a wait past the platform's time_t (--timeout 1e300).
        if self.deadline and not self.timed_out:
            return min(max(self.deadline - now, 0.01), MAX_WAIT_SECONDS)
        if self.kill_at:
            return max(self.kill_at - now, 0.01)
        return None


def signal_name(signum: int) -> str:
    """SIGKILL, SIGRTMIN+6...: Python's Signals enum has no member for most real-time signals."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        rtmin = getattr(signal, "SIGRTMIN", None)
        if rtmin is not None and signum > rtmin:
            return f"SIGRTMIN+{signum - rtmin}"
        return f"signal {signum}"


def run_command(argv: list[str], timeout: float | None, keeper: OutputKeeper) -> RunResult:
    started = datetime.now(timezone.utc)
    t0 = time.monotonic()
    try:
        # A new session so a timeout can kill the whole process group, grandchildren included.
        # Started with stdout or stderr closed (`>&-`, sys.stdout is None): the command's is closed
        # too, so its writes fail as they would without the wrapper.
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE if sys.stdout is not None else None,
                                stderr=subprocess.PIPE if sys.stderr is not None else None, start_new_session=True)
    except OSError as exc:
        msg = f"triage wrap: cannot run {shlex.join(argv)}: {exc.strerror or exc}\n"
        say(msg)
        keeper.feed(msg.encode())
        code = 127 if isinstance(exc, FileNotFoundError) else 126
        text, dropped = keeper.excerpt()
        return RunResult(code, "failure", started_at=started, finished_at=datetime.now(timezone.utc),
                         output=text, dropped=dropped)

    def forward(signum, _frame):
        # cron or an operator stopping the wrapper stops the command too.
        try:
            os.killpg(proc.pid, signum)
        except ProcessLookupError:
            pass

    old = {s: signal.signal(s, forward) for s in STOP_SIGNALS}
    sel = selectors.DefaultSelector()
    # fd of the command's pipe -> (the pipe, where its output passes through; None once that failed)
    outs = {pipe.fileno(): (pipe, sink.buffer) for pipe, sink in ((proc.stdout, sys.stdout), (proc.stderr, sys.stderr))
            if pipe is not None}
    for fd in outs:
        sel.register(fd, selectors.EVENT_READ)
    stopper = TimeoutStopper(t0 + timeout if timeout else None, lambda sig: forward(sig, None))
    try:
        while outs:
            for key, _ in sel.select(stopper.check()):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fd)
                    del outs[key.fd]
                    continue
                keeper.feed(chunk)
                pipe, sink = outs[key.fd]
                if sink is None:
                    continue
                try:
                    sink.write(chunk)
                    sink.flush()
                except OSError as exc:
                    to_devnull(sink.fileno())
                    if isinstance(exc, BrokenPipeError):
                        # The reader left (`| head -1`). Without the wrapper the command's next write
                        # would fail (SIGPIPE, or EPIPE if it ignores that): closing its pipe does that.
                        sel.unregister(key.fd)
                        del outs[key.fd]
                        pipe.close()
                    else:
                        # A full disk, an I/O error: the command runs on and its output is kept for
                        # the report; passing it through stops.
                        outs[key.fd] = (pipe, None)
                        say(f"triage wrap: cannot pass the command's output through: {exc}\n")
        # Output closed; the command (or a grandchild holding the pipes) may still be running.
        while True:
            try:
                rc = proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                stopper.check()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        sel.close()
    finished = datetime.now(timezone.utc)
    sig = None
    if rc < 0:
        sig = signal_name(-rc)
        rc = 128 - rc  # the shell's convention: 137 for SIGKILL
    timed_out = stopper.timed_out
    if timed_out:
        note = f"triage wrap: killed after the {timeout:g}s timeout\n"
        say(note)
        keeper.feed(note.encode())
    text, dropped = keeper.excerpt()
    status = "timeout" if timed_out else ("success" if rc == 0 else "failure")
    if timed_out:
        rc = EXIT_TIMEOUT
    return RunResult(rc, status, sig, started, finished, time.monotonic() - t0, text, dropped)


def spool_dir() -> Path:
    explicit = os.environ.get("TRIAGE_SPOOL_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "triage" / "spool"


class Stopped(BaseException):
    """A stop signal arrived while a report was being posted (BaseException: no `except
    Exception` on the way may take it for a network error)."""


class Reporter:
    """Delivers run reports, spooling what cannot be delivered now."""

    def __init__(self, server: str, token: str | None, timeout: float = 5.0):
        self.url = server.rstrip("/") + "/v1/events/cron"
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.timeout = timeout
        self.spool = spool_dir()
        self.stopped: int | None = None
        self._posting = False

    def stop_on_signals(self) -> None:
        """Once there is a report to send: a stop signal ends the post (the report is spooled)
        instead of killing the wrapper, which lost the report and exited 128+N, not the command's code."""
        for s in STOP_SIGNALS:
            signal.signal(s, self._stop)

    def _stop(self, signum, _frame) -> None:
        self.stopped = signum
        if self._posting:
            self._posting = False
            raise Stopped(signum)

    def _post(self, payload: dict, cut: bool = False) -> bool:
        try:
            r = httpx.post(self.url, json=payload, headers=self.headers, timeout=self.timeout)
        # Not only httpx.HTTPError: a URL httpx cannot parse (InvalidURL) must not stop the job either.
        except Exception as exc:
            say(f"triage wrap: could not reach {self.url}: {exc}; spooled for later\n")
            return False
        if r.status_code == 202:
            return True
        if r.status_code == 413 and not cut:
            # Over the server's body limit (a lowered TRIAGE_MAX_BODY_BYTES, a proxy's): it would
            # refuse this report every time, so spooling it is no use. Sent once more with the end of
            # the output, where a failure is told, cut to fit (half the body when no limit is named).
            said = re.search(r"larger than (\d+) bytes", r.text)
            smaller = cut_output(payload, int(said.group(1)) if said else len(r.request.content) // 2)
            if smaller is not None:
                say(f"triage wrap: report over the server's body limit ({r.status_code}); "
                    f"sending it again with the last {len(smaller['output'])} characters of the output\n")
                return self._post(smaller, cut=True)
        if 400 <= r.status_code < 500 and r.status_code not in (401, 403, 408, 429):
            # The server will never take this one; keeping it would retry forever.
            say(f"triage wrap: report refused ({r.status_code}): {r.text[:300]}\n")
            return True
        say(f"triage wrap: server answered {r.status_code}; spooled for later\n")
        return False

    def send(self, payload: dict) -> None:
        payload = sendable(payload)
        delivered = False
        if self.stopped is None:
            try:
                self._posting = True
                delivered = self._post(payload)
            except Stopped as stop:
                say(f"triage wrap: {signal_name(stop.args[0])} while sending the report; spooled for later\n")
            finally:
                self._posting = False
        if not delivered:
            try:
                self._spool(payload)
            except OSError as exc:  # a full disk or unwritable spool must not change the job's exit code
                say(f"triage wrap: could not spool the report to {self.spool}: {exc}; it is lost\n")

    def _spool(self, payload: dict) -> None:
        # Owner-only: a report holds the command line and output unredacted (the server redacts).
        self.spool.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = self.spool / f"{payload['run_id']}.json"
        tmp = target.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with open(fd, "w", encoding="utf-8") as f:
                f.write(json.dumps(payload))
            os.replace(tmp, target)  # a crash never leaves half a report
        except BaseException:
            # A full disk: half a report is no use to a later run and only takes more space.
            tmp.unlink(missing_ok=True)
            raise

    def flush_spool(self, budget_seconds: float = 10.0) -> int:
        """Deliver reports earlier runs could not; the server dedups, so resending is safe."""
        if not self.spool.is_dir():
            return 0
        sent, until = 0, time.monotonic() + budget_seconds
        for path in sorted(self.spool.glob("*.json")):
            if time.monotonic() > until:
                break
            try:
                payload = sendable(json.loads(path.read_text()))
            except (OSError, ValueError):
                continue
            if not self._post(payload):
                break  # still unreachable: keep the rest for next time
            path.unlink(missing_ok=True)
            sent += 1
        return sent


def sendable(value):
    """Python gives a command-line argument (or file name) that is not UTF-8 as lone surrogates,
    which no JSON body can carry: they become U+FFFD, as undecodable output bytes already do."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            pass
        try:  # the original bytes back (os.fsdecode's escapes), decoded with U+FFFD for what is not UTF-8
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:  # any other lone surrogate
            return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, dict):
        return {sendable(k): sendable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [sendable(v) for v in value]
    return value


def cut_output(payload: dict, limit: int) -> dict | None:
    """The report with only as much of the END of its output as keeps its body (as httpx sends
    it) within `limit` bytes; None when there is no output to cut or even none is too much."""
    output = payload.get("output") or ""

    def keeping(n: int) -> dict:
        dropped = len(output[: len(output) - n].encode("utf-8", "replace"))
        note = f"[... {dropped} bytes cut by triage wrap to fit the server's body limit ...]\n"
        return {**payload, "output": note + output[len(output) - n :],
                "output_truncated_bytes": (payload.get("output_truncated_bytes") or 0) + dropped}

    def fits(candidate: dict) -> bool:
        return len(httpx.Request("POST", "http://size", json=candidate).content) <= limit

    if not output or not fits(keeping(0)):
        return None
    lo, hi = 0, len(output) - 1  # the most characters kept that still fit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(keeping(mid)) else (lo, mid - 1)
    return keeping(lo)


def lock_path(job: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in job)
    return spool_dir().parent / "locks" / f"{safe}.lock"


def current_user() -> str:
    """The login name, else the numeric uid: containers run cron jobs as uids with no passwd
    entry and no USER/LOGNAME, where getpass.getuser() raises (and the job would not run)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def _not_run(reporter: Reporter, base: dict, status: str, exit_code: int, msg: str) -> int:
    """Say why the command was not run, report it (a zero-length run) and give the exit code."""
    now = datetime.now(timezone.utc).isoformat()
    say(msg)
    reporter.stop_on_signals()
    reporter.send({**base, "status": status, "exit_code": exit_code, "started_at": now, "finished_at": now,
                   "duration_seconds": 0.0, "output": msg})
    return exit_code


def wrap(job: str, argv: list[str], server: str, token: str | None, timeout: float | None, use_lock: bool) -> int:
    reporter = Reporter(server, token)
    try:
        reporter.flush_spool()
    except Exception as exc:  # e.g. a spool this user may not read: earlier reports wait, the job runs
        say(f"triage wrap: could not deliver spooled reports from {reporter.spool}: {exc}\n")
    base = {
        "job": job,
        "host": socket.gethostname(),
        "user": current_user(),
        "command": shlex.join(argv),
        "run_id": uuid.uuid4().hex,
        "timeout_seconds": timeout,
    }
    lock_file = None
    if use_lock:
        path = lock_path(job)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock_file = open(path, "a+")
        except OSError as exc:
            # Without its lock the job could overlap itself: do not run it, and say so where it is seen.
            return _not_run(reporter, base, "failure", EXIT_CANTCREAT,
                            f"triage wrap: cannot create the lock file {path}: {exc}; not running {job}\n")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _not_run(reporter, base, "skipped_overlap", EXIT_OVERLAP,
                            f"triage wrap: previous run of {job} still holds {path}; skipping this run\n")
    try:
        result = run_command(argv, timeout, OutputKeeper())
    finally:
        if lock_file:
            lock_file.close()
    reporter.stop_on_signals()
    reporter.send({
        **base,
        "status": result.status,
        "exit_code": result.exit_code,
        "signal": result.signal,
        "started_at": result.started_at.isoformat(),
        "finished_at": (result.finished_at or result.started_at).isoformat(),
        "duration_seconds": round(result.duration_seconds, 3),
        # A success needs no output on the server; history only.
        "output": result.output if result.status != "success" else "",
        "output_truncated_bytes": result.dropped if result.status != "success" else 0,
    })
    return result.exit_code
