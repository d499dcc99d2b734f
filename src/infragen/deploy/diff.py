"""`infragen diff`: the committed template against the deployed one (GetTemplate)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from infragen.deploy.context import Context


@dataclass(frozen=True)
class StackDiff:
    stack_id: str
    cfn_name: str
    deployed: bool
    diff: str  # unified diff; empty when identical

    @property
    def different(self) -> bool:
        return bool(self.diff)


def diff_env(context: Context, stacks: tuple[str, ...] = ()) -> list[StackDiff]:
    selected = context.manifest.select(stacks, only=True) if stacks else context.manifest.graph
    result: list[StackDiff] = []
    for sid in selected.topological_order():
        stack = context.manifest.stacks[sid]
        info = context.states.get(sid)
        local = stack.body()
        remote = "" if info is None else context.gateway(stack.region).get_template(info.stack_id)
        result.append(StackDiff(sid, stack.name, info is not None, unified(remote, local, stack)))
    return result


def unified(deployed: str, rendered: str, stack: object) -> str:
    """Pure: the unified diff from deployed to rendered, trailing newlines normalised."""
    name = getattr(stack, "name", "stack")
    path = getattr(stack, "template", "template")
    if deployed.rstrip("\n") == rendered.rstrip("\n"):
        return ""
    lines = difflib.unified_diff(
        deployed.rstrip("\n").splitlines(keepends=False),
        rendered.rstrip("\n").splitlines(keepends=False),
        fromfile=f"deployed:{name}",
        tofile=str(path),
        lineterm="",
    )
    return "\n".join(lines) + "\n"
