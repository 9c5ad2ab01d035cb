"""Condense a (redacted) log to a token budget, keeping what explains the failure.

Kept, in this order of priority: the last lines (a job's log usually ends at its failure),
whole error blocks (Python tracebacks, Java stack traces with their `Caused by:`, Go panics,
Node errors), lines the signature predicate marks as interesting with a little context, and
the first lines (command, versions). Runs of similar lines (numbers, hex ids, UUIDs and
timestamps masked) collapse into their first and last line and a `[xN similar lines]`
marker. The output keeps the original order and marks each gap `[... N lines omitted ...]`.
Its real token count (tiktoken, o200k_base) never exceeds the budget.

One pass, bounded memory: only the head, a tail window, the best candidate blocks (a size-
capped pool) and a few counters are kept, so a 1 GB log needs the same memory as a 10 MB one.
Per-line work in Python is a string comparison; masking and the scans for error lines run
over batches of lines at a time (`re` and RE2), and tokens are counted only for the few lines
that can end up in the output.

Why not Drain3: its template tree costs tens of microseconds per line in Python, too slow
for gigabyte logs, and we only need "is this line like the previous one", which masking
answers exactly.
"""

from __future__ import annotations

import heapq
import itertools
import re
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import re2
from pydantic import BaseModel

from triage.engine.tokens import count_tokens, encoding


class Condensed(BaseModel):
    text: str
    tokens: int
    total_lines: int
    kept_lines: int  # original lines shown verbatim (collapsed and omitted ones not counted)


# --- line classification -----------------------------------------------------------------
# Variable parts of a line: numbers, hex ids, UUIDs, timestamps, durations, IPs.
_MASK = re.compile(r"\d[0-9a-fA-F.:,_+-]*")
_re2_opts = re2.Options()
_re2_opts.case_sensitive = False
_re2_opts.max_mem = 32 << 20
# Lines that look like trouble even without a signature predicate.
_HINT = re2.compile(
    r"(?m)^.*(?:error|exception|fatal|fail|panic|killed|denied|refused|timed? ?out|traceback|"
    r"oom|segfault|abort|critical|unable to|cannot|can't|could not|not found|no such|invalid|"
    r"exit (?:code|status) [1-9]|exited with|non-zero|unauthori[sz]ed|forbidden|crash|backoff|"
    r"evicted|no space|out of memory|sigkill|sigterm|signal \d+|errno).*$",
    _re2_opts,
)
_cs_opts = re2.Options()
_cs_opts.max_mem = 32 << 20
# Lines that open a multi-line error block.
_BLOCK_START = re2.compile(
    r"(?m)^(?:\S*\d{4}-\d\d-\d\d[T ][\d:.,]+\S*\s+(?:\S+\s+){0,2})?\s*(?:"
    r"Traceback \(most recent call last\):"
    r"|Exception in thread "
    r"|panic: |fatal error: |goroutine \d+ \[running\]:"
    r"|(?:[\w$]+\.)+[\w$]*(?:Exception|Error|Throwable)(?::|$)"
    r"|(?:Uncaught )?(?:[A-Z]\w*)?Error: "
    r").*$",
    _cs_opts,
)
# An ISO timestamp prefix (kubectl logs --timestamps, most loggers) hides indentation.
_TS_PREFIX = re.compile(r"^\S*\d{4}-\d\d-\d\d[T ][\d:.,]+\S*\s(?:stdout|stderr)?\s?[FP]?\s?")
_CONTINUATION = re.compile(
    r"^(?:[ \t]+\S"
    r"|Caused by:|Suppressed:|\.\.\. \d+ more"
    r"|During handling of the above exception|The above exception was the direct cause"
    r"|Traceback \(most recent call last\):"
    r"|goroutine \d+ \[|created by |exit status \d+"
    r"|[\w./*()\[\]-]+\(.*\)$"  # Go frame: pkg.func(args)
    r"|\[Previous line repeated"
    r"|\^+\s*$"
    r")"
)
_PY_TB = "Traceback (most recent call last):"
# Near the start of a log, lines that state versions (what was installed, what runs) explain
# many failures (an upgrade, a pin that moved) even when the head window is too short.
_VERSION = re.compile(
    r"(?i)\bversion\b|\binstalled\b|\bv\d+\.\d+\.\d+\b|"
    r"\b(?:python|java|jdk|node|go|ruby|php|perl|postgres(?:ql)?|mysql|airflow|spark|kubectl|helm|terraform)[ /:v-]*\d+\.\d+"
)
VERSION_SCAN_LINES = 500


