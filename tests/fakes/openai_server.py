"""An OpenAI-compatible chat completions server on loopback, for tests.

It stands in for a hosted model (which cannot run here) and speaks the real wire format
of `POST /v1/chat/completions`: the `chat.completion` object with `choices`, `message`
(content or `tool_calls`), `finish_reason` and `usage` token counts (counted with
tiktoken), and OpenAI's error body `{"error": {"message", "type", "param", "code"}}`
with status codes and headers such as `Retry-After`. It can reject the `json_schema`
response format the way llama.cpp's servers do (HTTP 500) so mode negotiation is tested
over real HTTP with the real `openai` SDK.

Replies are scripted: queue `Reply` objects; when the queue is empty the default reply is
used. Every request is recorded (path, headers, raw body, parsed JSON, arrival time).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from triage.engine.tokens import count_tokens

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    422: "invalid_request_error",
    429: "rate_limit_exceeded",
    500: "server_error",
    503: "server_error",
}


@dataclass
class Reply:
    """One scripted response."""

    status: int = 200
    # The assistant's text; in a forced tool call it becomes the function arguments.
    content: str | None = None
    error: str = ""
    # The error body's "code" (OpenAI sends e.g. "context_length_exceeded"); default: the type.
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering (to provoke client timeouts).
    delay: float = 0.0
    # Override the counted usage, or drop the usage object entirely.
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    include_usage: bool = True
    finish_reason: str = "stop"
    # Raw body to send instead of a well-formed completion (e.g. truncated JSON).
    raw_body: bytes | None = None
    # Send the body in pieces of this many bytes, this many seconds apart (a server or proxy
    # that trickles its reply, e.g. keep-alive whitespace while the model is still generating).
    trickle_bytes: int = 0
    trickle_delay: float = 0.0


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.raw) if self.raw else None

    @property
    def response_format_type(self) -> str | None:
        body = self.json or {}
        rf = body.get("response_format")
        if rf:
            return rf.get("type")
        return "tool_call" if body.get("tools") else None


def _count_prompt_tokens(body: dict[str, Any]) -> int:
    # Close to how OpenAI counts chat prompts: content tokens plus a few per message.
    total = 3
    for m in body.get("messages", []):
        content = m.get("content") or ""
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        total += 4 + count_tokens(str(content))
    return total


class FakeOpenAIServer:
    """Threaded HTTP server; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        *,
        default: Reply | Callable[[dict[str, Any]], Reply] | None = None,
        reject_json_schema: int | None = None,
        reject_json_object: int | None = None,
        reject_tools: int | None = None,
        reject_params: dict[str, str] | None = None,
        model: str = "fake-model",
    ) -> None:
        self.default = default or Reply(status=500, error="no reply scripted")
        self.reject_json_schema = reject_json_schema
        self.reject_json_object = reject_json_object
        self.reject_tools = reject_tools
        # {"max_tokens": "unsupported_parameter", "temperature": "unsupported_value"}: what
        # OpenAI answers for parameters a (reasoning) model does not take.
        self.reject_params = reject_params or {}
        self.model = model
        self.requests: list[RecordedRequest] = []
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- scripting ------------------------------------------------------------------

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
        return self.default(body) if callable(self.default) else self.default

    @property
    def completions(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # -- lifecycle ------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        # Still answers after stop(), so a test can check what was remembered for it.
        assert self._port is not None, "start() the server first"
        return f"http://127.0.0.1:{self._port}/v1"

    def start(self) -> FakeOpenAIServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                server._record(self, b"")
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": server.model, "object": "model", "created": 0, "owned_by": "fake"}]})
                else:
                    self._error(404, f"Unknown path {self.path}")

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server._record(self, raw)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._error(404, f"Unknown path {self.path}")
                    return
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    self._error(400, "We could not parse the JSON body of your request.")
                    return
                rf = body.get("response_format") or {}
                if server.reject_json_schema and rf.get("type") == "json_schema":
                    # What llama-cpp-python's server (0.3.x) answers to OpenAI's structured-output
                    # form: its request validation error, wrapped as an HTTP 500.
                    self._send(server.reject_json_schema, {"error": {
                        "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
                                   "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}",
                        "type": "internal_server_error", "param": None, "code": None}})
                    return
                if server.reject_json_object and rf.get("type") == "json_object":
                    self._error(server.reject_json_object, "Unsupported response_format type: json_object")
                    return
                if server.reject_tools and body.get("tools"):
                    self._error(server.reject_tools, "tools are not supported")
                    return
                for param, code in server.reject_params.items():
                    if param in body:
                        message = (f"Unsupported parameter: '{param}' is not supported with this model."
                                   if code == "unsupported_parameter" else
                                   f"Unsupported value: '{param}' does not support {body[param]!r} with this model.")
                        self._send(400, {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}})
                        return
                reply = server._next(body)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    self._error(reply.status, reply.error or "error", reply.headers, reply.code)
                    return
                data = reply.raw_body if reply.raw_body is not None else json.dumps(server._completion(body, reply)).encode()
                self._send_bytes(200, data, reply.headers, reply.trickle_bytes, reply.trickle_delay)

            def _error(self, status: int, message: str, headers: dict[str, str] | None = None, code: str | None = None) -> None:
                err_type = _ERROR_TYPES.get(status, "server_error")
                body = {"error": {"message": message, "type": err_type, "param": None, "code": code or err_type}}
                self._send(status, body, headers)

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                self._send_bytes(status, json.dumps(payload).encode(), headers)

            def _send_bytes(self, status: int, data: bytes, headers: dict[str, str] | None = None,
                            trickle_bytes: int = 0, trickle_delay: float = 0.0) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    step = trickle_bytes or len(data) or 1
                    for i in range(0, len(data), step):
                        if i:
                            time.sleep(trickle_delay)
                        self.wfile.write(data[i : i + step])
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- internals ------------------------------------------------------------------

    def _record(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        with self._lock:
            self.requests.append(
                RecordedRequest(handler.command, handler.path, {k.lower(): v for k, v in handler.headers.items()}, raw, time.monotonic())
            )

    def _completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        content = reply.content or ""
        message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
        finish = reply.finish_reason
        choice = body.get("tool_choice")
        if body.get("tools") and isinstance(choice, dict):
            name = choice.get("function", {}).get("name", "")
            message["content"] = None
            message["tool_calls"] = [
                {"id": "call_" + uuid.uuid4().hex[:24], "type": "function", "function": {"name": name, "arguments": content}}
            ]
            finish = "tool_calls"
        out: dict[str, Any] = {
            "id": "chatcmpl-" + uuid.uuid4().hex[:24],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or self.model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        }
        if reply.include_usage:
            prompt = reply.prompt_tokens if reply.prompt_tokens is not None else _count_prompt_tokens(body)
            completion = reply.completion_tokens if reply.completion_tokens is not None else count_tokens(content)
            out["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        return out
