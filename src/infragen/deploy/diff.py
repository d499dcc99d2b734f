"""`infragen diff`: the committed template against the deployed one (GetTemplate), then the
stack's Parameters, tags and termination protection against what deploy would set."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from infragen.deploy.context import Context
from infragen.deploy.deployed import SettingChange, setting_changes
from infragen.deploy.params import ParameterError, resolve_parameters


@dataclass(frozen=True)
class StackDiff:
    stack_id: str
    cfn_name: str
    deployed: bool
    diff: str  # unified diff; empty when identical
    settings: tuple[SettingChange, ...] = ()
    unresolved: str = ""  # why the Parameters could not be compared

    @property
    def different(self) -> bool:
        return bool(self.diff or self.settings or self.unresolved)


def diff_env(context: Context, stacks: tuple[str, ...] = ()) -> list[StackDiff]:
    selected = context.manifest.select(stacks, only=True) if stacks else context.manifest.graph
    return [_stack_diff(context, sid) for sid in selected.topological_order()]


def _stack_diff(context: Context, sid: str) -> StackDiff:
    stack = context.manifest.stacks[sid]
    if stack.stackset is not None:
        return _stack_set_diff(context, sid)
    info = context.states.get(sid)
    if info is None:
        return StackDiff(sid, stack.name, False, unified("", stack.body(), stack))
    remote = context.gateway_for(stack).get_template(info.stack_id)
    text = unified(remote, stack.body(), stack)
    try:
        params = resolve_parameters(stack, context.states, context.environ)
    except ParameterError as error:
        return StackDiff(sid, stack.name, True, text, unresolved=error.message)
    return StackDiff(sid, stack.name, True, text, tuple(setting_changes(stack, info, params)))


def _stack_set_diff(context: Context, sid: str) -> StackDiff:
    """A StackSet's template as DescribeStackSet gives it; its instances are `status`'s."""
    stack = context.manifest.stacks[sid]
    info = context.gateway_for(stack).describe_stack_set(stack.name)
    deployed = info.template_body if info is not None else ""
    return StackDiff(sid, stack.name, info is not None, unified(deployed, stack.body(), stack))


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
