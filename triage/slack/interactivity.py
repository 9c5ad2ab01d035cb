"""`POST /v1/slack/actions`: Slack's button clicks and modal submissions.

Slack signs each request (v0 HMAC of the raw body with the app's signing secret); anything
not signed right, or older than five minutes, is refused with 401 before it is parsed.
Slack cannot send our API token, so this route is not behind it: the signature is the
authentication. Slack wants an answer within 3 seconds, so the work (state changes, the
re-run, Slack API calls) happens after the answer, in a background task.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from triage.actions import Actor, TriageActions
from triage.observability import ERRORS, EVENTS_REJECTED
from triage.slack.card import ACTION_ACK, ACTION_APPROVE, ACTION_WRONG_CAUSE, MODAL_WRONG_CAUSE, wrong_cause_modal
from triage.store import TriageStore

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024


def verify(verifier: SignatureVerifier | None, body: bytes, headers: Any) -> bool:
    if verifier is None:
        return False
    try:
        return verifier.is_valid(body=body.decode("utf-8"), timestamp=headers.get("x-slack-request-timestamp"),
                                 signature=headers.get("x-slack-signature"))
    except (ValueError, UnicodeDecodeError):  # a timestamp that is not a number, a body that is not UTF-8
        return False


class SlackInteractions:
    """What a verified payload asks for, carried out after Slack got its answer."""

    def __init__(self, store: TriageStore, actions: TriageActions, client: WebClient | None):
        self.store = store
        self.actions = actions
        self.client = client

    def handle_block_action(self, payload: dict[str, Any], action: dict[str, Any]) -> None:
        user = payload.get("user") or {}
        actor = Actor(f"slack:{user.get('id', '?')}", user.get("username") or user.get("name") or "")
        triage_id = str(action.get("value") or "")
        action_id = action.get("action_id")
        # action_ts is unique per click: a replay of this request carries the same one.
        key = f"slack:{action_id}:{triage_id}:{user.get('id')}:{action.get('action_ts') or payload.get('trigger_id')}"
        channel = (payload.get("channel") or {}).get("id") or (payload.get("container") or {}).get("channel_id")
        if action_id == ACTION_ACK:
            result = self.actions.acknowledge(triage_id, actor, key)
        elif action_id == ACTION_APPROVE:
            result = self.actions.approve(triage_id, actor, key)
            if result.ok and result.approval_id:
                result = self.actions.carry_out(triage_id, result.approval_id)
                if not result.ok:
                    self.ephemeral(channel, user.get("id"), f"The re-run failed: {result.message}")
                return
        elif action_id == ACTION_WRONG_CAUSE:
            self.open_wrong_cause(payload.get("trigger_id"), triage_id, channel, user.get("id"))
            return
        else:
            return
        if not result.ok:
            self.ephemeral(channel, user.get("id"), result.message)

    def handle_wrong_cause(self, payload: dict[str, Any], triage_id: str, cause: str, category: str | None) -> None:
        user = payload.get("user") or {}
        actor = Actor(f"slack:{user.get('id', '?')}", user.get("username") or user.get("name") or "")
        view = payload.get("view") or {}
        key = f"slack-view:{view.get('id')}:{view.get('hash') or ''}"
        result = self.actions.wrong_cause(triage_id, actor, cause, category, key)
        if not result.ok:
            log.warning("wrong-cause feedback not recorded for %s: %s", triage_id, result.message)

    def open_wrong_cause(self, trigger_id: str | None, triage_id: str, channel: str | None, user: str | None) -> None:
        view = self.store.get(triage_id)
        if view is None or self.client is None or not trigger_id:
            return
        try:
            self.client.views_open(trigger_id=trigger_id, view=wrong_cause_modal(view))
        except Exception:
            ERRORS.labels("slack").inc()
            log.exception("could not open the wrong-cause dialog for %s", triage_id)
            self.ephemeral(channel, user, "Could not open the dialog; use the inbox to correct the cause.")

    def ephemeral(self, channel: str | None, user: str | None, text: str) -> None:
        if self.client is None or not channel or not user:
            return
        try:
            self.client.chat_postEphemeral(channel=channel, user=user, text=text)
        except Exception:
            ERRORS.labels("slack").inc()
            log.exception("could not tell %s: %s", user, text)


def slack_actions_router(signing_secret: str | None, interactions: SlackInteractions) -> APIRouter:
    router = APIRouter()
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    @router.post("/v1/slack/actions", include_in_schema=False)
    async def slack_actions(request: Request, background: BackgroundTasks):
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise HTTPException(413, "body too large")
        if not verify(verifier, body, request.headers):
            EVENTS_REJECTED.labels("slack_signature").inc()
            raise HTTPException(401, "bad or missing Slack signature" if verifier else
                                "Slack interactivity is off: set TRIAGE_SLACK_SIGNING_SECRET")
        try:
            payload = json.loads(parse_qs(body.decode())["payload"][0])
        except (KeyError, IndexError, ValueError):
            raise HTTPException(400, "expected a form field `payload` holding JSON")
        kind = payload.get("type")
        if kind == "block_actions":
            for action in payload.get("actions") or []:
                background.add_task(interactions.handle_block_action, payload, action)
            return Response(status_code=200)
        if kind == "view_submission" and (payload.get("view") or {}).get("callback_id") == MODAL_WRONG_CAUSE:
            view = payload["view"]
            values = (view.get("state") or {}).get("values") or {}
            cause = (((values.get("cause") or {}).get("value") or {}).get("value") or "").strip()
            selected = (((values.get("category") or {}).get("value") or {}).get("selected_option") or {})
            if not cause:
                # Slack shows this under the field and keeps the dialog open.
                return JSONResponse({"response_action": "errors", "errors": {"cause": "Say what the real cause was."}})
            background.add_task(interactions.handle_wrong_cause, payload, str(view.get("private_metadata") or ""),
                                cause, selected.get("value"))
            return Response(status_code=200)
        return Response(status_code=200)

    return router
