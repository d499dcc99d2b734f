"""`infragen status`: what is deployed for each stack, and whether it matches the templates."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from datetime import datetime

from infragen.aws import status as st
from infragen.dag import Graph
from infragen.deploy.context import Context
from infragen.deploy.deployed import deployed_differences, prefetch_candidates, tag_matches
from infragen.deploy.fingerprint import stack_fingerprint
from infragen.deploy.params import ParameterError, resolve_parameters
from infragen.deploy.provenance import shown
from infragen.deploy.prune import Orphan, find_orphans, pending_text
from infragen.deploy.stackset import describe_difference, instances_summary, read_state
from infragen.deploy.walker import walk
from infragen.errors import InfragenError


@dataclass(frozen=True)
class StackStatusRow:
    stack_id: str
    cfn_name: str
    status: str  # CloudFormation status, or NOT_DEPLOYED
    last_updated: datetime | None
    up_to_date: bool | None  # None: cannot tell (e.g. a producer output is missing)
    detail: str = ""  # what differs from the deployed state, or why it could not be read
    error: bool = False  # the stack could not be described
    # StackSets: whether every instance is CURRENT (their status is no stack status).
    settled: bool | None = None
    # Provenance tags of the deployed stack: `1a2b3c4d5e6f (dirty)`, '' when untagged.
    deployed_from: str = ""

    @property
    def ok(self) -> bool:
        succeeded = self.settled if self.settled is not None else st.is_succeeded(self.status)
        return bool(self.up_to_date) and succeeded and not self.error

    @property
    def match_text(self) -> str:
        text = {True: "yes", False: "no", None: "unknown"}[self.up_to_date]
        return f"{text} ({self.detail})" if self.detail else text


NOT_DEPLOYED = "NOT_DEPLOYED"
ERROR = "ERROR"
ORPHANS = "(stacks not in config)"  # the row of an orphan search that failed


def status_env(
    context: Context, stacks: tuple[str, ...] = (), *, max_parallel: int = 8
) -> list[StackStatusRow]:
    """One row per stack (the named ones only, if any), then one per stack config no longer
    has (pending deletion; the whole env's business, so only when none is named). A stack
    that cannot be described gets a row with its error; the others are still shown."""
    manifest = context.manifest
    chosen = set(manifest.select(stacks, only=True).nodes if stacks else manifest.stacks)
    extra: list[StackStatusRow] = []
    # One listing per region finds the orphans and describes the manifest's stacks too.
    try:
        if not stacks:
            extra = [_orphan_row(orphan) for orphan in find_orphans(context)]
    except InfragenError as error:
        extra = [StackStatusRow(ORPHANS, "-", ERROR, None, None, error.message, error=True)]
    else:
        # Describe every stack first (one listing, or in parallel for a few stacks);
        # fingerprints then read producers from the cache.
        with contextlib.suppress(InfragenError):
            context.states.prefetch(list(chosen))
    # On an error, each stack is read alone below and gets its own row and error.
    flat = Graph({sid: () for sid in chosen})
    walked = walk(flat, context.states.get, max_parallel=max_parallel)
    errors = {
        sid: outcome.error
        for sid, outcome in walked.outcomes.items()
        if isinstance(outcome.error, InfragenError)
    }
    prefetch_candidates(
        [sid for sid in chosen if sid not in errors],
        context.states,
        context.templates,
        manifest,
        context.environ,
    )
    rows = [
        _with_provenance(context, _row(context, sid, errors.get(sid)), sid in errors)
        for sid in manifest.graph.topological_order()
        if sid in chosen
    ]
    return rows + extra


def _with_provenance(context: Context, row: StackStatusRow, failed: bool) -> StackStatusRow:
    stack = context.manifest.stacks[row.stack_id]
    if failed or stack.stackset is not None:
        return row
    info = context.states.get(row.stack_id)
    return replace(row, deployed_from=shown(info.tags)) if info is not None else row


def _orphan_row(orphan: Orphan) -> StackStatusRow:
    info = orphan.info
    return StackStatusRow(
        orphan.stack_id,
        orphan.name,
        info.status,
        info.last_updated,
        False,
        pending_text(orphan),
        deployed_from=shown(info.tags),
    )


def _row(context: Context, sid: str, error: InfragenError | None) -> StackStatusRow:
    stack = context.manifest.stacks[sid]
    if stack.stackset is not None:
        return _stackset_row(context, sid)
    if error is not None:
        return StackStatusRow(sid, stack.name, ERROR, None, None, error.message, error=True)
    info = context.states.get(sid)
    deploy = f"`infragen deploy --env {context.manifest.env}`"
    if info is None:
        return StackStatusRow(sid, stack.name, NOT_DEPLOYED, None, False, f"{deploy} creates it")
    try:
        params = resolve_parameters(stack, context.states, context.environ)
    except ParameterError:
        return StackStatusRow(sid, stack.name, info.status, info.last_updated, None)
    except InfragenError as error:
        return StackStatusRow(
            sid, stack.name, info.status, info.last_updated, None, error.message, error=True
        )
    if not st.is_succeeded(info.status):
        advice = st.next_step(info.status, info.name, context.manifest.env)
        return StackStatusRow(sid, stack.name, info.status, info.last_updated, False, advice)
    if not tag_matches(info, stack_fingerprint(stack, params)):
        # The templates or a parameter value moved since the deploy: say what to run.
        detail = f"templates or parameters changed since its deploy; {deploy} updates it"
        return StackStatusRow(sid, stack.name, info.status, info.last_updated, False, detail)
    try:
        differences = deployed_differences(stack, info, params, context.templates)
    except InfragenError as error:
        return StackStatusRow(
            sid, stack.name, info.status, info.last_updated, None, error.message, error=True
        )
    detail = f"changed outside infragen: {', '.join(differences)}" if differences else ""
    return StackStatusRow(sid, stack.name, info.status, info.last_updated, not differences, detail)


def _stackset_row(context: Context, sid: str) -> StackStatusRow:
    """The StackSet's status with its instances counted by status, and what deploy would
    change (template, instances to add or remove)."""
    stack = context.manifest.stacks[sid]
    try:
        state = read_state(context, stack)
    except ParameterError as error:
        return StackStatusRow(sid, stack.name, "StackSet", None, None, error.message)
    except InfragenError as error:
        return StackStatusRow(sid, stack.name, ERROR, None, None, error.message, error=True)
    if state.info is None:
        return StackStatusRow(sid, stack.name, NOT_DEPLOYED, None, False, settled=False)
    status = f"StackSet {state.info.status} ({instances_summary(state.instances)})"
    settled = all(i.status == "CURRENT" for i in state.instances)
    detail = describe_difference(state)
    return StackStatusRow(sid, stack.name, status, None, state.up_to_date, detail, settled=settled)
