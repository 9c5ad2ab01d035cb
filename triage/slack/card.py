"""Slack messages built with `slack_sdk.models.blocks`, so Slack's limits (50 blocks, 3000
characters per section, 150 per header, 10 context elements) are checked before sending.

Only what is already redacted goes on a card: the hypothesis and the stored evidence
links. The reporter's raw `log_excerpt` never does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from triage.models import DECISIVE_CONFIDENCE, Category, RunOutcome, RunRecord, TriageState, TriageView
from triage.run_history import duration_text, streak_text, when

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
ACTION_ACK = "triage_ack"
ACTION_WRONG_CAUSE = "triage_wrong_cause"
ACTION_APPROVE = "triage_approve"
MODAL_WRONG_CAUSE = "triage_wrong_cause_modal"

_OPEN_STATES = {TriageState.published, TriageState.acknowledged, TriageState.failed}


def esc(text: str) -> str:
    """Slack mrkdwn escaping: these three characters are control characters there. A ```
    would open a code block: in a model-written cause (steered by the log) it would show a
    command that looks suggested but never met the guard, so it loses its formatting."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("```", "'''")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_escaped(text: str, limit: int) -> str:
    """`esc(text)` within `limit`, never cutting an entity such as `&lt;` in two."""
    out = esc(text)
    if len(out) <= limit:
        return out
    return re.sub(r"&[a-z]*$", "", out[: limit - 1]) + "…"


def link_url(url: str) -> str:
    """A URL inside `<url|text>`: mrkdwn's three control characters escaped, and `|`, which
    would end the URL there, percent-encoded (what it means in a URL anyway)."""
    return esc(url).replace("|", "%7C")


def runs_row(history: list[RunRecord], limit: int = 10) -> str:
    """The last runs oldest to newest as marks, and what the streak says."""
    recent = history[:limit]
    if not recent:
        return ""
    marks = "".join("✅" if r.outcome == RunOutcome.success else "❌" if r.outcome == RunOutcome.failure
                    else "▫️" for r in reversed(recent))
    streak = streak_text(history)
    return f"Recent runs {marks}" + (f" · {streak}" if streak else "")


def engine_label(engine: str, signature: str | None) -> str:
    if engine.startswith("llm:"):
        return f"model {engine[4:]}"
    return f"signatures ({signature})" if signature else engine


def actor_label(actor: str) -> str:
    kind, _, name = actor.partition(":")
    if kind == "slack":
        return f"<@{name}>"
    if kind == "inbox":
        return f"{esc(name)} (inbox)"
    return esc(actor)


_ACTION_WORDS = {
    "acknowledge": "Acknowledged",
    "dismiss": "Dismissed",
    "approve_rerun": "Re-run approved",
    "rerun_requested": "Re-run started",
    "rerun_done": "Re-run done",
    "rerun_failed": "Re-run failed",
    "wrong_cause": "Cause corrected",
    "resolved": "Resolved",
}


def audit_lines(audit: list[dict[str, Any]], limit: int = 6) -> list[str]:
    lines = []
    for a in audit[-limit:]:
        word = _ACTION_WORDS.get(a["action"], a["action"])
        if a["action"] == "approve_rerun" and (a.get("outcome") == "refused"):
            word = "Re-run refused (not an approver)"
        at = a["at"][11:16] + " UTC" if len(a["at"]) >= 16 else a["at"]
        line = f"{word} by {actor_label(a['actor'])} at {at}"
        if a["action"] in ("rerun_done", "rerun_failed", "wrong_cause") and a.get("detail"):
            line += f": {esc(clip(a['detail'], 200))}"
        lines.append(line)
    return lines


@dataclass
class CardContext:
    """Everything a triage card shows, gathered from the store at render time."""

    view: TriageView
    history: list[RunRecord]
    audit: list[dict[str, Any]]
    rerun_plan: str | None
    public_url: str = ""
    repeats: int = 0
    last_repeat_at: datetime | None = None
    deliveries: int = 1
    buttons: bool = True
    links: dict[str, str] = field(default_factory=dict)


def inbox_link(public_url: str, triage_id: str) -> str | None:
    return f"{public_url.rstrip('/')}/triages/{triage_id}" if public_url else None


# How the sources name their links (Airflow's log_url, Alertmanager's generatorURL).
_LINK_NAMES = {"airflow_log": "Airflow log", "source": "Alert source"}


def _links_text(links: dict[str, str], inbox: str | None) -> str:
    parts = [f"<{link_url(url)}|{esc(_LINK_NAMES.get(name, name.replace('_', ' ').capitalize()))}>"
             for name, url in links.items() if url.startswith(("http://", "https://"))]
    if inbox:
        parts.append(f"<{inbox}|Open in the triage inbox>")
    return " · ".join(parts)


def triage_card(ctx: CardContext) -> tuple[str, list[Block]]:
    """The fallback text (notifications) and the blocks of one failure's card."""
    v, h = ctx.view, ctx.view.hypothesis
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=clip(f"🔴 {v.job} failed · {v.source.value}", 150)))]
    facts = [f"failed {when(v.event.failed_at)}"]
    if v.event.exit_code is not None:
        facts.append(f"exit {v.event.exit_code}")
    if v.event.signal:
        facts.append(f"signal {esc(v.event.signal)}")
    facts.append(f"state *{v.state.value}*")
    if ctx.deliveries > 1:
        facts.append(f"reported {ctx.deliveries} times")
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(facts))]))
    if h is not None:
        pct = f"{round(h.confidence * 100)}% confidence, from {esc(engine_label(h.engine, h.signature))}"
        if h.confidence >= DECISIVE_CONFIDENCE:
            head = f"*Likely cause* — {h.category.value}, {pct}\n"
        elif h.category != Category.other:
            head = f"*Unclear*, leaning {h.category.value} — {pct}\n"
        else:
            head = f"*Unclear* — {pct}\n"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(head + esc(h.cause), SECTION_LIMIT))))
        if h.evidence:
            quoted = "\n".join("> " + esc(clip(line.replace("\n", " "), 400)) for line in h.evidence[:5])
            blocks.append(SectionBlock(text=MarkdownTextObject(text=clip("*Evidence*\n" + quoted, SECTION_LIMIT))))
        if h.command and h.command_allowed:
            why = f"\n_{esc(clip(h.command_reason, 500))}_" if h.command_reason else ""
            # A ``` block is still mrkdwn: `<!channel>` in it pings and `<url|text>` links, so
            # & < > are escaped (Slack shows `&lt;` there as `<`: the command reads as guarded).
            cmd = clip_escaped(h.command, 2000)
            blocks.append(SectionBlock(text=MarkdownTextObject(
                text=clip(f"*Confirm with this read-only command*\n```{cmd}```{why}", SECTION_LIMIT))))
        for note in h.notes[:2]:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(esc(note), 2000))]))
    elif v.state == TriageState.failed and v.error:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(f"*Triage failed:* {esc(v.error)}", SECTION_LIMIT))))
    history_bits = [b for b in (runs_row(ctx.history), duration_text(v, ctx.history)) if b]
    if history_bits:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(t, 2000)) for t in history_bits]))
    links = _links_text(ctx.links, inbox_link(ctx.public_url, v.id))
    if links:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(links, 2000))]))
    if ctx.repeats:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text=f"🔁 Failed again {ctx.repeats} time{'s' if ctx.repeats != 1 else ''} since, last at "
                 f"{when(ctx.last_repeat_at)} (see the thread)")]))
    trail = audit_lines(ctx.audit)
    if trail:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip("\n".join(trail), 2000))]))
    if ctx.buttons:
        buttons = _buttons(ctx)
        if buttons:
            blocks.append(DividerBlock())
            if any(b.action_id == ACTION_APPROVE for b in buttons) and ctx.rerun_plan:
                # In full here: the confirmation dialog holds at most 300 characters.
                blocks.append(ContextBlock(elements=[MarkdownTextObject(
                    text=clip("*Approve re-run* will: " + esc(ctx.rerun_plan), 2000))]))
            blocks.append(ActionsBlock(block_id=f"actions-{v.id}", elements=buttons))
    # The fallback text is mrkdwn too (and notifies): a `<!channel>` in a cause must not ping.
    text = f"{esc(v.job)} failed ({v.source.value})" + (f": {esc(clip(h.cause, 200))}" if h else "")
    return text, _checked(blocks)


def _buttons(ctx: CardContext) -> list[ButtonElement]:
    v = ctx.view
    out: list[ButtonElement] = []
    if v.state in (TriageState.published, TriageState.failed):
        out.append(ButtonElement(text="Acknowledge", action_id=ACTION_ACK, value=v.id))
    if v.state in _OPEN_STATES and v.hypothesis is not None:
        out.append(ButtonElement(text="Wrong cause", action_id=ACTION_WRONG_CAUSE, value=v.id))
    if ctx.rerun_plan and v.state in (TriageState.published, TriageState.acknowledged):
        out.append(ButtonElement(
            text="Approve re-run", action_id=ACTION_APPROVE, value=v.id, style="danger",
            confirm=ConfirmObject(title="Approve this re-run?",
                                  text=MarkdownTextObject(text=clip(esc(ctx.rerun_plan), 300)),
                                  confirm="Re-run", deny="Cancel", style="danger")))
    return out


@dataclass
class IncidentMember:
    triage_id: str
    job: str
    source: str
    failed_at: datetime
    state: str


def incident_card(members: list[IncidentMember], cause: str, category: str, signature: str | None,
                  public_url: str) -> tuple[str, list[Block]]:
    """One card for many jobs failing with one cause at once (a storm)."""
    jobs = sorted({m.job for m in members})
    first = min(m.failed_at for m in members)
    last = max(m.failed_at for m in members)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"🌩 {len(jobs)} jobs failing with one cause · {category}", 150))),
        ContextBlock(elements=[MarkdownTextObject(
            text=f"{len(members)} failures between {when(first)} and {when(last)}"
                 + (f" · signature `{esc(signature)}`" if signature else ""))]),
        SectionBlock(text=MarkdownTextObject(text=clip("*Likely shared cause*\n" + esc(cause), SECTION_LIMIT))),
    ]
    ordered = sorted(members, key=lambda m: m.failed_at)
    budget = SECTION_LIMIT - 200

    def linked(m: IncidentMember) -> str:
        link = inbox_link(public_url, m.triage_id)
        name = f"<{link}|{esc(m.job)}>" if link else f"`{esc(m.job)}`"
        return f"• {name} ({m.source}) at {m.failed_at.strftime('%H:%M:%S')} — {m.state}"

    def compact(m: IncidentMember) -> str:
        return f"`{esc(m.job)}` {m.failed_at.strftime('%H:%M:%S')}"

    # Links for every job when they fit; else every job name without links; else as many as fit.
    lines = [linked(m) for m in ordered]
    joiner = "\n"
    if sum(len(x) + 1 for x in lines) > budget:
        lines, joiner = [compact(m) for m in ordered], " · "
        kept, size = [], 0
        for line in lines:
            if size + len(line) + 3 > budget:
                break
            kept.append(line)
            size += len(line) + 3
        if len(kept) < len(lines):
            kept.append(f"…and {len(lines) - len(kept)} more (see the inbox)")
        lines = kept
    blocks.append(SectionBlock(text=MarkdownTextObject(text="*Failed jobs*\n" + joiner.join(lines))))
    if public_url:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"<{public_url.rstrip('/')}/|Open the triage inbox>")]))
    text = f"{len(jobs)} jobs failing with one cause ({category}): {esc(clip(cause, 200))}"
    return text, _checked(blocks)


def grouped_stub(view: TriageView, jobs_in_incident: int, public_url: str) -> tuple[str, list[Block]]:
    """What an already posted card becomes once its failure joined an incident."""
    link = inbox_link(public_url, view.id)
    text = (f"*{esc(view.job)}* failed at {when(view.event.failed_at)} — grouped into an incident of "
            f"{jobs_in_incident} jobs failing with the same cause; see the incident card in this channel."
            + (f" <{link}|Details>" if link else ""))
    return f"{esc(view.job)} failed (grouped into an incident)", _checked([SectionBlock(text=MarkdownTextObject(text=text))])


def wrong_cause_modal(view: TriageView) -> View:
    h = view.hypothesis
    current = f"*Card said:* {esc(clip(h.cause, 2500))} ({h.category.value})" if h else "*No cause was given.*"
    return View(
        type="modal",
        callback_id=MODAL_WRONG_CAUSE,
        private_metadata=view.id,
        title=PlainTextObject(text="Wrong cause"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(f"{esc(view.job)}\n{current}", SECTION_LIMIT))),
            InputBlock(block_id="cause", label="What was the real cause?",
                       element=PlainTextInputElement(action_id="value", multiline=True, max_length=3000)),
            InputBlock(block_id="category", label="Category",
                       element=StaticSelectElement(action_id="value", placeholder="Pick one",
                                                   options=[Option(value=c.value, text=c.value) for c in Category])),
        ],
    )


def _checked(blocks: list[Block]) -> list[Block]:
    """Validate every block now (slack_sdk raises on a broken limit) and keep under 50."""
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [ContextBlock(elements=[MarkdownTextObject(text="(card shortened)")])]
    for b in blocks:
        b.validate_json()
    return blocks
