"""The HTTP service: event intake, the triage API, the web inbox and operations endpoints.

Intake only validates and persists (answering 202 with the triage id); workers do the rest.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from triage.db import make_engine
from triage.intake import IntakeBatcher
from triage.migrate import upgrade
from triage.models import FailureEvent, RunReport, TriageView
from triage.observability import EVENTS_RECEIVED, EVENTS_REJECTED, REGISTRY, StoreCollector
from triage.pipeline import Publisher
from triage.settings import Settings
from triage.sources import build_sources
from triage.sources.alertmanager import check_basic_auth
from triage.sources.base import PayloadError, SourcePlugin
from triage.store import TriageStore
from triage.worker import Worker, WorkerPool

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a request handler needs, built once at start-up."""

    settings: Settings
    store: TriageStore
    sources: dict[str, SourcePlugin]
    publishers: list[Publisher] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)


def build_services(settings: Settings) -> Services:
    store = TriageStore(make_engine(settings.sqlalchemy_url))
    sources = build_sources(settings, history=store.history)
    return Services(settings=settings, store=store, sources=sources)


class BodyTooLarge(Exception):
    pass


async def read_limited_body(request: Request, limit: int) -> bytes:
    """Read the body, refusing (413) past the limit without buffering more than that."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _field_errors(exc: ValidationError, prefix: tuple = ("body",)) -> list[dict[str, Any]]:
    return [{"loc": [*prefix, *err["loc"]], "msg": err["msg"], "type": err["type"]} for err in exc.errors()]


# Deeper than any real payload (a Kubernetes Job object is about 10 levels); deeper ones made
# the parser or the store recurse out of stack (a 500).
MAX_JSON_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class BodyValueError(Exception):
    """Valid JSON syntax holding a value no store can keep; `loc` is its path in the body."""

    def __init__(self, loc: tuple, msg: str):
        super().__init__(msg)
        self.loc, self.msg = loc, msg


def parse_json_body(body: bytes) -> Any:
    """json.loads, keeping only what JSON itself can say. Python's json reads NaN, Infinity and
    1e400 (as inf), which PostgreSQL's JSONB refuses: a 503 on every redelivery. A lone UTF-16
    surrogate escape ("\\udce9", what json.dumps writes for a surrogateescape'd byte) is no text
    either: it is kept as U+FFFD, as the wrapper keeps undecodable bytes."""
    payload = json.loads(body)
    fix_text = _SURROGATE_ESCAPE.search(body) is not None

    def clean(value: Any, loc: tuple) -> Any:
        if isinstance(value, str):
            return _SURROGATE.sub("\ufffd", value) if fix_text else value
        if isinstance(value, float):
            if not math.isfinite(value):
                raise BodyValueError(loc, "must be a finite number (JSON has no NaN or Infinity; this one is too "
                                          "large for a 64-bit float)")
            return value
        if len(loc) >= MAX_JSON_DEPTH and isinstance(value, (dict, list)):
            raise BodyValueError(loc, f"nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, dict):
            return {clean(k, loc): clean(v, (*loc, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v, (*loc, i)) for i, v in enumerate(value)]
        return value

    return clean(payload, ())


# The widths of the identity columns (triage/db.py) and of an INTEGER exit code.
MAX_KEY_CHARS = 512
_INT32 = 2**31


def unstorable(items: list[Any]) -> list[dict[str, Any]] | None:
    """Errors (422) for items the database cannot hold. Refused now, they would fail every
    redelivery with a 503 (PostgreSQL enforces the widths; no text there may hold a NUL)."""
    for item in items:
        if not isinstance(item, (FailureEvent, RunReport)):
            continue
        idents = {"job": item.job, "job_key": item.job_key}
        idents["failure_key" if isinstance(item, FailureEvent) else "run_id"] = (
            item.failure_key if isinstance(item, FailureEvent) else item.run_id or "")
        for name, value in idents.items():
            if len(value) > MAX_KEY_CHARS or "\x00" in value:
                return [{"loc": ["body"], "type": "value_error",
                         "msg": f"the job's identity ({name}, from the job, host, namespace or run id fields) must be "
                                f"at most {MAX_KEY_CHARS} characters without NUL; it is {len(value)}"}]
        if item.exit_code is not None and not -_INT32 <= item.exit_code < _INT32:
            return [{"loc": ["body", "exit_code"], "type": "value_error",
                     "msg": "must fit a 32-bit signed integer"}]
    return None


def create_app(settings: Settings, services: Services | None = None, run_workers: bool | None = None) -> FastAPI:
    services = services or build_services(settings)
    start_workers = settings.worker_threads > 0 if run_workers is None else run_workers

    intake = IntakeBatcher(services.store)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        upgrade(services.store.engine)
        await intake.start()
        REGISTRY.register(collector := StoreCollector(services.store))
        pool = None
        if start_workers:
            pool = WorkerPool(Worker(services.store, services.sources, settings, services.publishers),
                              settings.worker_threads, intake_busy=intake.busy)
            pool.start()
        # Human actions and Slack (issue 6): the Slack outbox drain, re-run recovery.
        background = list(services.extras.get("background", []))
        for loop in background:
            loop.start()
        if not settings.slack_enabled:
            log.info("no Slack token set (TRIAGE_SLACK_BOT_TOKEN): cards go to the web inbox only")
        if not settings.llm_enabled:
            log.info("no model configured (TRIAGE_LLM_BASE_URL, TRIAGE_LLM_MODEL): diagnosing with signatures")
        try:
            yield
        finally:
            for loop in background:
                await run_in_threadpool(loop.stop)
            await intake.stop()
            if pool:
                await run_in_threadpool(pool.shutdown)
            REGISTRY.unregister(collector)

    app = FastAPI(title="triage", version="0.1.0", lifespan=lifespan)
    app.state.services = services

    basic_configured = bool(settings.alertmanager_username and settings.alertmanager_password)

    def require_token(request: Request) -> None:
        token = settings.api_token
        # Alertmanager's basic-auth credentials guard its endpoint even when no token is set.
        is_alertmanager = request.url.path == "/v1/events/alertmanager"
        if token is None and not (basic_configured and is_alertmanager):
            return
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if token is not None and scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip(), token.get_secret_value()
        ):
            return
        # Alertmanager may be configured with basic auth instead of a bearer token.
        if is_alertmanager and check_basic_auth(header, settings):
            return
        EVENTS_REJECTED.labels("unauthorized").inc()
        raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        return JSONResponse({"detail": exc.errors()}, status_code=422)

    @app.post("/v1/events/{source}", status_code=202, dependencies=[Depends(require_token)])
    async def post_event(source: str, request: Request):
        plugin = services.sources.get(source)
        if plugin is None:
            EVENTS_REJECTED.labels("unknown_source").inc()
            raise HTTPException(404, f"unknown source '{source}'; known: {', '.join(sorted(services.sources))}")
        try:
            body = await read_limited_body(request, settings.max_body_bytes)
        except BodyTooLarge:
            EVENTS_REJECTED.labels("too_large").inc()
            raise HTTPException(413, f"body larger than {settings.max_body_bytes} bytes (TRIAGE_MAX_BODY_BYTES)")
        try:
            payload = parse_json_body(body)
        except BodyValueError as exc:
            EVENTS_REJECTED.labels("malformed").inc()
            raise HTTPException(422, [{"loc": ["body", *exc.loc], "msg": exc.msg, "type": "value_error"}])
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            EVENTS_REJECTED.labels("malformed").inc()
            raise HTTPException(422, [{"loc": ["body"], "msg": f"invalid JSON: {exc}", "type": "json_invalid"}])
        try:
            items = plugin.parse(payload)
        except PayloadError as exc:
            EVENTS_REJECTED.labels("malformed").inc()
            loc = ["body"] if exc.field == "body" else ["body", *exc.field.split(".")]  # "body": the body itself
            raise HTTPException(422, [{"loc": loc, "msg": exc.message, "type": "value_error"}])
        except ValidationError as exc:
            EVENTS_REJECTED.labels("malformed").inc()
            raise HTTPException(422, _field_errors(exc))
        if errors := unstorable(items):
            EVENTS_REJECTED.labels("malformed").inc()
            raise HTTPException(422, errors)
        try:
            results = await intake.submit(items)
        except Exception:
            log.exception("could not persist an event")
            raise HTTPException(503, "could not store the event; nothing was accepted, send it again")
        for kind in results:
            EVENTS_RECEIVED.labels(source, kind["kind"]).inc()
        # A redelivered failure edits its Slack card instead of posting another (issue 6). Most
        # requests carry none, and most services have no hook: no thread hop for those.
        redelivered = [r["triage_id"] for r in results
                       if r.get("kind") == "failure" and r.get("created") is False and r.get("triage_id")]
        if redelivered and services.extras.get("redelivery_hooks"):
            await run_in_threadpool(note_redeliveries, services, redelivered)
        first = next((r.get("triage_id") for r in results if r.get("triage_id")), None)
        return {"triage_id": first, "items": results}

    @app.get("/v1/triages", dependencies=[Depends(require_token)])
    async def list_triages(limit: int = 50, state: str | None = None, source: str | None = None):
        views = await run_in_threadpool(services.store.list, min(max(limit, 1), 500), state, source)
        return {"items": [triage_item(v) for v in views]}

    @app.get("/v1/triages/{triage_id}", dependencies=[Depends(require_token)])
    async def get_triage(triage_id: str):
        view = await run_in_threadpool(services.store.get, triage_id)
        if view is None:
            raise HTTPException(404, f"no triage {triage_id}")
        item = triage_item(view, full=True)
        item["history"] = [r.model_dump(mode="json") for r in await run_in_threadpool(services.store.history_of, view)]
        item["audit"] = await run_in_threadpool(services.store.audit_trail, triage_id)
        return item

    @app.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz():
        try:
            await run_in_threadpool(services.store.ping)
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "database": str(exc)[:200]}, status_code=503)
        return {"status": "ready"}

    @app.get("/metrics")
    async def metrics():
        data = await run_in_threadpool(generate_latest, REGISTRY)
        return Response(data, media_type=CONTENT_TYPE_LATEST)

    # Acknowledge / dismiss / wrong cause / approve re-run, from Slack and the inbox (issue 6).
    from triage.actions import install_actions, note_redeliveries

    install_actions(app, services)

    from triage.web import register_inbox

    register_inbox(app, services)
    return app


def triage_item(view: TriageView, full: bool = False) -> dict[str, Any]:
    """A triage as the API returns it (never the unredacted excerpt the reporter sent)."""
    item: dict[str, Any] = {
        "id": view.id,
        "source": view.source.value,
        "job": view.job,
        "job_key": view.job_key,
        "failure_key": view.failure_key,
        "state": view.state.value,
        "created_at": view.created_at.isoformat(),
        "updated_at": view.updated_at.isoformat(),
        "failed_at": view.event.failed_at.isoformat(),
        "exit_code": view.event.exit_code,
        "links": view.links(),
        "error": view.error,
        "hypothesis": view.hypothesis.public() if view.hypothesis else None,
    }
    if full:
        item["timeline"] = {k: v.isoformat() for k, v in view.timeline.items()}
        item["attempts"] = view.attempts
        if view.evidence:
            item["evidence"] = view.evidence.model_dump(mode="json")
        if view.hypothesis:
            item["hypothesis_detail"] = view.hypothesis.model_dump(mode="json")
    return item
