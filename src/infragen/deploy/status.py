"""`infragen status`: what is deployed for each stack, and whether it matches the templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from infragen.aws import status as st
from infragen.dag import Graph
from infragen.deploy.context import Context
from infragen.deploy.fingerprint import FINGERPRINT_TAG, stack_fingerprint
from infragen.deploy.params import ParameterError, resolve_parameters
from infragen.deploy.walker import walk


@dataclass(frozen=True)
class StackStatusRow:
    stack_id: str
    cfn_name: str
    status: str  # CloudFormation status, or NOT_DEPLOYED
    last_updated: datetime | None
    up_to_date: bool | None  # None: cannot tell (e.g. a producer output is missing)

    @property
    def ok(self) -> bool:
        return bool(self.up_to_date) and st.is_succeeded(self.status)

    @property
    def match_text(self) -> str:
        return {True: "yes", False: "no", None: "unknown"}[self.up_to_date]


NOT_DEPLOYED = "NOT_DEPLOYED"


def status_env(context: Context, *, max_parallel: int = 8) -> list[StackStatusRow]:
    manifest = context.manifest
    # Describe every stack first (one listing, or in parallel for a few stacks);
    # fingerprints then read producers from the cache.
    context.states.prefetch(list(manifest.stacks))
    flat = Graph({sid: () for sid in manifest.stacks})
    walk(flat, context.states.get, max_parallel=max_parallel)
    rows: list[StackStatusRow] = []
    for sid in manifest.graph.topological_order():
        stack = manifest.stacks[sid]
        info = context.states.get(sid)
        if info is None:
            rows.append(StackStatusRow(sid, stack.name, NOT_DEPLOYED, None, False))
            continue
        try:
            params = resolve_parameters(stack, context.states, context.environ)
        except ParameterError:
            match: bool | None = None
        else:
            expected = stack_fingerprint(stack, params)
            match = info.tags.get(FINGERPRINT_TAG) == expected
        rows.append(StackStatusRow(sid, stack.name, info.status, info.last_updated, match))
    return rows
