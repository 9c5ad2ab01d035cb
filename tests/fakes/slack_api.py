"""A loopback server that speaks the part of Slack's Web API that triage uses, for the real
`slack_sdk.WebClient` to talk to (no Slack emulator exists to install).

Wire format as Slack's: `POST /api/<method>` with a Bearer token, JSON or form-encoded
arguments (form fields such as `blocks`/`view` hold JSON strings), HTTP 200 with
`{"ok": true, ...}` or `{"ok": false, "error": "..."}`, and HTTP 429 with `Retry-After`
when rate limited. It enforces what Slack enforces and a test could trip over: the bot
token, channel ids for chat.update, 50 blocks and 3000 characters per section text.

Methods: chat.postMessage, chat.update, chat.postEphemeral, views.open,
usergroups.users.list, conversations.history. Every request is recorded.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class SlackCall:
    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class SlackMessage:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    edits: int = 0


def channel_id(name: str) -> str:
    if name.startswith(("C", "G", "D")) and name.isalnum() and name.isupper():
        return name
    return "C" + hashlib.sha1(name.lstrip("#").encode()).hexdigest()[:9].upper()


class FakeSlackAPI:
    def __init__(self, token: str = "xoxb-test-token", usergroups: dict[str, list[str]] | None = None):
        self.token = token
        self.usergroups = usergroups or {}
        self.calls: list[SlackCall] = []
        self.messages: dict[tuple[str, str], SlackMessage] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._rate_limits: dict[str, list[float]] = {}
        self._outages: dict[str, int] = {}
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # --- lifecycle ---
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/api/"

    def start(self) -> FakeSlackAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeSlackAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- test controls ---
    def rate_limit(self, method: str, times: int = 1, retry_after: float = 1) -> None:
        """The next `times` calls of `method` get HTTP 429 with Retry-After."""
        with self._lock:
            self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    def outage(self, method: str, times: int) -> None:
        """The next `times` calls of `method` get an HTTP 503 that is not JSON (Slack down)."""
        with self._lock:
            self._outages[method] = self._outages.get(method, 0) + times

    def recover(self) -> None:
        """End every outage and rate limit now."""
        with self._lock:
            self._outages.clear()
            self._rate_limits.clear()

    # --- what happened ---
    def calls_of(self, method: str) -> list[SlackCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.status == 200 and c.response.get("ok")]

    def top_level(self) -> list[SlackMessage]:
        with self._lock:
            return [m for m in self.messages.values() if m.thread_ts is None]

    def replies(self, thread_ts: str) -> list[SlackMessage]:
        with self._lock:
            return [m for m in self.messages.values() if m.thread_ts == thread_ts]

    # --- the API ---
    def handle(self, method: str, args: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        call = SlackCall(method, args, headers, time.time())
        with self._lock:
            self.calls.append(call)
            if self._outages.get(method):
                self._outages[method] -= 1
                call.status = 503
                return 503, {"Content-Type": "text/plain"}, b"upstream connect error"
            if self._rate_limits.get(method):
                retry_after = self._rate_limits[method].pop(0)
                call.status = 429
                call.response = {"ok": False, "error": "ratelimited"}
                return 429, {"Retry-After": str(int(retry_after)), "Content-Type": "application/json"}, \
                    json.dumps(call.response).encode()
            auth = headers.get("authorization", "")
            token = auth[7:] if auth.lower().startswith("bearer ") else args.get("token")
            if not token:
                body = {"ok": False, "error": "not_authed"}
            elif token != self.token:
                body = {"ok": False, "error": "invalid_auth"}
            else:
                fn = getattr(self, "_" + method.replace(".", "_"), None)
                body = fn(args) if fn else {"ok": False, "error": "unknown_method"}
            call.response = body
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    @staticmethod
    def _blocks_error(blocks: Any) -> str | None:
        if blocks is None:
            return None
        if not isinstance(blocks, list) or len(blocks) > 50:
            return "invalid_blocks"
        for b in blocks:
            t = (b.get("text") or {}).get("text", "") if isinstance(b, dict) else ""
            if b.get("type") == "section" and len(t) > 3000:
                return "invalid_blocks"
            if b.get("type") == "header" and len(t) > 150:
                return "invalid_blocks"
        return None

    def _chat_postMessage(self, a: dict[str, Any]) -> dict[str, Any]:
        if not a.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not a.get("text") and not a.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if err := self._blocks_error(a.get("blocks")):
            return {"ok": False, "error": err}
        cid = channel_id(a["channel"])
        thread_ts = a.get("thread_ts")
        if thread_ts and (cid, thread_ts) not in self.messages:
            return {"ok": False, "error": "thread_not_found"}
        ts = self._next_ts()
        msg = SlackMessage(cid, ts, a.get("text") or "", a.get("blocks") or [], thread_ts, a.get("metadata"))
        self.messages[(cid, ts)] = msg
        return {"ok": True, "channel": cid, "ts": ts,
                "message": {"type": "message", "text": msg.text, "blocks": msg.blocks, "ts": ts}}

    def _chat_update(self, a: dict[str, Any]) -> dict[str, Any]:
        cid = a.get("channel") or ""
        if cid != channel_id(cid):  # Slack wants the channel id here, not a name
            return {"ok": False, "error": "channel_not_found"}
        msg = self.messages.get((cid, a.get("ts") or ""))
        if msg is None:
            return {"ok": False, "error": "message_not_found"}
        if err := self._blocks_error(a.get("blocks")):
            return {"ok": False, "error": err}
        msg.text = a.get("text") or msg.text
        msg.blocks = a.get("blocks") or msg.blocks
        msg.edits += 1
        return {"ok": True, "channel": cid, "ts": msg.ts, "text": msg.text}

    def _chat_postEphemeral(self, a: dict[str, Any]) -> dict[str, Any]:
        if not a.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not a.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, a: dict[str, Any]) -> dict[str, Any]:
        if not a.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        view = a.get("view")
        if not isinstance(view, dict) or view.get("type") != "modal" or len(view.get("blocks") or []) > 100:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": {**view, "id": "V" + hashlib.sha1(a["trigger_id"].encode()).hexdigest()[:9].upper()}}

    def _usergroups_users_list(self, a: dict[str, Any]) -> dict[str, Any]:
        group = a.get("usergroup")
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[group])}

    def _conversations_history(self, a: dict[str, Any]) -> dict[str, Any]:
        cid = a.get("channel") or ""
        if cid != channel_id(cid):  # like chat.update, Slack wants the channel id here, not a name
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(a.get("oldest") or 0)
        msgs = sorted((m for m in self.messages.values() if m.channel == cid and m.thread_ts is None
                       and float(m.ts.split(".")[0]) >= int(oldest)), key=lambda m: m.ts, reverse=True)
        out = []
        for m in msgs:
            item: dict[str, Any] = {"type": "message", "ts": m.ts, "text": m.text}
            if m.metadata and str(a.get("include_all_metadata")).lower() in ("true", "1"):
                item["metadata"] = m.metadata
            out.append(item)
        return {"ok": True, "channel": cid, "messages": out, "has_more": False}


_JSON_FIELDS = ("blocks", "view", "metadata", "attachments")


def _handler(api: FakeSlackAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self, body: bytes) -> None:
            parts = urlsplit(self.path)
            if not parts.path.startswith("/api/"):
                self.send_error(404)
                return
            method = parts.path[len("/api/"):]
            args: dict[str, Any] = {k: v[0] for k, v in parse_qs(parts.query).items()}
            ctype = self.headers.get("content-type", "")
            if body and "json" in ctype:
                args.update(json.loads(body))
            elif body:
                args.update({k: v[0] for k, v in parse_qs(body.decode()).items()})
            for name in _JSON_FIELDS:  # form-encoded calls carry these as JSON strings
                if isinstance(args.get(name), str):
                    try:
                        args[name] = json.loads(args[name])
                    except ValueError:
                        pass
            status, headers, out = api.handle(method, args, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def do_POST(self) -> None:  # noqa: N802
            self._serve(self.rfile.read(int(self.headers.get("content-length") or 0)))

        def do_GET(self) -> None:  # noqa: N802
            self._serve(b"")

    return Handler
