"""Condense a log to a token budget. (First cut: keeps the head and the tail.)"""

from __future__ import annotations

from pydantic import BaseModel

from triage.engine.tokens import count_tokens


class Condensed(BaseModel):
    text: str
    tokens: int
    total_lines: int
    kept_lines: int


def condense(text: str, budget_tokens: int) -> Condensed:
    lines = text.splitlines()
    kept: list[str] = []
    used = 0
    for line in reversed(lines):
        cost = count_tokens(line) + 1
        if used + cost > budget_tokens:
            break
        kept.append(line)
        used += cost
    kept.reverse()
    if len(kept) < len(lines):
        kept.insert(0, f"[{len(lines) - len(kept)} earlier lines omitted]")
    out = "\n".join(kept)
    return Condensed(text=out, tokens=count_tokens(out), total_lines=len(lines), kept_lines=len(kept))
