"""Model diagnosis through the official `openai` SDK: one call per triage.

The model sees only redacted, condensed evidence, fenced as untrusted data. Its answer
must parse into `ModelAnswer` (pydantic); evidence it quotes must occur in the log. A
command the read-only guard refuses gets ONE re-ask that says why; after that the
signature's command is shown instead. Any failure (timeout, HTTP error, nonsense answer)
returns the signature hypothesis with a note on the card saying so.

Structured output is negotiated per base URL, because servers differ: OpenAI takes
`response_format={"type": "json_schema", ...}`; llama.cpp's servers reject that and take
`{"type": "json_object", "schema": ...}`; anything else usually supports a forced tool
call. The first mode that works for a base URL is remembered for the process.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx2  # the HTTP client the pinned `openai` SDK is built on
import openai
from openai import OpenAI
from pydantic import BaseModel, Field, ValidationError, field_validator

from triage.engine import guard, prompt_templates
from triage.engine.condense import condense
from triage.engine.signatures import Candidate, interesting_line
from triage.engine.tokens import count_tokens
from triage.models import Category, Evidence, FailureEvent, Hypothesis
from triage.settings import Settings

log = logging.getLogger(__name__)

PROMPT_NAME = "diagnose"
PROMPT_VERSION = "v1"
ANSWER_NAME = "triage_diagnosis"
# Enough for the JSON answer with five evidence lines; stops a small model that rambles.
MAX_ANSWER_TOKENS = 800
# Status facts are shown as JSON; beyond this they are cut (the log carries the budget).
MAX_STATUS_CHARS = 3000
MAX_HISTORY_RUNS = 10
# Longest Retry-After we sleep for while probing a server (the SDK caps its own at 60 s).
MAX_PROBE_RETRY_AFTER = 60.0


class ModelAnswer(BaseModel):
    """What the model must reply with; its JSON schema is sent as the response format."""

    category: Category = Field(description="One value of the failure taxonomy")
    cause: str = Field(min_length=1, description="The most likely cause, in one or two sentences")
    confidence: float = Field(ge=0.0, le=1.0, description="How sure, from 0 to 1")
    evidence: list[str] = Field(max_length=5, description="Up to 5 lines copied verbatim from the log")
    command: str = Field(description="One read-only shell command that confirms the cause, or empty")
    command_reason: str = Field(description="What the command's output will show")

    @field_validator("category", mode="before")
    @classmethod
    def _normalise_category(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("confidence", mode="before")
    @classmethod
    def _percent_to_fraction(cls, v: Any) -> Any:
        # Models often answer 85 for 0.85; llama.cpp's grammar cannot bound numbers. Anything
        # else out of range stays invalid.
        if isinstance(v, (int, float)) and not isinstance(v, bool) and 1 < v <= 100:
            return v / 100
        return v

    @field_validator("cause", "command", "command_reason", mode="before")
    @classmethod
    def _strip(cls, v: Any) -> Any:
        return v.strip() if isinstance(v, str) else v

    @field_validator("evidence", mode="before")
    @classmethod
    def _first_five(cls, v: Any) -> Any:
        # More than five quotes is verbosity, not nonsense: keep the first five.
        return v[:5] if isinstance(v, list) else v


def answer_schema() -> dict[str, Any]:
    """ModelAnswer as one self-contained JSON schema (no $ref), strict-mode compatible."""
    schema = ModelAnswer.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = defs[node["$ref"].rsplit("/", 1)[-1]]
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return inline({**target, **rest})
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    schema = inline(schema)
    # OpenAI's strict mode wants every property required and nothing else allowed.
    schema["required"] = list(schema["properties"])
    schema["additionalProperties"] = False
    return schema


class ResponseMode(StrEnum):
    json_schema = "json_schema"
    # llama.cpp's form: JSON mode constrained by a schema it turns into a grammar.
    json_object = "json_object"
    tool_call = "tool_call"


# Status codes with which a server says "I do not understand this request shape" (llama.cpp
# answers an unknown response_format with a 500), as opposed to "try again later".
_MODE_REJECTED = {400, 404, 422, 500, 501}
# "Busy, try later": while probing these are waited out in the same mode.
_TRANSIENT = {408, 409, 429, 502, 503, 504}

_modes_lock = threading.Lock()
_mode_by_base_url: dict[str, ResponseMode] = {}


def remembered_mode(base_url: str) -> ResponseMode | None:
    with _modes_lock:
        return _mode_by_base_url.get(base_url.rstrip("/"))


def _remember_mode(base_url: str, mode: ResponseMode | None) -> None:
    with _modes_lock:
        if mode is None:
            _mode_by_base_url.pop(base_url.rstrip("/"), None)
        else:
            _mode_by_base_url[base_url.rstrip("/")] = mode


def forget_response_modes() -> None:
    """Forget what every server accepted (response modes and sampling parameters)."""
    with _modes_lock:
        _mode_by_base_url.clear()
        _params_by_target.clear()


class ModelUnavailable(Exception):
    """The model could not be asked (timeout, HTTP error, connection)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class AnswerUnusable(Exception):
    """The model answered, but with something that is not a usable diagnosis."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0

    def cost_usd(self, settings: Settings) -> float:
        return round(
            self.prompt_tokens * settings.llm_price_prompt_per_mtok / 1e6
            + self.completion_tokens * settings.llm_price_completion_per_mtok / 1e6,
            8,
        )


@dataclass
class _Reply:
    text: str
    mode: ResponseMode
    # The assistant message to send back when re-asking.
    assistant_message: dict[str, Any] = field(default_factory=dict)
    finish_reason: str | None = None


# --------------------------------------------------------------------------- prompt


def _fmt_duration(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds:.0f}s"


def _identity(event: FailureEvent) -> str:
    ref = event.kubernetes or event.airflow or event.cron or event.alert
    parts = [f"{k}={v}" for k, v in (ref.model_dump(exclude_none=True) if ref else {}).items() if v != ""]
    parts += [f"label {k}={v}" for k, v in sorted(event.labels.items())]
    return ", ".join(parts)


def _run_facts(event: FailureEvent) -> str:
    facts = [f"failed at {event.failed_at.isoformat()}"]
    if event.started_at:
        facts.append(f"started at {event.started_at.isoformat()}")
    if event.duration_seconds is not None:
        facts.append(f"ran {_fmt_duration(event.duration_seconds)}")
    if event.exit_code is not None:
        facts.append(f"exit code {event.exit_code}")
    if event.signal:
        facts.append(f"signal {event.signal}")
    if event.reason:
        facts.append(f"reason {event.reason}")
    return ", ".join(facts)


def _history_lines(evidence: Evidence) -> list[str]:
    runs = sorted(
        evidence.history,
        key=lambda r: (r.started_at or r.finished_at).timestamp() if (r.started_at or r.finished_at) else 0.0,
        reverse=True,
    )[:MAX_HISTORY_RUNS]
    lines = []
    for r in runs:
        when = r.started_at or r.finished_at
        bits = [r.outcome.value]
        if when:
            bits.append(when.isoformat(timespec="minutes"))
        if r.duration_seconds is not None:
            bits.append(f"took {_fmt_duration(r.duration_seconds)}")
        if r.exit_code is not None:
            bits.append(f"exit {r.exit_code}")
        if r.detail:
            bits.append(r.detail[:200])
        lines.append(" ".join(bits))
    return lines


def _candidate_lines(candidates: list[Candidate]) -> list[str]:
    lines = []
    for c in sorted(candidates, key=lambda c: c.score, reverse=True)[:5]:
        h = c.hypothesis
        line = f"{h.signature or 'signature'}: {h.category.value} (score {c.score:.2f}): {h.cause}"
        if h.evidence:
            line += f"; matched line: {h.evidence[-1][:200]}"
        if h.command:
            line += f"; check: {h.command}"
        lines.append(line)
    return lines


def _status_text(status: dict[str, Any]) -> str:
    if not status:
        return ""
    text = json.dumps(status, sort_keys=True, default=str, ensure_ascii=False)
    if len(text) > MAX_STATUS_CHARS:
        text = text[:MAX_STATUS_CHARS] + " ...[cut]"
    return text


def log_for_model(event: FailureEvent, evidence: Evidence, candidates: list[Candidate], settings: Settings) -> str:
    """The log the model sees: the collected log (`analyze` condensed it to the prompt's room),
    else the excerpt the reporter sent, condensed here to that room."""
    if evidence.log_text.strip():
        return evidence.log_text
    if event.log_excerpt:
        budget = log_token_budget(event, evidence, candidates, settings)
        return condense(event.log_excerpt, max(1, budget or settings.token_budget)).text
    return ""


# What a server counts beyond the messages' text (OpenAI: a few tokens per message and for
# the reply's start), and slack for the fence digest, whose tokens vary with its hex digits.
PROMPT_FRAMING_TOKENS = 16
FENCE_SLACK_TOKENS = 24
# A second condensation adds its own omission markers.
MARKER_SLACK_TOKENS = 16
# Less log than this is not worth asking a model about.
MIN_LOG_TOKENS = 64


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    return sum(count_tokens(str(m.get("content", ""))) for m in messages) + PROMPT_FRAMING_TOKENS


def log_token_budget(event: FailureEvent, evidence: Evidence, candidates: list[Candidate], settings: Settings) -> int:
    """Tokens left for the log in a prompt of TRIAGE_TOKEN_BUDGET tokens, once the system
    prompt, the facts and the candidates are counted (0 or less: they alone do not fit)."""
    bare = build_messages(event, evidence.model_copy(update={"log_text": ""}), candidates, "")
    return settings.token_budget - prompt_tokens(bare) - FENCE_SLACK_TOKENS


def build_messages(
    event: FailureEvent, evidence: Evidence, candidates: list[Candidate], log_text: str
) -> list[dict[str, Any]]:
    data = {
        "job": event.job,
        "source": event.source.value,
        "identity": _identity(event),
        "run": _run_facts(event),
        "status": _status_text(evidence.status),
        "history": _history_lines(evidence),
        "notes": [n[:300] for n in evidence.notes],
        "candidates": _candidate_lines(candidates),
        "log_origin": evidence.log_origin,
        "log": log_text,
    }
    # The fence carries a digest of the data, so text inside the log cannot forge the end
    # marker (it would have to contain its own hash), and the prompt stays reproducible.
    fence = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
    system = prompt_templates.render(
        PROMPT_NAME, PROMPT_VERSION, "system", fence=fence, categories=[c.value for c in Category]
    )
    user = prompt_templates.render(PROMPT_NAME, PROMPT_VERSION, "user", fence=fence, **data)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


# --------------------------------------------------------------------------- the call


class _DeadlineStream(httpx2.SyncByteStream):
    """A reply body that may not take longer than the request's deadline to arrive."""

    def __init__(self, inner: Any, request: httpx2.Request, deadline: float, timeout: float) -> None:
        self._inner, self._request, self._deadline, self._timeout = inner, request, deadline, timeout

    def __iter__(self):  # noqa: ANN204
        for chunk in self._inner:
            if time.monotonic() > self._deadline:
                raise httpx2.ReadTimeout(f"reply not complete after {self._timeout:g} s", request=self._request)
            yield chunk

    def close(self) -> None:
        self._inner.close()


def _deadline_hooks(timeout: float) -> dict[str, list[Any]]:
    """httpx's timeouts bound each socket read, not the reply: a server or proxy that trickles
    its body (keep-alive whitespace while the model is still generating) never trips them and
    holds the triage for as long as it likes. These hooks bound each request, from sending it
    to the last byte of the reply, by the timeout; the SDK sees an ordinary read timeout."""

    def on_request(request: httpx2.Request) -> None:
        request.extensions["triage_deadline"] = time.monotonic() + timeout

    def on_response(response: httpx2.Response) -> None:
        deadline = response.request.extensions.get("triage_deadline")
        if deadline is not None:
            response.stream = _DeadlineStream(response.stream, response.request, deadline, timeout)

    return {"request": [on_request], "response": [on_response]}


def make_client(settings: Settings) -> OpenAI:
    # Local servers need no key, but the SDK insists on one.
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    return OpenAI(
        base_url=settings.llm_base_url or None,
        api_key=key,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
        http_client=openai.DefaultHttpxClient(
            timeout=settings.llm_timeout_seconds, event_hooks=_deadline_hooks(settings.llm_timeout_seconds)
        ),
    )


def _mode_kwargs(mode: ResponseMode) -> dict[str, Any]:
    schema = answer_schema()
    if mode is ResponseMode.json_schema:
        return {"response_format": {"type": "json_schema", "json_schema": {"name": ANSWER_NAME, "strict": True, "schema": schema}}}
    if mode is ResponseMode.json_object:
        return {"response_format": {"type": "json_object", "schema": schema}}
    return {
        "tools": [{"type": "function", "function": {"name": ANSWER_NAME, "description": "Report the diagnosis", "parameters": schema}}],
        "tool_choice": {"type": "function", "function": {"name": ANSWER_NAME}},
    }


# Sampling parameters per (base URL, model). OpenAI's reasoning models refuse `max_tokens`
# (they want `max_completion_tokens`, which also counts reasoning) and any temperature but
# the default; the first refusal adapts them and is remembered like the response mode.
_params_by_target: dict[str, dict[str, Any]] = {}
_ADAPTABLE_CODES = {"unsupported_parameter", "unsupported_value"}


def _target(client: OpenAI, settings: Settings) -> str:
    return f"{str(client.base_url).rstrip('/')}#{settings.llm_model}"


def _sampling_params(target: str) -> dict[str, Any]:
    with _modes_lock:
        return dict(_params_by_target.get(target) or {"temperature": 0, "max_tokens": MAX_ANSWER_TOKENS})


def _adapt_params(target: str, params: dict[str, Any], exc: openai.BadRequestError) -> bool:
    """Change the parameter the server refused; False if this refusal is not about one."""
    param = exc.param if isinstance(exc.param, str) else None
    if param not in params or (exc.code not in _ADAPTABLE_CODES and "unsupported" not in str(exc.message).lower()):
        return False
    adapted = {k: v for k, v in params.items() if k != param}
    if param == "max_tokens":
        # Reasoning tokens count against this limit too: leave room for them.
        adapted["max_completion_tokens"] = MAX_ANSWER_TOKENS * 5
    log.info("model server %s refused %s; adapting the request", target, param)
    with _modes_lock:
        _params_by_target[target] = adapted
    return True


def _create_adapting(client: OpenAI, settings: Settings, messages: list[dict[str, Any]], mode: ResponseMode, usage: Usage) -> _Reply:
    target = _target(client, settings)
    for _ in range(2):
        params = _sampling_params(target)
        try:
            return _create(client, settings, messages, mode, usage, params)
        except openai.BadRequestError as exc:
            if not _adapt_params(target, params, exc):
                raise
    return _create(client, settings, messages, mode, usage, _sampling_params(target))


def _create(
    client: OpenAI, settings: Settings, messages: list[dict[str, Any]], mode: ResponseMode, usage: Usage, params: dict[str, Any]
) -> _Reply:
    try:
        completion = client.chat.completions.create(
            model=settings.llm_model or "",
            messages=messages,  # type: ignore[arg-type]
            **params,
            **_mode_kwargs(mode),
        )
    except ValueError:  # HTTP 200 whose body is not JSON (a proxy's or a web UI's page)
        usage.calls += 1
        raise AnswerUnusable("the server's reply is not JSON") from None
    usage.calls += 1
    # The SDK does not validate replies: a malformed one surfaces here as None or a wrong type.
    try:
        choices = completion.choices
        if not choices:
            raise AnswerUnusable("no choices in the reply")
        message = choices[0].message
        text = _as_text(message.content)
        if mode is ResponseMode.tool_call and message.tool_calls:
            call = message.tool_calls[0]
            text = _as_text(getattr(getattr(call, "function", None), "arguments", "")) or text
        finish_reason = choices[0].finish_reason
        refusal = getattr(message, "refusal", None)
        reported = getattr(completion, "usage", None)
    except (AttributeError, TypeError, IndexError, KeyError) as exc:
        raise AnswerUnusable(f"the reply is not a chat completion ({type(exc).__name__})") from None
    prompt_tokens = getattr(reported, "prompt_tokens", None)
    completion_tokens = getattr(reported, "completion_tokens", None)
    # Some servers omit usage (or part of it); count with our tokenizer so cost is never silently zero.
    if not isinstance(prompt_tokens, int):
        prompt_tokens = sum(count_tokens(str(m.get("content", ""))) for m in messages)
    if not isinstance(completion_tokens, int):
        completion_tokens = count_tokens(text)
    usage.prompt_tokens += prompt_tokens
    usage.completion_tokens += completion_tokens
    if refusal:
        raise AnswerUnusable(f"the model refused: {str(refusal)[:120]}")
    return _Reply(
        text=text, mode=mode, assistant_message={"role": "assistant", "content": text},
        finish_reason=finish_reason,
    )


def _as_text(value: Any) -> str:
    """Message content or tool-call arguments as text. Some servers send the content as a list
    of parts ({"type": "text", "text": ...}) or the arguments as a JSON object."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, list):
        return "".join(p["text"] for p in value
                       if isinstance(p, dict) and p.get("type", "text") == "text" and isinstance(p.get("text"), str))
    raise TypeError(f"content of type {type(value).__name__}")


def _retry_after_seconds(exc: openai.APIStatusError) -> float:
    value = exc.response.headers.get("retry-after")
    if not value:
        return 0.5  # the SDK's own first backoff
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):  # neither seconds nor an HTTP date
            parsed = None
        seconds = parsed.timestamp() - time.time() if parsed else 1.0
    return min(max(seconds, 0.0), MAX_PROBE_RETRY_AFTER)


def _context_overflow(exc: openai.APIStatusError) -> bool:
    if exc.code == "context_length_exceeded":
        return True
    message = str(exc.message).lower()
    return exc.status_code == 400 and any(k in message for k in ("context length", "context window", "context size"))


def _unavailable(exc: openai.OpenAIError, settings: Settings) -> ModelUnavailable:
    if isinstance(exc, openai.APITimeoutError):
        return ModelUnavailable(f"timeout after {settings.llm_timeout_seconds:g} s")
    if isinstance(exc, openai.APIConnectionError):
        return ModelUnavailable("cannot connect to the model server")
    if isinstance(exc, openai.RateLimitError):
        return ModelUnavailable("rate limited, HTTP 429")
    if isinstance(exc, openai.AuthenticationError):
        return ModelUnavailable("HTTP 401, check TRIAGE_LLM_API_KEY")
    if isinstance(exc, openai.APIStatusError):
        return ModelUnavailable(f"HTTP {exc.status_code}")
    return ModelUnavailable(type(exc).__name__)


def complete(client: OpenAI, settings: Settings, messages: list[dict[str, Any]], usage: Usage) -> _Reply:
    """One structured completion, in the response mode this base URL is known to accept.

    Unknown base URL: try the modes in order. A probe that is not the last one runs without
    the SDK's retries, so a server that rejects a mode with a 500 (llama.cpp) is not asked
    three times; a 429 or 503 while probing is waited out (Retry-After) and retried in full.
    """
    base_url = str(client.base_url)
    known = remembered_mode(base_url)
    order = [known] if known else list(ResponseMode)
    last_error: openai.OpenAIError | None = None
    for i, mode in enumerate(order):
        probing = known is None and i < len(order) - 1
        try:
            try:
                reply = _create_adapting(client.with_options(max_retries=0) if probing else client, settings, messages, mode, usage)
            except openai.APIStatusError as exc:
                if not (probing and exc.status_code in _TRANSIENT):
                    raise
                # Busy, not "unsupported": wait as told, then ask again with the SDK's retries.
                time.sleep(_retry_after_seconds(exc))
                reply = _create_adapting(client, settings, messages, mode, usage)
        except openai.APIStatusError as exc:
            last_error = exc
            if _context_overflow(exc):
                # Not a mode problem: every mode would fail the same way.
                raise ModelUnavailable("prompt too long for the model's context; lower TRIAGE_TOKEN_BUDGET") from exc
            if probing and exc.status_code in _MODE_REJECTED:
                log.info("model server %s rejected response mode %s (HTTP %s); trying the next", base_url, mode.value, exc.status_code)
                continue
            if known is not None and exc.status_code in {400, 422}:
                # The server changed under us: probe again on the next triage.
                _remember_mode(base_url, None)
            raise _unavailable(exc, settings) from exc
        except openai.OpenAIError as exc:
            raise _unavailable(exc, settings) from exc
        if known is None:
            log.info("model server %s accepts response mode %s", base_url, mode.value)
            _remember_mode(base_url, mode)
        return reply
    assert last_error is not None
    raise _unavailable(last_error, settings)


# --------------------------------------------------------------------------- the answer


def parse_answer(text: str) -> ModelAnswer:
    """The model's text as a ModelAnswer, or AnswerUnusable saying what was wrong."""
    body = text.strip()
    if body.startswith("```"):
        # Some models fence JSON even in JSON mode.
        body = body.strip("`").removeprefix("json").strip()
    # strict=False: grammar-constrained local models emit raw newlines/tabs inside strings.
    try:
        try:
            data = json.loads(body, strict=False)
        except json.JSONDecodeError:
            start = body.find("{")
            try:
                data, _ = json.JSONDecoder(strict=False).raw_decode(body[start:]) if start >= 0 else (None, 0)
            except json.JSONDecodeError:
                data = None
            if data is None:
                raise AnswerUnusable("not valid JSON") from None
    except RecursionError:  # "[[[[..." a thousand deep: a degenerate or hostile reply
        raise AnswerUnusable("not valid JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise AnswerUnusable("not a JSON object")
    try:
        return ModelAnswer.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        if where == "category":
            raise AnswerUnusable(f"category {str(data.get('category'))[:40]!r} is not in the taxonomy") from None
        if where == "cause":
            raise AnswerUnusable("empty cause") from None
        raise AnswerUnusable(f"{where}: {first['msg']}") from None


def _normalise(line: str) -> str:
    return " ".join(line.split())


# A quote shorter than this must be a whole log line: a lone word such as "memory" occurs
# in many logs and proves nothing.
MIN_PARTIAL_QUOTE = 20


def verified_evidence(lines: list[str], log_text: str) -> tuple[list[str], int]:
    """Keep the quoted lines that really occur in the log (whitespace-insensitive)."""
    log_lines = [_normalise(ln) for ln in log_text.splitlines()]
    whole = set(log_lines)
    haystack = "\n".join(log_lines)
    kept: list[str] = []
    for line in lines:
        quote = _normalise(line)
        real = quote in whole if len(quote) < MIN_PARTIAL_QUOTE else quote in haystack
        if quote and real and quote not in kept:
            kept.append(quote)
    return kept, len(lines) - len(kept)


def _ask(client: OpenAI, settings: Settings, messages: list[dict[str, Any]], usage: Usage) -> tuple[ModelAnswer, _Reply]:
    reply = complete(client, settings, messages, usage)
    try:
        return parse_answer(reply.text), reply
    except AnswerUnusable as exc:
        if reply.finish_reason == "length":
            raise AnswerUnusable(f"cut off at the token limit, {exc.reason}") from None
        raise


def _guard_examples(event: FailureEvent, fallback: Hypothesis) -> list[str]:
    examples = [fallback.command] if fallback.command and guard.check_command(fallback.command).allowed else []
    if event.kubernetes:
        examples.append(f"kubectl describe job {event.kubernetes.job} -n {event.kubernetes.namespace}")
    examples += ["df -h", "free -m"]
    return list(dict.fromkeys(examples))[:3]


def _fallback(fallback: Hypothesis, note: str, usage: Usage, settings: Settings) -> Hypothesis:
    log.warning("LLM diagnosis fell back to signatures: %s", note)
    out = fallback.model_copy(deep=True)
    out.notes.append(note)
    if usage.calls:
        out.prompt_tokens = usage.prompt_tokens
        out.completion_tokens = usage.completion_tokens
        out.cost_usd = usage.cost_usd(settings)
    return out


def diagnose_with_llm(
    event: FailureEvent,
    evidence: Evidence,
    candidates: list[Candidate],
    fallback: Hypothesis,
    settings: Settings,
) -> Hypothesis:
    """Ask the model once (plus one re-ask if its command is refused); never raise for it."""
    model = settings.llm_model or "unknown"
    usage = Usage()
    # TRIAGE_TOKEN_BUDGET bounds the whole prompt. `analyze` condensed the log to what the rest
    # leaves; the digest's tokens vary a little, so check the real count and cut further.
    log_text = log_for_model(event, evidence, candidates, settings)
    messages = build_messages(event, evidence, candidates, log_text)
    for _ in range(5):
        over = prompt_tokens(messages) - settings.token_budget
        if over <= 0:
            break
        room = count_tokens(log_text) - over - MARKER_SLACK_TOKENS
        if room < MIN_LOG_TOKENS and log_text.strip():
            return _fallback(fallback, f"model not asked: TRIAGE_TOKEN_BUDGET ({settings.token_budget} tokens) leaves no room for "
                             "the log once the instructions and facts are counted; showing the signature diagnosis",
                             usage, settings)
        log_text = condense(log_text, room, is_signature_line=interesting_line).text
        messages = build_messages(event, evidence, candidates, log_text)
    else:
        return _fallback(fallback, f"model not asked: the prompt does not fit TRIAGE_TOKEN_BUDGET "
                         f"({settings.token_budget} tokens); showing the signature diagnosis", usage, settings)
    notes: list[str] = []
    command_refused = False
    try:
        with make_client(settings) as client:
            answer, reply = _ask(client, settings, messages, usage)
            verdict = guard.check_command(answer.command) if answer.command else None
            if verdict is not None and not verdict.allowed:
                refused = prompt_templates.render(
                    PROMPT_NAME, PROMPT_VERSION, "refused",
                    reason=verdict.reason, command=answer.command, examples=_guard_examples(event, fallback),
                )
                retry_messages = messages + [reply.assistant_message, {"role": "user", "content": refused}]
                try:
                    second, _ = _ask(client, settings, retry_messages, usage)
                except (ModelUnavailable, AnswerUnusable) as exc:
                    second = None
                    notes.append(f"re-asking the model after its command was refused failed ({exc.reason})")
                first_command = answer.command
                if second is not None:
                    answer = second
                second_ok = second is not None and bool(second.command) and guard.check_command(second.command).allowed
                if second_ok:
                    notes.append(f"the model's first command was refused by the guard ({verdict.reason}); it suggested this one instead")
                else:
                    notes.append(
                        f"the model's command {first_command[:80]!r} was refused by the guard ({verdict.reason}), "
                        "twice; showing the signature's command"
                    )
                    answer = answer.model_copy(update={"command": "", "command_reason": ""})
                    command_refused = True
    except ModelUnavailable as exc:
        return _fallback(fallback, f"model unavailable ({exc.reason}); showing the signature diagnosis", usage, settings)
    except AnswerUnusable as exc:
        return _fallback(fallback, f"model answer unusable ({exc.reason}); showing the signature diagnosis", usage, settings)

    evidence_lines, dropped = verified_evidence(answer.evidence, log_text)
    confidence = answer.confidence
    if dropped:
        notes.append(f"dropped {dropped} quoted line(s) that do not occur in the log")
        if not evidence_lines and answer.evidence:
            # Nothing it quoted is real: do not let it sound sure.
            confidence = min(confidence, 0.5)
    command, command_reason = answer.command, answer.command_reason
    if not command:
        command, command_reason = fallback.command, fallback.command_reason
        if not command_refused:
            notes.append("the model suggested no command; showing the signature's command")
    agreeing = [c.hypothesis for c in sorted(candidates, key=lambda c: c.score, reverse=True) if c.hypothesis.category == answer.category]
    return Hypothesis(
        category=answer.category,
        cause=answer.cause,
        confidence=confidence,
        evidence=evidence_lines,
        command=command,
        command_reason=command_reason,
        engine=f"llm:{model}",
        signature=agreeing[0].signature if agreeing else None,
        prompt_version=prompt_templates.prompt_id(PROMPT_NAME, PROMPT_VERSION),
        context_tokens=fallback.context_tokens,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cost_usd=usage.cost_usd(settings),
        notes=notes,
    )
