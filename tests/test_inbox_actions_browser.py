"""The inbox's actions as a person uses them: Debian's headless Chromium, driven by
playwright (no browser download), against a real `triage serve`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.fakes.kube_apiserver import FakeKubeAPIServer
from tests.test_slack_service import CRONJOB, RUN, kube_failure, wait_until

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.slow


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing at /usr/bin/chromium (scripts/test-deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def kube():
    with FakeKubeAPIServer() as server:
        server.put(json.loads(json.dumps(CRONJOB)))
        yield server


def test_acknowledge_correct_and_approve_in_the_browser(triage_server, kube, browser, tmp_path):
    server = triage_server(env={
        "TRIAGE_INBOX_USERS": '["alice:alice-pw"]', "TRIAGE_APPROVERS": '["alice"]',
        "TRIAGE_SESSION_SECRET": "k" * 32,
        "TRIAGE_KUBECONFIG": str(kube.write_kubeconfig(tmp_path / "kubeconfig")),
        "TRIAGE_KUBERNETES_RERUN_ENABLED": "true",
    })
    cron_id = server.post("/v1/events/cron", json=RUN).json()["triage_id"]
    kube_id = server.post("/v1/events/kubernetes", json=kube_failure()).json()["triage_id"]
    server.wait_published(cron_id)
    server.wait_published(kube_id)

    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.goto(server.url + "/")  # a login is configured: the inbox sends the visitor to it
    assert page.url.endswith("/login")
    assert page.locator("button:has-text('Acknowledge')").count() == 0
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "alice-pw")
    page.click("button:has-text('Log in')")
    page.wait_for_url(server.url + "/")
    assert "signed in as inbox:alice" in page.inner_text("header")

    shot = tmp_path / "inbox.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    # Acknowledge the cron failure.
    page.click(f"[data-actions-for='{cron_id}'] button:has-text('Acknowledge')")
    page.wait_for_url(server.url + f"/triages/{cron_id}")
    assert "acknowledged by inbox:alice" in page.inner_text(".flash")
    assert page.locator("tr.decision[data-action='acknowledge']").inner_text().split("\t")[:2] == \
        ["acknowledge", "inbox:alice"]

    # Correct its cause.
    page.click("summary:has-text('Wrong cause')")
    page.fill("textarea[name=cause]", "The database host was being patched")
    page.select_option("select[name=category]", "scheduler_infra")
    page.click("button:has-text('Save correction')")
    page.wait_for_url(server.url + f"/triages/{cron_id}")
    assert "correction recorded" in page.inner_text(".flash")
    assert "The database host was being patched" in page.inner_text("#decisions")

    # Approve the Kubernetes re-run: cancelling the confirmation runs nothing.
    page.goto(server.url + f"/triages/{kube_id}")
    dialogs: list[str] = []

    def dismiss(d):
        dialogs.append(d.message)
        d.dismiss()

    page.once("dialog", dismiss)
    page.click("button:has-text('Approve re-run')")
    page.wait_for_timeout(500)
    assert dialogs and "CronJob nightly-etl" in dialogs[0]
    assert kube.requests_matching("POST", "/jobs") == []

    page.once("dialog", lambda d: d.accept())
    page.click("button:has-text('Approve re-run')")
    page.wait_for_url(server.url + f"/triages/{kube_id}")
    assert "re-run approved by inbox:alice" in page.inner_text(".flash")
    wait_until(lambda: server.get(f"/v1/triages/{kube_id}").json()["state"] == "rerun_done", what="rerun_done")
    page.reload()
    assert page.locator("tr.decision[data-action='rerun_done']").count() == 1
    assert len(kube.requests_matching("POST", "/jobs")) == 1

    page.goto(server.url + "/")
    final = tmp_path / "inbox-after.png"
    page.screenshot(path=str(final), full_page=True)
    if artifacts := __import__("os").environ.get("TRIAGE_TEST_ARTIFACTS"):
        shutil.copy(shot, Path(artifacts) / "inbox.png")
        shutil.copy(final, Path(artifacts) / "inbox-after.png")
