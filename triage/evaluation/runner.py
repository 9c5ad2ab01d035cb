"""Run cases through the engine exactly as the service does, and score each hypothesis.

For every case: build the FailureEvent + Evidence (conversion), then
`triage.engine.analyze.analyze(event, evidence, settings)` (same redaction, condensation,
signatures, model call and guard as the service), then score. Engines:

signatures  the model is switched off, whatever the environment says.
llm         TRIAGE_LLM_BASE_URL / TRIAGE_LLM_MODEL (any OpenAI-compatible endpoint); with
            a record directory every exchange goes through a loopback recording proxy.
replay      a loopback server answers from a record directory; no network is touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path

from triage.engine.analyze import analyze
from triage.evaluation.cases import EvalCase
from triage.evaluation.conversion import event_and_evidence
from triage.evaluation.replay import RecordingProxy, ReplayServer
from triage.evaluation.scoring import CaseResult, failed_case, score_case
from triage.settings import Settings

# The SDK needs some key; replay and local servers ignore it.
_PLACEHOLDER_KEY = "replay-no-key"


class Engine(StrEnum):
    signatures = "signatures"
    llm = "llm"
    replay = "replay"


class EvalSetupError(Exception):
    """The requested engine cannot run; the message says what to set."""


def signature_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"llm_base_url": None, "llm_model": None, "llm_api_key": None})


def run_cases(
    cases: list[EvalCase],
    settings: Settings,
    engine: Engine,
    record_dir: Path | None = None,
    progress: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    with ExitStack() as stack:
        server: RecordingProxy | ReplayServer | None = None
        if engine is Engine.signatures:
            settings = signature_settings(settings)
        elif engine is Engine.llm:
            if not settings.llm_enabled:
                raise EvalSetupError("--engine llm needs TRIAGE_LLM_MODEL and TRIAGE_LLM_BASE_URL (or an API key)")
            if record_dir is not None:
                upstream = settings.llm_base_url or "https://api.openai.com/v1"
                server = stack.enter_context(RecordingProxy(upstream, record_dir, settings.llm_model or "",
                                                            timeout_seconds=settings.llm_timeout_seconds))
                settings = settings.model_copy(update={"llm_base_url": server.url})
        else:
            if record_dir is None:
                raise EvalSetupError("--engine replay needs --record DIR pointing at recorded exchanges")
            try:
                server = stack.enter_context(ReplayServer(record_dir))
            except FileNotFoundError as exc:
                raise EvalSetupError(str(exc)) from None
            from pydantic import SecretStr

            settings = settings.model_copy(update={
                "llm_base_url": server.url,
                "llm_model": server.meta.get("model") or "replay",
                "llm_api_key": SecretStr(_PLACEHOLDER_KEY),
            })
        results = []
        for case in cases:
            if server is not None:
                server.begin(case.id)
                # Each case negotiates the response mode itself, so its recording holds every
                # exchange it needs and replays the same alone (--only) or in any company.
                from triage.engine.llm import forget_response_modes

                forget_response_modes()
            started = time.perf_counter()
            try:
                event, evidence = event_and_evidence(case)
                analysis = analyze(event, evidence, settings)
            except Exception as exc:  # noqa: BLE001 - one broken case must not hide the others
                result = failed_case(case, f"{type(exc).__name__}: {exc}", (time.perf_counter() - started) * 1000)
            else:
                result = score_case(case, analysis.hypothesis, (time.perf_counter() - started) * 1000)
            results.append(result)
            if progress:
                progress(result)
        return results