def _structure(line: str) -> str:
    """The line without a leading timestamp, for indentation checks."""
    if line[:1].isdigit():
        m = _TS_PREFIX.match(line)
        if m:
            return line[m.end():]
    return line


# --- budget shares -------------------------------------------------------------------------
HEAD_SHARE = 0.10  # first lines: the command, versions, configuration
TAIL_MIN_SHARE = 0.30  # the end of the log is kept before anything else
BLOCK_MAX_SHARE = 0.45  # one error block may use this much if it fits whole
CONTEXT = 2  # lines of context around a signature line or block, shown first
WIDE_CONTEXT = 12  # context kept in reserve, shown if budget is left (the failure's neighbourhood)
WIDE_SHARE = 0.5  # share of the budget still free that widening may use
MAX_LINE_CHARS = 2000  # longer lines are clipped on the way in (a 1 MB JSON line must not win)
HEAD_MAX_LINES = 30
BLOCK_MAX_RECORDS = 240  # a block longer than this keeps its first and last records
MARKER_TOKENS = 12


@dataclass(eq=False)
class _Record:
    """A run of consecutive similar lines (usually just one line)."""

    idx: int  # 0-based index of the first original line
    first: str
    last: str = ""
    mid: str = ""  # the middle line of a run of three (a marker would save nothing)
    count: int = 1
    tokens: int = -1

    @property
    def end(self) -> int:
        return self.idx + self.count

    def lines(self) -> list[str]:
        if self.count == 1:
            return [self.first]
        if self.count == 2:
            return [self.first, self.last]
        if self.count == 3:
            return [self.first, self.mid, self.last]
        if self.last == self.first:
            return [self.first, f"[x{self.count - 1:,} similar lines]"]
        return [self.first, f"[x{self.count - 2:,} similar lines]", self.last]

    def shown(self) -> int:
        if self.count <= 3:
            return self.count
        return 1 if self.last == self.first else 2

    def chars(self) -> int:
        return len(self.first) + len(self.last) + len(self.mid) + 24


@dataclass(order=True)
class _Unit:
    """Something worth showing from the middle of the log: an error block or a signature
    line with context. Ordered by score, ties broken by recency."""

    score: float
    seq: int
    records: list[_Record] = field(compare=False)
    kind: str = field(compare=False, default="line")
    before: list[_Record] = field(compare=False, default_factory=list)
    after: list[_Record] = field(compare=False, default_factory=list)

    def chars(self) -> int:
        return sum(r.chars() for r in self.records) + sum(r.chars() for r in self.before)

    def shown(self, context: int) -> list[_Record]:
        return self.before[len(self.before) - context :] + self.records + self.after[:context]


