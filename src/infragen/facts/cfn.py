"""How CloudFormation reads a template value, where more than one module needs to know."""

from __future__ import annotations

from typing import Any


def is_true(value: Any) -> bool:
    """True for a literal true; an `Fn::If` counts only when both branches are true."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    if isinstance(value, dict) and len(value) == 1 and "Fn::If" in value:
        branches = value["Fn::If"]
        if isinstance(branches, list) and len(branches) == 3:
            return is_true(branches[1]) and is_true(branches[2])
    return False
