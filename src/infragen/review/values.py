"""Property values before and after, from a DescribeChangeSet `ResourceChange` described with
`IncludePropertyValues` (its `BeforeContext`/`AfterContext` JSON and per-property `Details`).

Secrets never reach a plan: a value that is a dynamic reference (`{{resolve:...}}`), that
CloudFormation itself masked (`****`), or that a NoEcho parameter feeds is shown masked.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets-view.html
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MASK = "(masked)"
ABSENT = None


@dataclass(frozen=True)
class PropertyChange:
    path: str  # e.g. MemorySize or SecurityGroupIngress[0].CidrIp
    before: Any
    after: Any
    recreation: str = ""  # Never | Conditionally | Always, from the change set's Details
    cause: str = ""  # the parameter or resource whose change causes this one


@dataclass
class ResourceValues:
    action: str
    logical_id: str
    type: str
    replacement: str
    before: dict[str, Any] = field(default_factory=dict)  # Properties before (masked)
    after: dict[str, Any] = field(default_factory=dict)
    changes: list[PropertyChange] = field(default_factory=list)

    @property
    def replacement_reasons(self) -> list[str]:
        """`Name (Always)` for each property that forces (or may force) a replacement."""
        return [f"{c.path} ({c.recreation})" for c in self.changes if c.recreation in _RECREATES]


_RECREATES = ("Always", "Conditionally")


def resource_values(change: Mapping[str, Any], no_echo: Iterable[str] = ()) -> ResourceValues:
    """Parse one `Changes[]` entry; `no_echo` names the stack's NoEcho parameters."""
    rc = change.get("ResourceChange", {})
    hidden = set(no_echo)
    masked_paths = {
        _detail_path(d)
        for d in rc.get("Details", [])
        if d.get("ChangeSource") == "ParameterReference" and d.get("CausingEntity") in hidden
    }
    before = _properties(rc.get("BeforeContext"))
    after = _properties(rc.get("AfterContext"))
    before, after = _mask(before, masked_paths, ""), _mask(after, masked_paths, "")
    details = {_detail_path(d): d for d in rc.get("Details", [])}
    changes = []
    for path, old, new in diff(before, after):
        detail = _detail_for(path, details)
        target = detail.get("Target", {})
        changes.append(
            PropertyChange(
                path,
                old,
                new,
                target.get("RequiresRecreation", "") or "",
                detail.get("CausingEntity", "") or "",
            )
        )
    return ResourceValues(
        rc.get("Action", ""),
        rc.get("LogicalResourceId", ""),
        rc.get("ResourceType", ""),
        rc.get("Replacement", "") or "",
        before,
        after,
        changes,
    )


def _properties(context: Any) -> dict[str, Any]:
    if not context:
        return {}
    document = json.loads(context) if isinstance(context, str) else dict(context)
    return document.get("Properties", document) if isinstance(document, dict) else {}


def _detail_path(detail: Mapping[str, Any]) -> str:
    target = detail.get("Target", {})
    return target.get("Path", "").removeprefix("/Properties/").replace("/", ".") or target.get(
        "Name", ""
    )


def _detail_for(path: str, details: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any]:
    """The Details entry for a property, or for the nearest property above it."""
    probe = path
    while probe:
        top = probe.split("[")[0] if "[" in probe else probe
        for key in (probe, top):
            if key in details:
                return details[key]
        probe = probe.rpartition(".")[0]
    return {}


def _mask(value: Any, masked: set[str], path: str) -> Any:
    if path and path in masked:
        return MASK
    if isinstance(value, dict):
        return {k: _mask(v, masked, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, masked, f"{path}.{i}") for i, v in enumerate(value)]
    # CloudFormation shows NoEcho values as "****"; a lone "*" is an IAM wildcard, kept.
    if isinstance(value, str) and (
        "{{resolve:" in value or (len(value) > 2 and set(value) == {"*"})
    ):
        return MASK
    return value


def diff(before: Any, after: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Leaf-level differences, as (path, before, after); ABSENT where a side has no value."""
    if isinstance(before, dict) and isinstance(after, dict):
        rows = []
        for key in sorted(before.keys() | after.keys()):
            inner = f"{path}.{key}" if path else key
            rows += diff(before.get(key, ABSENT), after.get(key, ABSENT), inner)
        return rows
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        rows = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            rows += diff(old, new, f"{path}[{index}]")
        return rows
    return [] if before == after else [(path, before, after)]
