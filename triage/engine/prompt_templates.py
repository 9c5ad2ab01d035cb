"""Versioned prompt templates, loaded from `prompts/`.

The canonical templates live in `prompts/` at the repository root, named
`<name>.<version>.<part>.j2` (for example `diagnose.v1.system.j2`). An installed wheel
carries the same files as package data under `triage/prompts/` (a symlink in the
source tree), so the loader looks in the checkout first, then in the package.

A template version is never edited once released: a change is a new version, so the
`prompt_version` stored with each hypothesis says exactly which words the model saw.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

_REPO_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


def _template_dirs() -> list[str]:
    dirs = []
    if _REPO_PROMPTS.is_dir():
        dirs.append(str(_REPO_PROMPTS))
    packaged = resources.files("triage") / "prompts"
    if packaged.is_dir():
        dirs.append(str(packaged))
    return dirs


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    dirs = _template_dirs()
    if not dirs:
        raise FileNotFoundError("no prompt templates found: expected prompts/ or triage/prompts/")
    # Plain-text prompts, not HTML: no autoescaping; StrictUndefined so a missing
    # variable is an error in tests rather than a silently shorter prompt.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(dirs),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=False,
    )


def render(name: str, version: str, part: str, **context: Any) -> str:
    """Render one part (system, user, ...) of one version of a prompt."""
    return _environment().get_template(f"{name}.{version}.{part}.j2").render(**context).strip()


def prompt_id(name: str, version: str) -> str:
    """The identifier stored with each hypothesis, e.g. 'diagnose.v1'."""
    return f"{name}.{version}"
