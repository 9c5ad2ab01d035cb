"""A fast first pass over log lines: literal text every signature match must contain.

Running a hundred-odd regexes over every line of a 40,000-line log is slow, so each pattern
is parsed once (with the standard library's own regex parser) to find literal substrings,
one of which any match must contain. Those literals are compiled into one trie-shaped
regex over the lower-cased line; only lines it finds go through the real patterns.
A pattern without a usable literal makes the filter pass every line, so it stays correct.
"""

from __future__ import annotations

import re
# The standard library's own regex parser (private modules, stable across 3.11+).
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

MIN_LITERAL = 3
# Literals so common in logs that they would let most lines through; used only as a last resort.
_COMMON = {"http", "https", "found", "status", "cannot", "error", "failed", "unable to", "returned",
           "bad", "expired", "code=", "file", "line", "info", "warn", "true", "false", "the", "and", "not", "for"}


def _selectivity(option: list[str]) -> int:
    return min(len(x) - (10 if x.strip().lower() in _COMMON else 0) for x in option)


def required_literals(pattern: str) -> list[str] | None:
    """Lower-cased literals such that every match of `pattern` contains at least one; None if unknown."""
    try:
        tree = sre_parse.parse(pattern)
    except re.error:
        return None
    return _sequence(list(tree))


def _sequence(items: list) -> list[str] | None:
    runs: list[str] = []
    run = ""
    options: list[list[str]] = []
    for op, av in items:
        if op is sre_c.LITERAL:
            run += chr(av)
            continue
        runs.append(run)
        run = ""
        sub: list[str] | None = None
        if op is sre_c.SUBPATTERN:
            sub = _sequence(list(av[-1]))
        elif op is sre_c.BRANCH:
            alternatives = [_sequence(list(b)) for b in av[1]]
            if all(alternatives):
                sub = [x for a in alternatives for x in a]  # type: ignore[union-attr]
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] >= 1:
            sub = _sequence(list(av[2]))
        if sub:
            options.append(sub)
    runs.append(run)
    candidates = [[r] for r in runs if len(r) >= MIN_LITERAL] + [
        o for o in options if all(len(x) >= MIN_LITERAL for x in o)
    ]
    if not candidates:
        return None
    # The most selective choice: the one whose shortest literal is longest.
    chosen = max(candidates, key=_selectivity)
    return sorted({x.lower() for x in chosen})


def trie_regex(words: list[str]) -> re.Pattern[str]:
    """One regex matching any of `words`, shaped as a trie so it fails fast on each position."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return re.compile(_trie_pattern(trie))


def _trie_pattern(node: dict) -> str:
    ends = "" in node
    branches = [re.escape(ch) + _trie_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # A word that ends here is complete: what follows is optional.
    return f"(?:{body})?" if ends else body


class LinePrefilter:
    """Which lines may match any of the given patterns (a superset, never fewer)."""

    def __init__(self, patterns: list[str]) -> None:
        literals: set[str] = set()
        self.passes_all = False
        for p in patterns:
            found = required_literals(p)
            if found is None:
                self.passes_all = True
                break
            literals.update(found)
        # A literal containing a shorter one is redundant: the shorter one already admits the line.
        kept = sorted(literals, key=len)
        minimal: list[str] = []
        for lit in kept:
            if not any(short in lit for short in minimal):
                minimal.append(lit)
        self.literals = minimal
        self._rx = trie_regex(minimal) if minimal else None

    def may_match(self, line: str) -> bool:
        return self.may_match_lower(line.lower())

    def may_match_lower(self, lowered: str) -> bool:
        if self.passes_all:
            return True
        return self._rx is not None and self._rx.search(lowered) is not None

    def admits_lower(self, lowered: str) -> bool:
        """The same test by plain substring search: cheaper for a handful of literals."""
        return self.passes_all or any(lit in lowered for lit in self.literals)
