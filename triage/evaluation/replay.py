"""Record model exchanges during an eval run, and serve them back on loopback.

Both sides are small OpenAI-compatible HTTP servers on 127.0.0.1, so the engine talks to
them through the real `openai` SDK exactly as it talks to a real model server:

RecordingProxy  forwards every request to the real endpoint and writes the request body
                and the raw response to DIR/<case id>.json (headers are not recorded, so
                no API key ever reaches the recordings).
ReplayServer    answers from DIR: for the current case it returns the recorded response
                whose request body is identical, else the next unused one in order, else
                HTTP 404. It never opens a network connection, so replay is offline and
                deterministic.

The runner tells either server which case is running (`begin(case_id)`); runs are
sequential, so one "current case" is enough.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

META_FILE = "meta.json"
# Request headers worth forwarding upstream; everything else (host, length) is rebuilt.
_FORWARD_HEADERS = ("authorization", "content-type", "accept", "openai-organization", "openai-project")


def _canonical(body: bytes) -> str:
    """Request body as canonical JSON, so key order never breaks a replay match."""
    try:
        return json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return body.decode("utf-8", errors="replace")


def _public_url(url: str) -> str:
    """scheme://host[:port]/path only: no credentials or query string in a recording."""
    u = httpx.URL(url)
    port = f":{u.port}" if u.port else ""
    return f"{u.scheme}://{u.host}{port}{u.path}"


class _LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread, stopped by `close()`."""

    def __init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                status, content_type, payload = owner.respond(self.command, self.path, dict(self.headers), body)
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle  # noqa: N815 (http.server naming)

            def log_message(self, fmt: str, *args: Any) -> None:  # keep test output quiet
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name=type(self).__name__, daemon=True)
        self._thread.start()
        self.current_case: str | None = None
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def begin(self, case_id: str) -> None:
        with self.lock:
            self.current_case = case_id

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        raise NotImplementedError

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):  # noqa: ANN204
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RecordingProxy(_LoopbackServer):
    def __init__(self, upstream_base_url: str, directory: Path, model: str, timeout_seconds: float = 120.0):
        self.upstream = upstream_base_url.rstrip("/")
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self._client = httpx.Client(timeout=timeout_seconds)
        self._exchanges: dict[str, list[dict[str, Any]]] = {}
        (directory / META_FILE).write_text(json.dumps({
            "model": model,
            "recorded_at": datetime.now(timezone.utc).isoformat(),
            # Only scheme/host/path of the endpoint: never a key or query string.
            "upstream": _public_url(self.upstream),
        }, indent=2) + "\n", encoding="utf-8")
        super().__init__()

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        forward = {k: v for k, v in headers.items() if k.lower() in _FORWARD_HEADERS}
        try:
            reply = self._client.request(method, self.upstream + path, headers=forward, content=body)
            status, content_type, payload = reply.status_code, reply.headers.get("content-type", "application/json"), reply.content
        except httpx.HTTPError as exc:
            # Recorded too, so a replay reproduces the same fallback the live run showed.
            status, content_type = 502, "application/json"
            payload = json.dumps({"error": {"message": f"recording proxy could not reach the model server: {exc}"}}).encode()
        with self.lock:
            case = self.current_case or "_no_case"
            exchanges = self._exchanges.setdefault(case, [])
            exchanges.append({
                "request": {"method": method, "path": path, "body": _canonical(body)},
                "response": {"status": status, "content_type": content_type, "body": payload.decode("utf-8", errors="replace")},
            })
            (self.directory / f"{case}.json").write_text(
                json.dumps({"case": case, "exchanges": exchanges}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        return status, content_type, payload

    def close(self) -> None:
        super().close()
        self._client.close()


class ReplayServer(_LoopbackServer):
    def __init__(self, directory: Path):
        meta_path = directory / META_FILE
        if not meta_path.is_file():
            raise FileNotFoundError(f"{directory} holds no recordings ({META_FILE} missing); record them with --engine llm --record DIR")
        self.meta = json.loads(meta_path.read_text(encoding="utf-8"))
        self.directory = directory
        self._used: dict[str, set[int]] = {}
        self.requests_served = 0
        self.misses = 0
        super().__init__()

    def _exchanges(self, case: str) -> list[dict[str, Any]]:
        path = self.directory / f"{case}.json"
        if not path.is_file():
            return []
        return json.loads(path.read_text(encoding="utf-8"))["exchanges"]

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        with self.lock:
            case = self.current_case or "_no_case"
            exchanges = self._exchanges(case)
            used = self._used.setdefault(case, set())
            wanted = _canonical(body)
            unused = [i for i in range(len(exchanges)) if i not in used]
            exact = [i for i in unused if exchanges[i]["request"]["body"] == wanted and exchanges[i]["request"]["path"] == path]
            pick = exact[0] if exact else (unused[0] if unused else None)
            if pick is None:
                self.misses += 1
                payload = json.dumps({"error": {"message": f"no recorded exchange left for case {case}", "type": "replay_miss"}})
                return 404, "application/json", payload.encode()
            used.add(pick)
            self.requests_served += 1
            response = exchanges[pick]["response"]
            return int(response["status"]), response["content_type"], response["body"].encode("utf-8")
