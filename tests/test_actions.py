"""Human decisions (triage/actions.py) on a real store, both backends, with a real
SourcePlugin subclass that records its re-runs."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_support import cron_event, make_store, published
from triage.actions import Actor, Approvers, TriageActions
from triage.db import TriageRow
from triage.models import Evidence, FailureEvent, TriageState, utcnow
from triage.settings import Settings
from triage.slack.publisher import make_client
from triage.sources.base import RerunResult, SourcePlugin


class RecordingSource(SourcePlugin):
    """A cron-like source that can re-run, and remembers each approval it ran for."""

    name = "cron"
    can_rerun = True

    def __init__(self, settings: Settings, fail: bool = False):
        super().__init__(settings)
        self.runs: list[str] = []
        self.fail = fail
        self.lock = threading.Lock()

    def parse(self, payload: Any) -> list:
        return []

    def collect_evidence(self, event: FailureEvent) -> Evidence:
        return Evidence()

    def describe_rerun(self, event: FailureEvent) -> str | None:
        return f"Run {event.cron.command} again on {event.cron.host}" if event.cron else None

    def rerun(self, event: FailureEvent, approval_id: str) -> RerunResult:
        with self.lock:
            first = approval_id not in self.runs
            self.runs.append(approval_id)
        if self.fail:
            return RerunResult(ok=False, detail="host h1 unreachable")
        return RerunResult(ok=True, detail="started again" if first else "already started", reference=approval_id)


@pytest.fixture
def env(database_url):
    settings = Settings(database_url=database_url)
    store = make_store(settings.sqlalchemy_url)
    source = RecordingSource(settings)
    actions = TriageActions(store, {"cron": source}, Approvers(["U0APPROVER", "alice"]))
    return store, source, actions


APPROVER = Actor("slack:U0APPROVER", "approver")
STRANGER = Actor("slack:U0STRANGER", "stranger")


def test_an_approval_reruns_exactly_once_and_is_recorded(env):
    store, source, actions = env
    tid = published(store, cron_event())
    result = actions.approve_and_rerun(tid, APPROVER, "click-1")
    assert result.ok and result.state == TriageState.rerun_done
    assert len(source.runs) == 1
    # The same request replayed, and a second click (new key), both do nothing.
    assert not actions.approve_and_rerun(tid, APPROVER, "click-1").ok
    second = actions.approve_and_rerun(tid, APPROVER, "click-2")
    assert not second.ok and "rerun_done" in second.message
    assert len(source.runs) == 1
    assert store.get(tid).state == TriageState.rerun_done
    trail = store.audit_trail(tid)
    approval = next(a for a in trail if a["action"] == "approve_rerun")
    assert approval["actor"] == "slack:U0APPROVER"
    assert "Run /opt/nightly-etl.sh again on h1" in approval["detail"]
    assert approval["outcome"].startswith("done: started again")
    assert [a["action"] for a in trail] == ["approve_rerun", "rerun_requested", "rerun_done"]


def test_concurrent_double_click_reruns_once(env):
    store, source, actions = env
    tid = published(store, cron_event())
    results = []
    threads = [threading.Thread(target=lambda k=k: results.append(actions.approve_and_rerun(tid, APPROVER, k)))
               for k in ("click-a", "click-b", "click-c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.ok for r in results) == 1
    assert len(source.runs) == 1


def test_anyone_else_is_refused_and_the_refusal_is_recorded(env):
    store, source, actions = env
    tid = published(store, cron_event())
    result = actions.approve_and_rerun(tid, STRANGER, "click-1")
    assert not result.ok and "approvers" in result.message
    assert source.runs == []
    assert store.get(tid).state == TriageState.published
    refusal = store.audit_trail(tid)[-1]
    assert refusal["actor"] == "slack:U0STRANGER" and refusal["outcome"] == "refused"


def test_inbox_approvers_are_names(env):
    store, source, actions = env
    tid = published(store, cron_event())
    assert not actions.approve(tid, Actor("inbox:bob"), "k1").ok
    assert actions.approve_and_rerun(tid, Actor("inbox:alice"), "k2").ok
    assert len(source.runs) == 1


def test_only_from_published_or_acknowledged(env):
    store, source, actions = env
    tid = published(store, cron_event())
    assert actions.dismiss(tid, Actor("inbox:alice"), "d1").ok
    assert not actions.approve_and_rerun(tid, APPROVER, "k1").ok
    assert source.runs == []
    other = published(store, cron_event("other"))
    assert actions.acknowledge(other, Actor("inbox:bob"), "a1").ok
    assert not actions.acknowledge(other, Actor("inbox:bob"), "a2").ok  # already acknowledged
    assert actions.approve_and_rerun(other, APPROVER, "k2").ok


def test_a_failed_rerun_is_recorded_as_failed(database_url):
    settings = Settings(database_url=database_url)
    store = make_store(settings.sqlalchemy_url)
    source = RecordingSource(settings, fail=True)
    actions = TriageActions(store, {"cron": source}, Approvers(["U0APPROVER"]))
    tid = published(store, cron_event())
    result = actions.approve_and_rerun(tid, APPROVER, "k")
    assert not result.ok and result.state == TriageState.failed
    assert store.audit_trail(tid)[-1]["action"] == "rerun_failed"
    assert "host h1 unreachable" in store.audit_trail(tid)[-1]["detail"]


def test_an_interrupted_approval_is_resumed_once(env):
    store, source, actions = env
    tid = published(store, cron_event())
    approved = actions.approve(tid, APPROVER, "k")  # the process "dies" before carry_out
    assert approved.ok and source.runs == []
    assert actions.resume_interrupted(older_than_seconds=60) == 0  # too recent to be abandoned
    with store.session() as s:
        s.execute(update(TriageRow).where(TriageRow.id == tid).values(updated_at=utcnow() - timedelta(minutes=5)))
    assert actions.resume_interrupted(older_than_seconds=60) == 1
    assert source.runs == [approved.approval_id]
    assert store.get(tid).state == TriageState.rerun_done
    assert actions.resume_interrupted(older_than_seconds=0) == 0


def test_wrong_cause_is_feedback_once_per_submission(env):
    store, source, actions = env
    tid = published(store, cron_event())
    actor = Actor("slack:U0SOMEONE")
    assert actions.wrong_cause(tid, actor, "The DB was in maintenance", "dependency_unavailable", "view-1").ok
    assert not actions.wrong_cause(tid, actor, "The DB was in maintenance", "dependency_unavailable", "view-1").ok
    assert not actions.wrong_cause(tid, actor, "  ", None, "view-2").ok
    assert not actions.wrong_cause(tid, actor, "x", "not-a-category", "view-3").ok
    fb = store.feedback()
    assert [(f["cause"], f["category"], f["actor"]) for f in fb] == \
        [("The DB was in maintenance", "dependency_unavailable", "slack:U0SOMEONE")]


def test_a_user_group_approves_through_slack(tmp_path):
    with FakeSlackAPI(usergroups={"S0ONCALL1": ["U0MEMBER1", "U0MEMBER2"]}) as slack:
        settings = Settings(database_url=f"sqlite:///{tmp_path / 't.db'}", slack_bot_token=slack.token,
                            slack_api_url=slack.url)
        client = make_client(settings)
        approvers = Approvers(["S0ONCALL1"], lambda g: set(client.usergroups_users_list(usergroup=g)["users"]))
        assert approvers.allows(Actor("slack:U0MEMBER2"))
        assert not approvers.allows(Actor("slack:U0OUTSIDER"))
        assert not approvers.allows(Actor("inbox:U0MEMBER1"))
        assert len(slack.calls_of("usergroups.users.list")) == 1  # cached
        # An unknown group (or Slack being down) approves nobody.
        assert not Approvers(["S0MISSING"], approvers.group_members).allows(Actor("slack:U0MEMBER1"))


def test_an_inbox_user_named_like_a_slack_id_is_not_that_slack_approver() -> None:
    approvers = Approvers(["U0APPROVER", "alice", "inbox:U0BOTH"])
    assert approvers.allows(Actor("slack:U0APPROVER"))
    assert not approvers.allows(Actor("inbox:U0APPROVER"))
    assert approvers.allows(Actor("inbox:alice"))
    assert approvers.allows(Actor("inbox:U0BOTH"))  # listed explicitly as an inbox name


class LeakySource(RecordingSource):
    """A source whose client error names the URL it used, credentials included."""

    def rerun(self, event: FailureEvent, approval_id: str) -> RerunResult:
        raise ConnectionError("could not reach https://admin:s3cr3t-pw@airflow.example.com/api/v2/clearTaskInstances")


def test_secrets_in_a_correction_or_a_rerun_error_are_redacted_in_the_audit_trail(database_url):
    # The trail is shown on the Slack card, in the inbox and by the API; a human pasting the
    # log line with the password, or a client error naming its URL, put them there verbatim.
    settings = Settings(database_url=database_url)
    store = make_store(settings.sqlalchemy_url)
    actions = TriageActions(store, {"cron": LeakySource(settings)}, Approvers(["U0APPROVER"]))
    tid = published(store, cron_event())
    token = "xoxb-" + "1234567890-" * 2 + "abcdefghijklmnop"
    assert actions.wrong_cause(tid, Actor("slack:U0SOMEONE"), f"the bot token {token} was revoked",
                               "credentials_expired", "view-1").ok
    assert not actions.approve_and_rerun(tid, APPROVER, "k").ok
    trail = store.audit_trail(tid)
    text = repr(trail) + repr(store.feedback())
    assert token not in text and "s3cr3t-pw" not in text
    assert "[REDACTED:" in trail[0]["detail"] and "was revoked" in trail[0]["detail"]
    assert trail[-1]["action"] == "rerun_failed" and "airflow.example.com" in trail[-1]["detail"]
    approval = next(a for a in trail if a["action"] == "approve_rerun")
    assert "s3cr3t-pw" not in approval["outcome"]


class ClearOnceSource(RecordingSource):
    """Like Airflow's clearTaskInstances with only_failed: the first call re-runs the task, a
    second one finds nothing failed to clear and reports that it did nothing."""

    def __init__(self, settings: Settings, started: threading.Event, go: threading.Event):
        super().__init__(settings)
        self.started, self.go = started, go

    def rerun(self, event: FailureEvent, approval_id: str) -> RerunResult:
        with self.lock:
            first = not self.runs
            self.runs.append(approval_id)
        if first:
            self.started.set()
            self.go.wait(5)  # a slow clear: the other replica's resume loop comes in meanwhile
            return RerunResult(ok=True, detail="cleared 1 task instance", reference=approval_id)
        return RerunResult(ok=False, detail="nothing was cleared (no failed task instance)")


def test_two_replicas_carrying_out_one_approval_rerun_once_and_record_it_done(database_url):
    """Every replica's recovery loop resumes rerun_requested triages: a second replica (or the loop
    while the approver's own carry-out is still clearing) must not re-run it again, nor record the
    second call's 'nothing to clear' as the outcome."""
    settings = Settings(database_url=database_url)
    store = make_store(settings.sqlalchemy_url)
    started, go = threading.Event(), threading.Event()
    source = ClearOnceSource(settings, started, go)
    replica_a = TriageActions(store, {"cron": source}, Approvers(["U0APPROVER"]))
    replica_b = TriageActions(make_store(settings.sqlalchemy_url), {"cron": source}, Approvers(["U0APPROVER"]))
    tid = published(store, cron_event())
    approved = replica_a.approve(tid, APPROVER, "k")
    first: list = []
    t = threading.Thread(target=lambda: first.append(replica_a.carry_out(tid, approved.approval_id)))
    t.start()
    assert started.wait(5)
    second = replica_b.carry_out(tid, approved.approval_id)  # the other replica, while A is still clearing
    go.set()
    t.join()
    assert source.runs == [approved.approval_id], "re-run twice"
    assert not second.ok and first[0].ok
    assert store.get(tid).state == TriageState.rerun_done
