"""`infragen drift`: DetectStackDrift on every deployed stack of the environment."""

from __future__ import annotations

from dataclasses import dataclass

from infragen.aws.types import DriftResult
from infragen.dag import Graph
from infragen.deploy.context import Context
from infragen.deploy.stackset import detect_drift as detect_stack_set_drift
from infragen.deploy.walker import walk


@dataclass(frozen=True)
class StackDrift:
    stack_id: str
    cfn_name: str
    result: DriftResult | None  # None: not deployed
    error: str = ""

    @property
    def drifted(self) -> bool:
        return self.result is not None and self.result.drifted


def drift_env(context: Context, *, max_parallel: int = 4) -> list[StackDrift]:
    manifest = context.manifest

    def detect(sid: str) -> StackDrift:
        stack = manifest.stacks[sid]
        if stack.stackset is not None:
            return StackDrift(sid, stack.name, detect_stack_set_drift(context, stack))
        info = context.states.get(sid)
        if info is None:
            return StackDrift(sid, stack.name, None)
        return StackDrift(
            sid, stack.name, context.gateway(stack.region).detect_drift(info.stack_id)
        )

    flat = Graph({sid: () for sid in manifest.stacks})
    walked = walk(flat, detect, max_parallel=max_parallel)
    rows: list[StackDrift] = []
    for sid in manifest.graph.topological_order():
        outcome = walked.outcomes[sid]
        if outcome.value is not None:
            rows.append(outcome.value)
        else:
            rows.append(StackDrift(sid, manifest.stacks[sid].name, None, error=outcome.reason))
    return rows