class _Block:
    def __init__(self, first: _Record, python: bool, before: list[_Record]) -> None:
        self.before = before
        self.head: list[_Record] = [first]
        self.tail: deque[_Record] = deque(maxlen=BLOCK_MAX_RECORDS // 2)
        self.python = python
        self.exc_line_seen = not python
        self.blank_run = 0
        self.interesting = False

    def add(self, rec: _Record) -> None:
        if len(self.head) < BLOCK_MAX_RECORDS // 2:
            self.head.append(rec)
        else:
            self.tail.append(rec)

    def records(self) -> list[_Record]:
        recs = self.head + list(self.tail)
        while len(recs) > 1 and not recs[-1].first.strip():
            recs.pop()
        return recs


class _Condenser:
    def __init__(self, budget: int, is_signature_line: Callable[[str], bool] | None) -> None:
        self.budget = budget
        self.sig = is_signature_line
        chars_per_budget = budget * 4
        self.tail_cap = chars_per_budget * 2
        self.pool_cap = chars_per_budget * 4
        self.small_cap = chars_per_budget * 3  # below this, the whole text is kept as a fallback
        self.total = 0
        self.head: list[_Record] = []
        self.head_chars = 0
        self.tail: deque[_Record] = deque()
        self.tail_chars = 0
        self.pool: list[_Unit] = []  # min-heap by score
        self.pool_chars = 0
        self.seq = itertools.count()
        self.seen_templates: dict[str, int] = {}
        self.before: deque[_Record] = deque(maxlen=WIDE_CONTEXT)
        self.pending: list[tuple[int, _Unit]] = []  # units still collecting after-context
        self.block: _Block | None = None
        self.small: list[str] | None = []
        self.small_chars = 0
        self.cur: _Record | None = None
        self.cur_tmpl = ""
        self.cur_flags = 0

    # -- ingestion --------------------------------------------------------------------
    def feed_batch(self, lines: list[str]) -> None:
        text = "\n".join(lines)
        tmpls = _MASK.sub("#", text).split("\n")
        if len(tmpls) != len(lines):  # a line held a stray \r or similar: mask line by line
            tmpls = [_MASK.sub("#", line) for line in lines]
        starts = list(itertools.accumulate((len(line) + 1 for line in lines), initial=0))
        flags = [0] * len(lines)  # 1 = hint, 2 = block start
        for m in _HINT.finditer(text):
            flags[bisect_right(starts, m.start()) - 1] |= 1
        for m in _BLOCK_START.finditer(text):
            flags[bisect_right(starts, m.start()) - 1] |= 2
        if self.small is not None:
            self.small.extend(lines)
            self.small_chars += len(text)
            if self.small_chars > self.small_cap:
                self.small = None
        cur, cur_tmpl, cur_flags = self.cur, self.cur_tmpl, self.cur_flags
        n = self.total
        for line, tmpl, flag in zip(lines, tmpls, flags):
            # similar to the previous line: extend the run (block starts never merge)
            if cur is not None and tmpl == cur_tmpl and not flag & 2:
                cur.count += 1
                if cur.count == 3:
                    cur.mid = cur.last
                cur.last = line
                cur_flags |= flag
            else:
                if cur is not None:
                    self._emit(cur, cur_tmpl, cur_flags)
                if len(line) > MAX_LINE_CHARS:
                    line = f"{line[:MAX_LINE_CHARS]} [... +{len(line) - MAX_LINE_CHARS:,} chars]"
                cur, cur_tmpl, cur_flags = _Record(n, line), tmpl, flag
            n += 1
        self.total = n
        self.cur, self.cur_tmpl, self.cur_flags = cur, cur_tmpl, cur_flags

    def _emit(self, rec: _Record, tmpl: str, flags: int) -> None:
        if len(rec.last) > MAX_LINE_CHARS:
            rec.last = f"{rec.last[:MAX_LINE_CHARS]} [... +{len(rec.last) - MAX_LINE_CHARS:,} chars]"
        if len(rec.mid) > MAX_LINE_CHARS:
            rec.mid = f"{rec.mid[:MAX_LINE_CHARS]} [... +{len(rec.mid) - MAX_LINE_CHARS:,} chars]"
        size = rec.chars()
        if len(self.head) < HEAD_MAX_LINES and self.head_chars < self.budget * 4 * HEAD_SHARE:
            self.head.append(rec)
            self.head_chars += size
        self.tail.append(rec)
        self.tail_chars += size
        while self.tail_chars > self.tail_cap and len(self.tail) > 1:
            self.tail_chars -= self.tail.popleft().chars()

        # after-context for recent signature lines
        if self.pending:
            still = []
            for left, unit in self.pending:
                unit.after.append(rec)
                self.pool_chars += rec.chars()
                if left > 1:
                    still.append((left - 1, unit))
            self.pending = still

        consumed = self._block_step(rec, flags)
        if rec.idx < VERSION_SCAN_LINES and not consumed and _VERSION.search(rec.first):
            # (the head may be too short to reach it; if it does, selection skips the duplicate)
            self._admit(_Unit(4.0, next(self.seq), [rec], "version"))
        if not consumed:
            score = 0.0
            if self.sig is not None and (self.sig(rec.first) or (rec.count > 1 and self.sig(rec.last))):
                score = 6.0
            elif flags & 1:
                score = 3.0
            if score:
                seen = self.seen_templates.get(tmpl, 0)
                self.seen_templates[tmpl] = seen + 1
                if len(self.seen_templates) > 50_000:  # bounded: forget, at worst re-admit a repeat
                    self.seen_templates.clear()
                if not seen:
                    unit = _Unit(score, next(self.seq), [rec], "line", before=list(self.before))
                    self._admit(unit)
                    self.pending.append((WIDE_CONTEXT, unit))
        self.before.append(rec)

    def _block_step(self, rec: _Record, flags: int) -> bool:
        """Feed a record to the error-block state machine; True if the block took it."""
        block = self.block
        if block is None and not flags & 2:
            return False
        line = _structure(rec.first)
        if block is not None:
            if not line.strip():
                block.blank_run += 1
                if block.blank_run <= 1:
                    block.add(rec)
                    return True
            elif line.startswith(_PY_TB):
                if block.python and block.exc_line_seen:
                    # "During handling of the above exception ...": one chain, one block
                    block.exc_line_seen = False
                    block.blank_run = 0
                    block.add(rec)
                    return True
            elif _CONTINUATION.match(line):
                block.blank_run = 0
                block.add(rec)
                block.interesting = block.interesting or bool(self.sig and self.sig(rec.first))
                return True
            elif not block.exc_line_seen:
                # Python: the first unindented line after the frames is the exception itself
                block.exc_line_seen = True
                block.blank_run = 0
                block.add(rec)
                return True
            self._close_block(rec)
        if flags & 2:
            self.block = _Block(rec, python=_PY_TB in line, before=list(self.before))
            self.block.interesting = bool(self.sig and self.sig(rec.first))
            return True
        return False

    def _close_block(self, next_rec: _Record | None = None) -> None:
        """Admit the finished block; `next_rec` (the record that ended it) starts its after-context."""
        block, self.block = self.block, None
        if block is None:
            return
        recs = block.records()
        if len(recs) == 1 and not block.python:
            # a lone "XError: msg" line: an ordinary signature line, with context
            unit = _Unit(5.0, next(self.seq), recs, "line", before=block.before)
        else:
            unit = _Unit(10.0 + (2.0 if block.interesting else 0.0), next(self.seq), recs, "block", before=block.before)
        self._admit(unit)
        if next_rec is not None:
            unit.after.append(next_rec)
        self.pending.append((WIDE_CONTEXT - (next_rec is not None), unit))

    def _admit(self, unit: _Unit) -> None:
        heapq.heappush(self.pool, unit)
        self.pool_chars += unit.chars()
        while self.pool_chars > self.pool_cap and len(self.pool) > 1:
            dropped = heapq.heappop(self.pool)
            self.pool_chars -= dropped.chars()
            self.pending = [(n, u) for n, u in self.pending if u is not dropped]

    def finish(self) -> None:
        if self.cur is not None:
            self._emit(self.cur, self.cur_tmpl, self.cur_flags)
            self.cur = None
        self._close_block()

    # -- selection ---------------------------------------------------------------------
    def result(self) -> Condensed:
        if self.small is not None:
            text = "\n".join(self.small)
            tokens = count_tokens(text)
            if tokens <= self.budget:
                return Condensed(text=text, tokens=tokens, total_lines=self.total, kept_lines=self.total)
        selection = _Selection(self.budget, self.total)
        _count_record_tokens([*self.head, *self.tail, *(r for u in self.pool for r in (*u.before, *u.records, *u.after))])
        budget = self.budget
        # 1. the end of the log (at least the last line, clipped if it alone is too big)
        tail = list(self.tail)
        last = tail[-1] if tail else None
        if last is not None and last.tokens > budget // 2:
            _clip_record(last, budget // 2)
        selection.extend_backwards(tail, limit=int(budget * TAIL_MIN_SHARE))
        # 2. the first lines
        selection.extend_forwards(self.head, limit=selection.used + int(budget * HEAD_SHARE))
        # 3. error blocks and signature lines, best first
        units = sorted(self.pool, reverse=True)
        taken: list[_Unit] = []
        for unit in units:
            if unit.kind == "block" and selection.cost(unit.records) > budget * BLOCK_MAX_SHARE:
                selection.add_clipped_block(unit.records, limit=selection.used + int(budget * BLOCK_MAX_SHARE))
            elif selection.add_all(unit.shown(CONTEXT), limit=budget) or selection.add_all(unit.records, limit=budget):
                taken.append(unit)
        # 3b. widen the context around what was taken, a line each side per round, best first
        limit = selection.used + int((budget - selection.used) * WIDE_SHARE)
        for width in range(CONTEXT + 1, WIDE_CONTEXT + 1):
            for unit in taken:
                selection.add_all(unit.shown(width), limit=limit)
        # 4. whatever is left: more of the end, then more of the beginning
        selection.extend_backwards(tail, limit=budget)
        selection.extend_forwards(self.head, limit=budget)
        return selection.render_within_budget()


def _count_record_tokens(records: list[_Record]) -> None:
    todo = [r for r in records if r.tokens < 0]
    if not todo:
        return
    texts = ["\n".join(r.lines()) for r in todo]
    counts = encoding().encode_ordinary_batch(texts, num_threads=2)
    for rec, toks in zip(todo, counts):
        rec.tokens = len(toks) + len(rec.lines())  # + newlines


def _clip_record(rec: _Record, max_tokens: int) -> None:
    enc = encoding()
    toks = enc.encode_ordinary(rec.first)
    if len(toks) > max_tokens:
        rec.first = enc.decode(toks[:max_tokens]) + f" [... +{len(toks) - max_tokens:,} tokens]"
    for attr in ("mid", "last"):
        other = getattr(rec, attr)
        toks = enc.encode_ordinary(other) if other else []
        if len(toks) > max_tokens // 4:
            setattr(rec, attr, enc.decode(toks[: max_tokens // 4]) + " [...]")
    rec.tokens = -1
    _count_record_tokens([rec])


class _Selection:
    """The records chosen so far, and an estimate of their token cost: each record's own
    count plus one marker for every gap it opens. The exact count is taken at the end."""

    def __init__(self, budget: int, total: int) -> None:
        self.budget = budget
        self.total = total
        self.chosen: dict[int, _Record] = {}
        self.ends: set[int] = set()
        self.order: list[int] = []  # in order of priority, for trimming from the end
        self.used = 0

    def _marker(self, new: list[_Record]) -> int:
        for r in new:
            if r.idx in self.ends or r.end in self.chosen:
                return 0  # joins what is already chosen: no new gap marker
        return MARKER_TOKENS

    def cost(self, records: list[_Record]) -> int:
        new = [r for r in records if r.idx not in self.chosen]
        return sum(r.tokens for r in new) + self._marker(new) if new else 0

    def _take(self, rec: _Record, marker: int = 0) -> None:
        self.chosen[rec.idx] = rec
        self.ends.add(rec.end)
        self.order.append(rec.idx)
        self.used += rec.tokens + marker

    def drop_last(self) -> _Record:
        rec = self.chosen.pop(self.order.pop())
        self.ends.discard(rec.end)
        return rec

    def add_all(self, records: list[_Record], limit: int) -> bool:
        new = [r for r in records if r.idx not in self.chosen]
        if not new:
            return True
        marker = self._marker(new)
        if self.used + sum(r.tokens for r in new) + marker > limit:
            return False
        for i, r in enumerate(new):
            self._take(r, marker if i == 0 else 0)
        return True

    def _extend(self, records: Iterable[_Record], limit: int, at_least_one: bool = False) -> None:
        for r in records:
            if r.idx in self.chosen:
                continue
            marker = self._marker([r])
            if self.used + r.tokens + marker > limit and not (at_least_one and not self.chosen):
                break
            self._take(r, marker)

    def extend_backwards(self, records: list[_Record], limit: int) -> None:
        self._extend(reversed(records), limit, at_least_one=True)

    def extend_forwards(self, records: list[_Record], limit: int) -> None:
        self._extend(records, limit)

    def add_clipped_block(self, records: list[_Record], limit: int) -> None:
        """A block too big to show whole: its first lines (where it starts) and as much of
        its end (where the exception and the innermost frames are) as fits."""
        head = records[:3]
        if not self.add_all(head, limit):
            return
        keep: list[_Record] = []
        for r in reversed(records[3:]):
            if self.used + MARKER_TOKENS + sum(x.tokens for x in keep) + r.tokens > limit:
                break
            keep.append(r)
        self.add_all(keep[::-1], limit)

    def render(self) -> tuple[str, int]:
        out: list[str] = []
        pos = 0
        shown = 0
        for idx in sorted(self.chosen):
            rec = self.chosen[idx]
            if rec.idx > pos:
                out.append(f"[... {rec.idx - pos:,} lines omitted ...]")
            out.extend(rec.lines())
            shown += rec.shown()
            pos = rec.end
        if pos < self.total:
            out.append(f"[... {self.total - pos:,} lines omitted ...]")
        return "\n".join(out), shown

    def render_within_budget(self) -> Condensed:
        for _ in range(100):
            text, shown = self.render()
            tokens = count_tokens(text)
            if tokens <= self.budget or not self.order:
                break
            # over (markers cost more than estimated): drop the lowest-priority records
            over = tokens - self.budget
            while over > 0 and len(self.order) > 1:
                over -= self.drop_last().tokens
            if over > 0 and len(self.order) == 1:
                rec = self.chosen[self.order[0]]
                _clip_record(rec, max(1, rec.tokens - over - MARKER_TOKENS))
                if rec.tokens + MARKER_TOKENS * 2 > self.budget:
                    _clip_record(rec, max(1, self.budget - MARKER_TOKENS * 3))
        # A budget smaller than the markers themselves: cut the text at the budget.
        enc = encoding()
        cut = self.budget
        while tokens > self.budget and cut > 0:
            text = enc.decode(enc.encode_ordinary(text)[:cut])
            tokens = count_tokens(text)
            cut -= 1
        return Condensed(text=text, tokens=tokens, total_lines=self.total, kept_lines=shown)


def _iter_lines(source: str | Iterable[str]) -> Iterator[str]:
    if isinstance(source, str):
        # walk the string instead of wrapping it in StringIO, which would copy it whole
        pos, n = 0, len(source)
        while pos < n:
            end = source.find("\n", pos)
            if end < 0:
                end = n
            yield source[pos:end].rstrip("\r")
            pos = end + 1
        return
    for line in source:
        yield line.rstrip("\r\n")


def condense(
    text: str | Iterable[str],
    budget_tokens: int,
    *,
    is_signature_line: Callable[[str], bool] | None = None,
    batch_lines: int = 4096,
) -> Condensed:
    """Condense a log (a string, or any iterable of lines such as an open file) so that the
    result's real token count is at most `budget_tokens`.

    `is_signature_line(line)` marks lines worth keeping from the middle of the log (the
    signature library's `interesting_line`); without it a built-in error vocabulary is used.
    """
    if budget_tokens < 1:
        raise ValueError("budget_tokens must be at least 1")
    condenser = _Condenser(budget_tokens, is_signature_line)
    lines = _iter_lines(text)
    while True:
        batch = list(itertools.islice(lines, batch_lines))
        if not batch:
            break
        condenser.feed_batch(batch)
    condenser.finish()
    return condenser.result()


def tail_truncate(text: str | Iterable[str], budget_tokens: int) -> Condensed:
    """The naive baseline: as many last lines as fit. (benchmarks/condense.py compares.)"""
    lines = list(_iter_lines(text))
    enc = encoding()
    counts = enc.encode_ordinary_batch(lines, num_threads=2) if lines else []
    kept = 0
    used = MARKER_TOKENS
    for toks in reversed(counts):
        if used + len(toks) + 1 > budget_tokens:
            break
        used += len(toks) + 1
        kept += 1
    out = lines[len(lines) - kept :]
    if kept < len(lines):
        out.insert(0, f"[... {len(lines) - kept:,} lines omitted ...]")
    body = "\n".join(out)
    tokens = count_tokens(body)
    while tokens > budget_tokens and len(out) > 1:
        out.pop(1)
        body = "\n".join(out)
        tokens = count_tokens(body)
    return Condensed(text=body, tokens=tokens, total_lines=len(lines), kept_lines=len(out) - 1)
