"""`infragen drift`: DetectStackDrift on every deployed stack of the environment, down to each
drifted property's expected and actual value.

CloudFormation reports expected values resolved, NoEcho parameters included, so a value is
masked when its property looks secret by name (`infragen.facts.secrets`), when the rendered
template feeds it from a NoEcho parameter or a dynamic reference, or when either value looks
like a secret itself.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from infragen.aws.types import DriftResult, PropertyDrift, ResourceDrift
from infragen.dag import Graph
from infragen.deploy.context import Context
from infragen.deploy.manifest import ManifestStack
from infragen.deploy.stackset import detect_drift as detect_stack_set_drift
from infragen.deploy.walker import walk
from infragen.facts.secrets import looks_secret, secret_in_text
from infragen.review.values import MASK


@dataclass(frozen=True)
class StackDrift:
    stack_id: str
    cfn_name: str
    result: DriftResult | None  # None: not deployed; secret values already masked
    error: str = ""

    @property
    def drifted(self) -> bool:
        return self.result is not None and self.result.drifted


def drift_env(
    context: Context, stacks: tuple[str, ...] = (), *, max_parallel: int = 4
) -> list[StackDrift]:
    """Drift of every stack, or of the named ones only."""
    manifest = context.manifest
    chosen = set(manifest.select(stacks, only=True).nodes if stacks else manifest.stacks)

    def detect(sid: str) -> StackDrift:
        stack = manifest.stacks[sid]
        if stack.stackset is not None:
            return StackDrift(sid, stack.name, detect_stack_set_drift(context, stack))
        info = context.states.get(sid)
        if info is None:
            return StackDrift(sid, stack.name, None)
        result = context.gateway_for(stack).detect_drift(info.stack_id)
        return StackDrift(sid, stack.name, masked(result, stack))

    flat = Graph({sid: () for sid in chosen})
    walked = walk(flat, detect, max_parallel=max_parallel)
    rows: list[StackDrift] = []
    for sid in manifest.graph.topological_order():
        if sid not in chosen:
            continue
        outcome = walked.outcomes[sid]
        if outcome.value is not None:
            rows.append(outcome.value)
        else:
            rows.append(StackDrift(sid, manifest.stacks[sid].name, None, error=outcome.reason))
    return rows


def masked(result: DriftResult, stack: ManifestStack) -> DriftResult:
    """The result with every secret-looking property value replaced by `(masked)`."""
    if not any(r.properties for r in result.drifted_resources):
        return result
    from infragen.cfn_template import Template

    resources = Template.read(stack.template).resources
    no_echo = {name for name, p in stack.parameters.items() if p.get("no_echo")}
    drifts = []
    for resource in result.drifted_resources:
        properties = (resources.get(resource.logical_id) or {}).get("Properties") or {}
        drifts.append(_masked_resource(resource, properties, no_echo))
    return replace(result, drifted_resources=drifts)


def _masked_resource(
    resource: ResourceDrift, properties: dict[str, Any], no_echo: set[str]
) -> ResourceDrift:
    shown = tuple(
        replace(p, expected=MASK, actual=MASK) if is_secret(p, properties, no_echo) else p
        for p in resource.properties
    )
    return replace(resource, properties=shown)


def is_secret(drift: PropertyDrift, properties: dict[str, Any], no_echo: Collection[str]) -> bool:
    """Whether a drifted property's values must not be shown (see the module docstring)."""
    segments = [s for s in drift.path.split("/") if s]
    if segments[:1] == ["Properties"]:
        segments = segments[1:]
    if any(looks_secret(s) for s in segments if not s.isdigit()):
        return True
    if any(secret_in_text(v) for v in (drift.expected, drift.actual) if v):
        return True
    node: Any = properties
    for segment in segments:
        if isinstance(node, dict) and segment == "Value" and _names_secret(node):
            return True  # an env var or tag as {Name/Key: DB_PASSWORD, Value: ...}
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            break  # an added property: judge by the nearest one the template has
    return _fed_by_secret(node, no_echo)


def _names_secret(pair: dict[str, Any]) -> bool:
    name = pair.get("Name", pair.get("Key"))
    return isinstance(name, str) and looks_secret(name)


def _fed_by_secret(node: Any, no_echo: Collection[str]) -> bool:
    """A `Ref` to (or `${}` of) a NoEcho parameter, or a dynamic reference, anywhere below."""
    if isinstance(node, dict):
        if isinstance(node.get("Ref"), str) and node["Ref"] in no_echo:
            return True
        return any(_fed_by_secret(v, no_echo) for v in node.values())
    if isinstance(node, list):
        return any(_fed_by_secret(v, no_echo) for v in node)
    if isinstance(node, str):
        return "{{resolve:" in node or any(f"${{{name}}}" in node for name in no_echo)
    return False


def drift_lines(rows: list[StackDrift]) -> list[str]:
    """`drift` as text: per stack its status, per drifted resource each property."""
    lines: list[str] = []
    for row in rows:
        if row.error:
            lines.append(f"{row.stack_id}: drift detection failed: {row.error}")
        elif row.result is None:
            lines.append(f"{row.stack_id}: not deployed")
        else:
            lines.append(f"{row.stack_id}: {row.result.status}")
            for r in row.result.drifted_resources:
                lines.append(f"    {r.status:<9} {r.logical_id} ({r.resource_type})")
                lines += [
                    f"        {p.path}: expected {p.expected}, actual {p.actual} ({p.kind})"
                    for p in r.properties
                ]
    return lines


def drift_json(rows: list[StackDrift]) -> list[dict[str, Any]]:
    """`drift --format json`: one object per stack, values as masked for the text output."""
    return [
        {
            "stack": row.stack_id,
            "name": row.cfn_name,
            "status": _status(row),
            "error": row.error,
            "resources": [
                {
                    "logical_id": r.logical_id,
                    "type": r.resource_type,
                    "status": r.status,
                    "physical_id": r.physical_id,
                    "properties": [
                        {
                            "path": p.path,
                            "expected": p.expected,
                            "actual": p.actual,
                            "difference": p.kind,
                        }
                        for p in r.properties
                    ],
                }
                for r in (row.result.drifted_resources if row.result else [])
            ],
        }
        for row in rows
    ]


def _status(row: StackDrift) -> str:
    if row.error:
        return "DETECTION_FAILED"
    return "NOT_DEPLOYED" if row.result is None else row.result.status
