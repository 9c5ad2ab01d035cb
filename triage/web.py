"""The built-in web inbox: recent triages as cards, and a page per triage."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from triage.models import RunOutcome, RunRecord, TriageView

templates = Jinja2Templates(directory=str(Path(__file__).parent / "web" / "templates"))


def run_marks(history: list[RunRecord], limit: int = 10) -> list[dict]:
    """Oldest to newest, so the row reads left to right like a timeline."""
    marks = []
    for r in reversed(history[:limit]):
        ok = r.outcome == RunOutcome.success
        marks.append({"ok": ok, "outcome": r.outcome.value,
                      "title": f"{r.outcome.value} {r.started_at.isoformat() if r.started_at else ''}".strip()})
    return marks


def _card(view: TriageView, history: list[RunRecord]) -> dict:
    h = view.hypothesis
    return {
        "view": view,
        "h": h,
        "confidence_pct": round(h.confidence * 100) if h else None,
        "runs": run_marks(history),
        "links": {**view.event.links, **(view.evidence.links if view.evidence else {})},
    }


def register_inbox(app: FastAPI, services) -> None:
    store = services.store

    def history_of(view: TriageView) -> list[RunRecord]:
        if view.evidence and view.evidence.history:
            return view.evidence.history
        return store.history(view.job_key, 10)

    def load_cards(limit: int) -> list[dict]:
        return [_card(v, history_of(v)) for v in store.list(limit)]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def inbox(request: Request, limit: int = 50):
        cards = await run_in_threadpool(load_cards, min(max(limit, 1), 200))
        return templates.TemplateResponse(request, "inbox.html", {"cards": cards})

    @app.get("/triages/{triage_id}", response_class=HTMLResponse, include_in_schema=False)
    async def triage_page(request: Request, triage_id: str):
        def load():
            v = store.get(triage_id)
            if v is None:
                return None
            return _card(v, history_of(v)), store.audit_trail(triage_id)

        found = await run_in_threadpool(load)
        if found is None:
            raise HTTPException(404, f"no triage {triage_id}")
        card, audit = found
        return templates.TemplateResponse(request, "triage.html", {"card": card, "audit": audit})
