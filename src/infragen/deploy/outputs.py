"""`infragen outputs`: the Outputs of deployed stacks."""

from __future__ import annotations

from infragen.deploy.context import Context


def outputs_env(context: Context, stacks: tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
    """Stack id -> {output name: value}; stacks not deployed are left out."""
    selected = list(stacks) or context.manifest.graph.topological_order()
    context.manifest.select(selected, only=True)  # validates the names
    found: dict[str, dict[str, str]] = {}
    for sid in selected:
        info = context.states.get(sid)
        if info is not None:
            found[sid] = dict(sorted(info.outputs.items()))
    return found
