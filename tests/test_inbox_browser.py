"""The web inbox as a real browser (headless Chromium) renders it."""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]

pytestmark = pytest.mark.slow


def chromium(tmp_path, *args):
    if not CHROMIUM:
        pytest.fail("chromium is not installed (scripts/test-deps.sh installs it)")
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_inbox_shows_cards_in_a_real_browser(triage_server, tmp_path):
    server = triage_server()
    for i, output in enumerate(["java.lang.OutOfMemoryError: Java heap space\nKilled",
                                "rsync: write failed on \"/backup/db.tar\": No space left on device (28)"]):
        server.post("/v1/events/cron", json={"job": f"job-{i}", "host": "web-1", "run_id": f"r{i}",
                                             "status": "failure", "exit_code": 137 if i == 0 else 23,
                                             "started_at": f"2026-11-28T0{i + 1}:00:00Z", "duration_seconds": 300,
                                             "output": output})
    server.post("/v1/events/cron", json={"job": "job-1", "host": "web-1", "run_id": "ok", "status": "success",
                                         "exit_code": 0, "started_at": "2026-11-27T01:00:00Z", "duration_seconds": 60})
    server.wait_for(lambda items: len(items) == 2 and all(i["hypothesis"] for i in items), what="two cards")

    dom = chromium(tmp_path, "--dump-dom", server.url + "/").stdout
    assert dom.count('class="card"') == 2
    assert "No space left on device" in dom and "disk_full" in dom
    assert dom.index("job-1") < dom.index("job-0")  # newest first
    assert '<pre id="cmd-' in dom and "data-copy" in dom  # the command is in a copyable block
    assert 'class="ok"' in dom and 'class="bad"' in dom  # recent runs row: one pass, one fail
    assert "first failure after 1 success" in dom
    assert "This run took 5m 00s; usually 1m 00s (median of 1 successful run)" in dom

    shot = tmp_path / "inbox.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,900", server.url + "/")
    assert png_size(shot) == (1100, 900)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one

    tid = server.get("/v1/triages").json()["items"][0]["id"]
    page = chromium(tmp_path, "--dump-dom", f"{server.url}/triages/{tid}").stdout
    assert "Evidence" in page and "Timeline" in page and "published" in page
