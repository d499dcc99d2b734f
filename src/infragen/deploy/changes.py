"""Change-set safety: which changes would lose data, and how to describe a change."""

from __future__ import annotations

from collections.abc import Iterable

from infragen.aws.types import Change
from infragen.facts.stateful import STATEFUL_TYPES

__all__ = ["STATEFUL_TYPES", "blocked_changes", "describe", "is_destructive"]


def is_destructive(change: Change) -> bool:
    """A stateful resource that would be replaced (or maybe replaced) or removed."""
    if change.resource_type not in STATEFUL_TYPES:
        return False
    return change.action == "Remove" or change.replaces


def blocked_changes(
    changes: Iterable[Change], allow_replace: Iterable[str], allow_destructive: bool
) -> list[Change]:
    """The destructive changes not explicitly allowed."""
    if allow_destructive:
        return []
    allowed = set(allow_replace)
    return [c for c in changes if is_destructive(c) and c.logical_id not in allowed]


def describe(change: Change) -> str:
    """`Modify  Bucket (AWS::S3::Bucket) replacement: True`."""
    text = f"{change.action:<7} {change.logical_id} ({change.resource_type})"
    if change.action == "Modify" and change.replacement:
        text += f" replacement: {change.replacement}"
    if is_destructive(change):
        text += "  [stateful]"
    return text
