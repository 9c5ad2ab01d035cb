"""Storage behaviour, on SQLite and on PostgreSQL (the `database_url` fixture runs both)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from triage.db import make_engine
from triage.migrate import upgrade
from triage.models import CronRef, Evidence, FailureEvent, Hypothesis, RunOutcome, RunReport, Source, TriageState
from triage.settings import Settings
from triage.store import LeaseLost, TriageStore


@pytest.fixture
def store(database_url):
    engine = make_engine(Settings(database_url=database_url).sqlalchemy_url)
    upgrade(engine)
    yield TriageStore(engine)
    engine.dispose()


def cron_event(run_id: str, job: str = "backup") -> FailureEvent:
    return FailureEvent(source="cron", job=job, cron=CronRef(host="h1", job=job, run_id=run_id), exit_code=1,
                        log_excerpt="boom")


def test_redelivery_returns_the_same_triage(store):
    first = store.accept_failure(cron_event("r1"))
    again = store.accept_failure(cron_event("r1"))
    other = store.accept_failure(cron_event("r2"))
    assert first.created and not again.created
    assert again.triage_id == first.triage_id
    assert other.triage_id != first.triage_id
    assert len(store.list()) == 2


def test_concurrent_redeliveries_make_one_triage(store):
    ids, errors = [], []

    def deliver():
        try:
            ids.append(store.accept_failure(cron_event("same")).triage_id)
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(ids)) == 1 and len(store.list()) == 1


def test_a_claim_is_exclusive_until_its_lease_expires(store):
    store.accept_failure(cron_event("r1"))
    a = store.claim("worker-a", lease_seconds=0.5)
    assert a is not None and a.attempts == 1
    assert store.claim("worker-b", lease_seconds=0.5) is None
    time.sleep(0.7)
    b = store.claim("worker-b", lease_seconds=30)
    assert b is not None and b.triage_id == a.triage_id and b.attempts == 2
    # The first worker lost its lease: its writes change nothing.
    with pytest.raises(LeaseLost):
        store.advance(a, TriageState.collecting)
    store.publish(b, b.event, Evidence(log_text="x"), Hypothesis(category="other", cause="c", confidence=0.1))
    view = store.get(b.triage_id)
    assert view.state == TriageState.published and view.hypothesis.cause == "c"
    assert set(view.timeline) >= {"received", "published"}


def test_concurrent_claimers_never_share_a_triage(store):
    for i in range(20):
        store.accept_failure(cron_event(f"r{i}"))
    claimed, lock = [], threading.Lock()

    def claimer(name):
        while True:
            c = store.claim(name, lease_seconds=60)
            if c is None:
                return
            with lock:
                claimed.append(c.triage_id)

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(claimed) == 20 and len(set(claimed)) == 20


def test_errors_back_off_then_end_visibly_failed(store):
    store.accept_failure(cron_event("r1"))
    c1 = store.claim("w", 30)
    assert store.retry_later(c1, "TimeoutError: api", delay_seconds=60, max_attempts=2) == TriageState.received
    assert store.claim("w", 30) is None  # backing off
    with store.session() as s:  # pretend the back-off elapsed
        from triage.db import TriageRow

        s.get(TriageRow, c1.triage_id).next_attempt_at = datetime.now(timezone.utc) - timedelta(seconds=1)
    c2 = store.claim("w", 30)
    assert c2.attempts == 2
    assert store.retry_later(c2, "TimeoutError: api", delay_seconds=60, max_attempts=2) == TriageState.failed
    view = store.get(c1.triage_id)
    assert view.state == TriageState.failed and "TimeoutError" in view.error


def test_crash_looping_triage_ends_failed(store):
    store.accept_failure(cron_event("r1"))
    for _ in range(3):
        assert store.claim("w", lease_seconds=0.01) is not None
        time.sleep(0.02)  # the worker "died": its lease just expires
    assert store.fail_exhausted(max_attempts=3) == 1
    assert store.list()[0].state == TriageState.failed


def test_a_triage_whose_claims_kept_dying_is_not_claimed_again(store):
    """A poison event that kills the worker each time: after max_attempts dead claims no
    restarting worker takes it again (it would crash too); the sweep ends it failed."""
    store.accept_failure(cron_event("poison"))
    store.accept_failure(cron_event("ok", job="report"))
    for _ in range(3):
        c = store.claim("w", lease_seconds=0.01, max_attempts=3)
        assert c is not None and c.event.job == "backup"
        time.sleep(0.02)  # the worker "died": its lease just expires
    # The poison triage is skipped; the healthy one behind it is still taken.
    nxt = store.claim("w2", lease_seconds=30, max_attempts=3)
    assert nxt is not None and nxt.event.job == "report"
    assert store.claim("w3", lease_seconds=30, max_attempts=3) is None
    assert store.fail_exhausted(max_attempts=3) == 1
    assert {v.job: v.state for v in store.list()}["backup"] == TriageState.failed


def test_history_is_newest_first_and_spooled_reports_count_once(store):
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i in range(3):
        report = RunReport(job_key="cron/h1/backup", job="backup", source=Source.cron, outcome=RunOutcome.success,
                           started_at=t0 + timedelta(days=i), duration_seconds=10 + i, run_id=f"ok{i}")
        assert store.record_run(report)
        assert not store.record_run(report)  # redelivered from the spool
    store.accept_failure(cron_event("r9"))
    runs = store.history("cron/h1/backup", 10)
    assert [r.outcome for r in runs][:1] == [RunOutcome.failure] or runs[0].started_at is None
    successes = [r for r in runs if r.outcome == RunOutcome.success]
    assert [r.name for r in successes] == ["ok2", "ok1", "ok0"]
    assert len(runs) == 4


def test_human_transition_is_recorded_and_replays_do_nothing(store):
    tid = store.accept_failure(cron_event("r1")).triage_id
    c = store.claim("w", 30)
    store.publish(c, c.event, Evidence(), Hypothesis(category="other", cause="c", confidence=0.1))
    ok = store.transition(tid, TriageState.approved, actor="U1", action="approve_rerun",
                          allowed_from={TriageState.published}, idempotency_key="slack:abc")
    replay = store.transition(tid, TriageState.approved, actor="U1", action="approve_rerun",
                              allowed_from={TriageState.published, TriageState.approved}, idempotency_key="slack:abc")
    wrong_state = store.transition(tid, TriageState.acknowledged, actor="U2", action="ack",
                                   allowed_from={TriageState.published})
    assert ok and not replay and not wrong_state
    trail = store.audit_trail(tid)
    assert [(a["actor"], a["action"]) for a in trail] == [("U1", "approve_rerun")]
    assert store.get(tid).state == TriageState.approved


def test_resolution_updates_the_existing_triage(store):
    ev = cron_event("r1")
    tid = store.accept_failure(ev).triage_id
    assert store.mark_resolved(ev.failure_key, "alert resolved") == tid
    assert store.mark_resolved("nope/unknown", "") is None
    assert len(store.list()) == 1
    assert "resolved" in store.get(tid).timeline


def test_text_holding_a_nul_character_is_stored(store):
    # Job output may contain NUL bytes; PostgreSQL's text and JSONB cannot hold them, so
    # intake (503 on every redelivery) and the publishing write (retried until failed) broke.
    event = cron_event("nul").model_copy(update={"log_excerpt": "before\x00after", "reason": "r\x00"})
    intake = store.accept_failure(event)
    assert intake.created
    claim = store.claim("w", lease_seconds=30)
    assert claim is not None and claim.event.log_excerpt == "before\ufffdafter"
    store.publish(claim, claim.event, Evidence(log_text="pod log \x00 tail"),
                  Hypothesis(category="other", cause="c\x00", confidence=0.1))
    view = store.get(intake.triage_id)
    assert view.state == TriageState.published
    assert view.evidence.log_text == "pod log \ufffd tail" and view.hypothesis.cause == "c\ufffd"
    assert [r.detail for r in store.history(event.job_key)] == ["r\ufffd"]


def test_exhausted_sweep_does_not_overwrite_a_triage_another_worker_claimed_and_published(store):
    """The sweep (fail_exhausted) reads the exhausted triages, then marks them failed. A worker
    that claims one in between (its last lease expired, so it is free to) and publishes must
    keep its result: the sweep's write must be conditional, like every lease-fenced write."""
    from sqlalchemy import event

    tid = store.accept_failure(cron_event("r1")).triage_id
    for _ in range(3):
        assert store.claim("w", lease_seconds=0.01) is not None
        time.sleep(0.02)  # each worker "died": its lease just expires
    about_to_write, worker_done = threading.Event(), threading.Event()
    sweeper: list[threading.Thread] = []

    def pause_before_the_sweeps_update(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread() in sweeper and statement.lstrip().upper().startswith("UPDATE TRIAGES"):
            about_to_write.set()
            worker_done.wait(3)  # SQLite: the sweep holds the write lock, so the worker waits for it

    event.listen(store.engine, "before_cursor_execute", pause_before_the_sweeps_update)
    swept: list[int] = []
    sweeper.append(threading.Thread(target=lambda: swept.append(store.fail_exhausted(max_attempts=3))))
    sweeper[0].start()
    published = False
    try:
        about_to_write.wait(5)
        claim = store.claim("worker-b", lease_seconds=30)
        if claim is not None:
            store.publish(claim, claim.event, Evidence(log_text="x"),
                          Hypothesis(category="other", cause="found it", confidence=0.5))
            published = True
    finally:
        worker_done.set()
        sweeper[0].join(10)
        event.remove(store.engine, "before_cursor_execute", pause_before_the_sweeps_update)
    view = store.get(tid)
    if published:  # the worker won: its published result stands, the sweep changed nothing
        assert view.state == TriageState.published and view.hypothesis.cause == "found it"
        assert swept == [0]
    else:  # the sweep won: the worker could not claim it
        assert view.state == TriageState.failed and swept == [1]


def _stored_event(store, triage_id):
    from triage.db import TriageRow

    with store.session() as s:
        return s.get(TriageRow, triage_id).event


def test_a_triage_that_ends_failed_keeps_no_secret_in_its_stored_event(store):
    """Published triages store the pipeline's redacted event; one that ends failed never got
    there and is kept for good, so what it stores is redacted when it fails."""
    secret = "postgresql://etl:Sup3rS3cret@db.internal/warehouse"
    for run_id, how in (("r-retry", "retry"), ("r-crash", "crash")):
        ev = FailureEvent(source="cron", job="backup", cron=CronRef(host="h1", job="backup", run_id=run_id), exit_code=1,
                          log_excerpt=f"connecting to {secret}\nFATAL: could not connect")
        tid = store.accept_failure(ev).triage_id
        assert "Sup3rS3cret" in str(_stored_event(store, tid))  # as received, until the worker gets to it
        if how == "retry":
            claim = store.claim("w", 30)
            assert store.retry_later(claim, "TimeoutError: api", delay_seconds=0, max_attempts=1) == TriageState.failed
        else:
            assert store.claim("w", lease_seconds=0.01) is not None
            time.sleep(0.02)  # the worker died with it
            assert store.fail_exhausted(max_attempts=1) == 1
        stored = str(_stored_event(store, tid))
        assert "Sup3rS3cret" not in stored and "REDACTED" in stored and "FATAL: could not connect" in stored


def test_a_failed_statement_does_not_quote_its_parameters(database_url):
    """SQLAlchemy puts a failed statement's parameters into its error text, which is logged:
    an event's log excerpt or command line would reach the service's logs unredacted."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    engine = make_engine(Settings(database_url=database_url).sqlalchemy_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": "mysql -uroot -pHunter2Secret"})
    except SQLAlchemyError as exc:
        assert "Hunter2Secret" not in str(exc)
    else:
        raise AssertionError("the statement should have failed")
    finally:
        engine.dispose()
