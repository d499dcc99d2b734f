"""The templates of the last render as data, by the sha256 of their text: so the env README of
a partly rebuilt env reads the stacks it reuses from JSON instead of parsing their YAML back
(a thirtieth of the time; the YAML parse was a fifth of a one-var render).

One file per templates directory and env in `.infragen-cache/render/`, beside the record.
Keyed by content, an entry can never describe another template; a missing or unreadable file
only costs the parse.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infragen.render.record import record_path

if TYPE_CHECKING:
    from infragen.render.render import RenderedEnv, RenderedStack

SECTIONS = ("Resources", "Parameters", "Outputs")  # what the README reads of a template


def documents_path(templates_dir: Path, env: str) -> Path:
    record = record_path(templates_dir)
    return record.with_name(f"{record.stem}.{env}.documents.json")


def with_documents(
    templates_dir: Path, env: str, stacks: dict[str, RenderedStack]
) -> dict[str, RenderedStack]:
    """`stacks` (reused from disk), each with its document: from the cache when it has the
    template's sha256, otherwise parsed from its text (and cached by the next save)."""
    if not stacks:
        return stacks
    try:
        known = json.loads(documents_path(templates_dir, env).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    return {
        sid: dataclasses.replace(stack, document=_document(stack, known))
        for sid, stack in stacks.items()
    }


def _document(stack: RenderedStack, known: dict[str, Any]) -> dict[str, Any]:
    found = known.get(stack.sha256)
    if isinstance(found, dict):
        return found
    from infragen.cfn_template import load_document

    return load_document(stack.body)


def save_documents(templates_dir: Path, env: RenderedEnv) -> None:
    """Best effort, atomic: the documents this render had of the env's stacks."""
    known = {
        stack.sha256: {k: stack.document[k] for k in SECTIONS if k in stack.document}
        for stack in env.stacks.values()
        if stack.document is not None
    }
    _write(documents_path(templates_dir, env.name), known)


def without_documents(env: RenderedEnv) -> RenderedEnv:
    """`env` as written and checked: its documents are no longer needed."""
    stacks = {sid: dataclasses.replace(s, document=None) for sid, s in env.stacks.items()}
    return dataclasses.replace(env, stacks=stacks)


def _write(path: Path, data: dict[str, Any]) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(temp, path)
    except (OSError, TypeError, ValueError):
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
