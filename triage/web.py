"""The built-in web inbox: recent triages as cards, a page per triage, and the same human
actions as Slack's buttons (acknowledge, dismiss, wrong cause, approve re-run).

Acting needs a login (TRIAGE_INBOX_USERS) or the API token; only on a loopback address
with neither set may anyone on this machine act, as `local`. Sessions are signed cookies
(Starlette's SessionMiddleware, key TRIAGE_SESSION_SECRET); every form carries a CSRF
token tied to the session, and a per-render nonce so a double submit acts once.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from fastapi import BackgroundTasks, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from triage.actions import Actor, TriageActions
from triage.models import DECISIVE_CONFIDENCE, Category, RunOutcome, RunRecord, TriageState, TriageView
from triage.run_history import duration_text, streak_text
from triage.settings import Settings

log = logging.getLogger(__name__)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "web" / "templates"))

SESSION_COOKIE = "triage_session"
ACTIONS = ("acknowledge", "dismiss", "wrong-cause", "approve")


def run_marks(history: list[RunRecord], limit: int = 10) -> list[dict]:
    """Oldest to newest, so the row reads left to right like a timeline."""
    marks = []
    for r in reversed(history[:limit]):
        ok = r.outcome == RunOutcome.success
        marks.append({"ok": ok, "outcome": r.outcome.value,
                      "title": f"{r.outcome.value} {r.started_at.isoformat() if r.started_at else ''}".strip()})
    return marks


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class InboxAccess:
    """Who may act in the inbox, decided once from the settings."""

    users: dict[str, str]
    token: str | None
    open_local: bool
    disabled_reason: str | None
    # Keys the credential proof a session carries (the session cookie is signed, not secret).
    key: str = ""

    @classmethod
    def from_settings(cls, settings: Settings, key: str = "") -> InboxAccess:
        users = {}
        for entry in settings.inbox_users:
            name, sep, password = entry.partition(":")
            if sep and name and password:
                users[name] = password
            else:
                log.warning("ignoring a TRIAGE_INBOX_USERS entry that is not user:password")
        token = settings.api_token.get_secret_value() if settings.api_token else None
        loopback = is_loopback(settings.host)
        reason = None
        if not users and not token and not loopback:
            reason = (f"Actions are off: this inbox listens on {settings.host}, which is not a loopback address, "
                      f"and no login is configured. Set TRIAGE_INBOX_USERS (user:password) or TRIAGE_API_TOKEN.")
        return cls(users=users, token=token, open_local=loopback and not users and not token, disabled_reason=reason,
                   key=key)

    def login(self, username: str, password: str) -> str | None:
        """The session identity for a correct login, else None (constant-time compares)."""
        ok = None
        for name, pw in self.users.items():
            if hmac.compare_digest(name.encode(), username.encode()) & hmac.compare_digest(pw.encode(), password.encode()):
                ok = f"inbox:{name}"
        if self.token and username == "api-token" and hmac.compare_digest(self.token.encode(), password.encode()):
            ok = "api-token"
        return ok

    def proof(self, who: str) -> str | None:
        """Ties a session to the credential it logged in with: a user removed from
        TRIAGE_INBOX_USERS, a changed password or a rotated token ends the sessions it made
        (they are signed cookies, valid 12 hours, across restarts with TRIAGE_SESSION_SECRET)."""
        kind, _, name = who.partition(":")
        credential = self.token if who == "api-token" else self.users.get(name) if kind == "inbox" else None
        if not credential:
            return None
        return hmac.new(self.key.encode(), f"{who}\0{credential}".encode(), hashlib.sha256).hexdigest()

    def actor(self, request: Request) -> Actor | None:
        if self.disabled_reason:
            return None
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if self.token and scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), self.token.encode()):
            return Actor("api-token")
        who = request.session.get("who")
        proof = self.proof(who) if who else None
        if proof is not None and hmac.compare_digest(proof.encode(), str(request.session.get("proof", "")).encode()):
            return Actor(who)
        if self.open_local:
            return Actor("local")
        return None


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def _check_csrf(request: Request, sent: str) -> None:
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return  # a browser never attaches this header by itself: no cross-site forgery possible
    expected = request.session.get("csrf")
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise HTTPException(403, "the form's CSRF token does not match this session; reload the page")


def register_inbox(app: FastAPI, services) -> None:
    store = services.store
    settings: Settings = services.settings
    actions: TriageActions = services.extras["actions"]
    secret = settings.session_secret.get_secret_value() if settings.session_secret else secrets.token_urlsafe(32)
    access = InboxAccess.from_settings(settings, key=secret)
    if settings.session_secret is None and access.users:
        log.warning("no TRIAGE_SESSION_SECRET: inbox logins end when the service restarts "
                    "(and do not carry across replicas)")
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE, max_age=12 * 3600,
                       same_site="strict", https_only=settings.public_url.startswith("https://"))
    if access.disabled_reason:
        log.warning(access.disabled_reason)

    def card(view: TriageView, actor: Actor | None) -> dict:
        h = view.hypothesis
        plan = actions.rerun_plan(view)
        history = store.history_of(view)
        return {
            "view": view,
            "h": h,
            "confidence_pct": round(h.confidence * 100) if h else None,
            # Below the decisive confidence a category is a lean, not a diagnosis.
            "unclear": h is not None and h.confidence < DECISIVE_CONFIDENCE,
            "runs": run_marks(history),
            "streak": streak_text(history),
            "duration": duration_text(view, history),
            # Only web links: a sender's javascript: (or data:) URL must not become a clickable href.
            "links": {name: url for name, url in view.links().items()
                      if url.lower().startswith(("http://", "https://"))},
            "can_ack": view.state in (TriageState.published, TriageState.failed),
            "can_dismiss": view.state in (TriageState.published, TriageState.acknowledged, TriageState.failed),
            "can_correct": view.hypothesis is not None,
            "rerun_plan": plan if view.state in (TriageState.published, TriageState.acknowledged) else None,
            "may_approve": actor is not None and actions.approvers.allows(actor),
        }

    def page_context(request: Request) -> dict:
        actor = access.actor(request)
        return {
            "actor": actor,
            "access": access,
            "csrf": _csrf(request),
            "nonce": secrets.token_urlsafe(12),
            "flash": request.session.pop("flash", None),
            "categories": [c.value for c in Category],
        }

    def login_required(request: Request) -> RedirectResponse | None:
        """With a login configured (inbox users or the API token), reading needs it too:
        the cards quote job logs."""
        if (access.users or access.token) and access.actor(request) is None:
            return RedirectResponse("/login", status_code=303)
        return None

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def inbox(request: Request, limit: int = 50):
        if redirect := login_required(request):
            return redirect
        ctx = page_context(request)
        views = await run_in_threadpool(store.list, min(max(limit, 1), 200))
        cards = await run_in_threadpool(lambda: [card(v, ctx["actor"]) for v in views])
        return templates.TemplateResponse(request, "inbox.html", {**ctx, "cards": cards})

    @app.get("/triages/{triage_id}", response_class=HTMLResponse, include_in_schema=False)
    async def triage_page(request: Request, triage_id: str):
        if redirect := login_required(request):
            return redirect
        ctx = page_context(request)

        def load():
            v = store.get(triage_id)
            if v is None:
                return None
            return card(v, ctx["actor"]), store.audit_trail(triage_id)

        found = await run_in_threadpool(load)
        if found is None:
            raise HTTPException(404, f"no triage {triage_id}")
        c, audit = found
        return templates.TemplateResponse(request, "triage.html", {**ctx, "card": c, "audit": audit})

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    async def login_page(request: Request, error: str | None = None):
        return templates.TemplateResponse(request, "login.html", {**page_context(request), "error": error})

    @app.post("/login", include_in_schema=False)
    async def login(request: Request, username: str = Form(""), password: str = Form(""), csrf: str = Form("")):
        _check_csrf(request, csrf)
        who = access.login(username, password)
        if who is None:
            log.warning("inbox login refused for %r", username[:64])
            return RedirectResponse("/login?error=1", status_code=303)
        request.session.clear()  # a fresh session (and CSRF token) after login
        request.session["who"] = who
        request.session["proof"] = access.proof(who)
        return RedirectResponse("/", status_code=303)

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request, csrf: str = Form("")):
        _check_csrf(request, csrf)
        request.session.clear()
        return RedirectResponse("/", status_code=303)

    @app.post("/triages/{triage_id}/actions/{action}", include_in_schema=False)
    async def act(request: Request, triage_id: str, action: str, background: BackgroundTasks,
                  csrf: str = Form(""), nonce: str = Form(""), cause: str = Form(""), category: str = Form("")):
        if action not in ACTIONS:
            raise HTTPException(404, f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
        if access.disabled_reason:
            raise HTTPException(403, access.disabled_reason)
        actor = access.actor(request)
        if actor is None:
            raise HTTPException(401, "log in to act on triages", headers={"WWW-Authenticate": "Bearer"})
        _check_csrf(request, csrf)
        if await run_in_threadpool(store.get, triage_id) is None:
            raise HTTPException(404, f"no triage {triage_id}")
        # The nonce comes from the rendered form: submitting that form twice is one decision.
        # Hashed: the key column is bounded, the posted nonce is not.
        raw = f"{actor.id}:{action}:{triage_id}:{nonce or secrets.token_urlsafe(12)}"
        key = "inbox:" + hashlib.sha256(raw.encode()).hexdigest()
        if action == "acknowledge":
            result = await run_in_threadpool(actions.acknowledge, triage_id, actor, key)
        elif action == "dismiss":
            result = await run_in_threadpool(actions.dismiss, triage_id, actor, key)
        elif action == "wrong-cause":
            result = await run_in_threadpool(actions.wrong_cause, triage_id, actor, cause, category or None, key)
        else:
            result = await run_in_threadpool(actions.approve, triage_id, actor, key)
            if result.ok and result.approval_id:
                background.add_task(actions.carry_out, triage_id, result.approval_id)
        if "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"ok": result.ok, "message": result.message,
                                 "state": result.state.value if result.state else None},
                                status_code=200 if result.ok else 409)
        request.session["flash"] = {"ok": result.ok, "message": result.message}
        return RedirectResponse(f"/triages/{triage_id}", status_code=303)
