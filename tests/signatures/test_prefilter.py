"""The literal prefilter must never hide a line a signature would match."""

from __future__ import annotations

import pytest

from triage.engine import signatures
from triage.engine.signatures.prefilter import LinePrefilter, required_literals, trie_regex
from tests.signatures import (test_airflow, test_cloud, test_databases, test_kubernetes, test_network, test_runtimes,
                              test_shell, test_storage)

ALL_CASES = [c for m in (test_airflow, test_cloud, test_databases, test_kubernetes, test_network, test_runtimes,
                         test_shell, test_storage) for c in m.CASES]
ALL_LINES = sorted({ln for c in ALL_CASES for ln in c.log.splitlines() if ln.strip()})


@pytest.mark.parametrize("pattern,expected", [
    (r"OOMKilled", ["oomkilled"]),
    (r"Failed to pull image \"(?P<image>[^\"]+)\"", ['failed to pull image "']),
    (r"status(?: code)?[ :=]+401\b", ["401"]),
    (r"(?:ImagePullBackOff|ErrImagePull)", ["errimagepull", "imagepullbackoff"]),
    (r"exceeded quota: (?P<q>[\w.-]+)", ["exceeded quota: "]),
])
def test_required_literals(pattern: str, expected: list[str]) -> None:
    assert required_literals(pattern) == expected


def test_a_pattern_without_literals_lets_every_line_through() -> None:
    f = LinePrefilter([r"\d+/\d+", r"OOMKilled"])
    assert f.passes_all and f.may_match("anything at all")


def test_trie_regex_matches_exactly_its_words() -> None:
    rx = trie_regex(["refused", "refresh", "ref", "quota"])
    for word in ("refused", "refresh", "ref", "quota", "xx quota yy"):
        assert rx.search(word)
    assert not rx.search("re fused quot")


def test_every_line_a_signature_matches_passes_the_prefilters() -> None:
    missed = []
    for line in ALL_LINES:
        for sig in signatures.SIGNATURES:
            if any(rx.search(line) for rx in sig.compiled):
                low = line.lower()
                if not signatures._PREFILTER.may_match_lower(low) or not signatures._SIGNATURE_FILTERS[sig.id].admits_lower(low):
                    missed.append((sig.id, line))
    assert not missed


def test_every_pattern_has_a_literal_so_the_filter_stays_effective() -> None:
    # One pattern without a literal would make the filter pass every line (slow, though still correct).
    assert not signatures._PREFILTER.passes_all
    for sig in signatures.SIGNATURES:
        for p in sig.patterns:
            lits = required_literals(p)
            assert lits and all(lit == lit.lower() and len(lit) >= 3 for lit in lits), (sig.id, p)
