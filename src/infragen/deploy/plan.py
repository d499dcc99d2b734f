"""`infragen plan`: a change set for every stack that would change, never executed.

Change sets are deleted afterwards, and so is the empty REVIEW_IN_PROGRESS stack that a
CREATE change set leaves behind, so a plan leaves the account as it found it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from infragen.aws import status as st
from infragen.aws.requests import change_set_request
from infragen.aws.types import Change, ChangeSet, StackInfo
from infragen.dag import Graph
from infragen.deploy.changes import STATEFUL_TYPES, blocked_changes, is_destructive
from infragen.deploy.context import Context
from infragen.deploy.deployed import deployed_differences, prefetch_candidates, tag_matches
from infragen.deploy.fingerprint import FINGERPRINT_TAG, stack_fingerprint
from infragen.deploy.manifest import ManifestStack, Place
from infragen.deploy.params import ParameterError, resolve_parameters
from infragen.deploy.provenance import read_provenance
from infragen.deploy.prune import find_orphans, pending_text
from infragen.deploy.stackset import plan_detail, read_state
from infragen.deploy.template_source import template_source
from infragen.deploy.walker import walk
from infragen.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InfragenError
from infragen.review.risks import Risk, risks
from infragen.review.values import ResourceValues, resource_values


class PlanAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    BLOCKED = "blocked"  # would change, but depends on outputs not deployed yet
    ERROR = "error"
    DELETE = "delete"  # deployed, tagged for this env, no longer in config (an orphan)


@dataclass
class StackPlan:
    stack_id: str
    cfn_name: str
    action: PlanAction
    changes: list[Change] = field(default_factory=list)
    detail: str = ""
    # Property values before -> after, when the change set was described with them
    # (DescribeChangeSet IncludePropertyValues); empty otherwise.
    values: list[ResourceValues] = field(default_factory=list)
    # Per event, the hook commands deploy/delete would run (plan lists them, never runs them).
    hooks: dict[str, list[str]] = field(default_factory=dict)
    # For a plan file (`plan --save`): the kept change set, the deployed stack it was made
    # against and the resolved Parameter values (digested when written, never stored).
    change_set_id: str = ""
    deployed: StackInfo | None = None
    parameters: dict[str, str] = field(default_factory=dict, repr=False)
    # The account and region it goes to (an env may span several).
    place: Place | None = None

    @property
    def destructive(self) -> list[Change]:
        return [c for c in self.changes if is_destructive(c)]

    @property
    def risks(self) -> list[Risk]:
        """What a reviewer must not miss: from the values when known, else the stateful
        replacements and removals the change set names."""
        if self.values:
            return [risk for v in self.values for risk in risks(v)]
        return [
            Risk(
                "stateful",
                c.logical_id,
                f"{c.resource_type} {c.logical_id} is "
                f"{'deleted' if c.action == 'Remove' else 'replaced'}",
            )
            for c in self.destructive
        ]

    def as_dict(self) -> dict[str, object]:
        return {
            "stack": self.stack_id,
            "name": self.cfn_name,
            "action": self.action.value,
            "detail": self.detail,
            **(
                {"account_id": self.place.account_id, "region": self.place.region}
                if self.place
                else {}
            ),
            "changes": [
                {
                    "action": c.action,
                    "logical_id": c.logical_id,
                    "type": c.resource_type,
                    "replacement": c.replacement,
                    "stateful": c.resource_type in STATEFUL_TYPES,
                    "destructive": is_destructive(c),
                }
                for c in self.changes
            ],
            "values": [
                {"logical_id": v.logical_id, "path": c.path, "before": c.before, "after": c.after}
                for v in self.values
                for c in v.changes
            ],
            "risks": [
                {"kind": r.kind, "logical_id": r.logical_id, "message": r.message}
                for r in self.risks
            ],
            "hooks": self.hooks,
        }


CHANGING = (PlanAction.CREATE, PlanAction.UPDATE, PlanAction.DELETE)


@dataclass
class Plan:
    env: str
    stacks: list[StackPlan]

    @property
    def spans_places(self) -> bool:
        """Whether its stacks go to more than one account or region (output is grouped)."""
        return len({s.place for s in self.stacks}) > 1

    @property
    def ok(self) -> bool:
        return not any(s.action is PlanAction.ERROR for s in self.stacks)

    @property
    def has_changes(self) -> bool:
        return any(s.action in CHANGING for s in self.stacks)

    @property
    def risks(self) -> list[tuple[str, Risk]]:
        return [(s.stack_id, risk) for s in self.stacks for risk in s.risks]


def exit_code(plan: Plan, *, detailed: bool = False, fail_on_risky: bool = False) -> int:
    """0 ok; 1 a stack could not be planned, or (`--fail-on risky`) a risk was found; with
    `--detailed-exitcode`, as Terraform's, 2 when something would change."""
    if not plan.ok or (fail_on_risky and plan.risks):
        return EXIT_FINDINGS
    if detailed and plan.has_changes:
        return EXIT_USAGE
    return EXIT_OK


def plan_env(
    context: Context,
    stacks: tuple[str, ...] = (),
    *,
    only: bool = False,
    max_parallel: int = 4,
    keep: bool = False,
) -> Plan:
    """`keep`: leave the change sets (and a CREATE's review stack) in place for a plan file
    that `deploy --plan` executes; otherwise they are deleted."""
    selected = context.manifest.select(stacks, only=only)
    # Stacks config no longer has are the whole env's business: listed when no stack is named
    # (their listing also describes the manifest's stacks).
    context.check_accounts(selected.nodes)  # a plan writes change sets
    orphans = [] if stacks else find_orphans(context)
    # "Unchanged" is decided from what is deployed, as deploy and status decide it.
    prefetch_candidates(
        list(selected.nodes), context.states, context.templates, context.manifest, context.environ
    )
    # Plans do not depend on each other (they read deployed outputs), so all run at once.
    flat = Graph({sid: () for sid in selected.nodes})
    # A kept change set is what `deploy --plan` executes: it carries the provenance tags a
    # deploy's own change set would, else the stack it writes would lose them.
    provenance = read_provenance(context.manifest.root.parent).tags() if keep else {}
    walked = walk(
        flat, lambda sid: plan_stack(context, sid, keep, provenance), max_parallel=max_parallel
    )
    plans: list[StackPlan] = []
    for sid in selected.topological_order():
        outcome = walked.outcomes[sid]
        if outcome.value is not None:
            plans.append(outcome.value)
        else:
            name = context.manifest.stacks[sid].name
            plans.append(StackPlan(sid, name, PlanAction.ERROR, detail=outcome.reason))
    for stack_plan in plans:
        hooks = context.manifest.stacks[stack_plan.stack_id].hooks
        stack_plan.hooks = {event: [c.display() for c in cmds] for event, cmds in hooks.items()}
        stack_plan.place = context.manifest.stacks[stack_plan.stack_id].place
    # Grouped by account and region; dependency order within each group.
    by_id = {p.stack_id: p for p in plans}
    grouped = [by_id[sid] for _, sids in context.manifest.by_place(by_id) for sid in sids]
    grouped += [
        StackPlan(
            o.stack_id,
            o.name,
            PlanAction.DELETE,
            o.removals,
            detail=pending_text(o),
            place=Place(o.target.account_id, o.region),
        )
        for o in orphans
    ]
    return Plan(context.manifest.env, grouped)


def plan_stack(
    context: Context,
    stack_id: str,
    keep: bool = False,
    provenance: Mapping[str, str] | None = None,
) -> StackPlan:
    stack = context.manifest.stacks[stack_id]
    if stack.stackset is not None:
        return _plan_stack_set(context, stack)
    gateway = context.gateway_for(stack)
    try:
        params = resolve_parameters(stack, context.states, context.environ)
    except ParameterError as error:
        return StackPlan(stack_id, stack.name, PlanAction.BLOCKED, detail=error.message)
    expected = stack_fingerprint(stack, params)
    current = context.states.get(stack_id)
    if tag_matches(current, expected):
        assert current is not None
        changed = deployed_differences(stack, current, params, context.templates)
        if not changed:
            return StackPlan(
                stack_id,
                stack.name,
                PlanAction.UNCHANGED,
                detail="as deployed",
                deployed=current,
                parameters=params,
            )
    creating = current is None or st.is_review(current.status)
    if current is not None and not creating and not st.is_updatable(current.status):
        return StackPlan(
            stack_id,
            stack.name,
            PlanAction.ERROR,
            detail=f"{current.status}: "
            + st.next_step(current.status, stack.name, context.manifest.env),
        )
    try:
        # Over the inline limit, the template goes to template_bucket as deploy sends it.
        template = template_source(context.manifest, stack, gateway)
    except InfragenError as error:
        detail = error.message + (f"; {error.hint}" if error.hint else "")
        return StackPlan(stack_id, stack.name, PlanAction.ERROR, detail=detail)
    name = f"infragen-plan-{uuid.uuid4().hex[:12]}"
    kept = False
    try:
        change_set = gateway.create_change_set(
            change_set_request(
                stack_name=stack.name,
                change_set_name=name,
                change_set_type="CREATE" if creating else "UPDATE",
                template=template,
                parameters=params,
                tags={**stack.tags, FINGERPRINT_TAG: expected, **(provenance or {})},
                description=f"infragen plan {stack_id} (not executed)",
                rollback=_rollback_triggers(context, stack, current) if keep else None,
            )
        )
        kept = keep and not change_set.empty
    except InfragenError as error:
        return StackPlan(stack_id, stack.name, PlanAction.ERROR, detail=error.message)
    finally:
        if creating and current is None and not kept:
            _remove_review_stack(context, stack_id)
    if change_set.empty:
        return StackPlan(
            stack_id,
            stack.name,
            PlanAction.UNCHANGED,
            detail="no changes",
            deployed=current,
            parameters=params,
        )
    if current is not None and not kept:
        gateway.delete_change_set(stack.name, name)
    action = PlanAction.CREATE if creating else PlanAction.UPDATE
    return StackPlan(
        stack_id,
        stack.name,
        action,
        change_set.changes,
        values=change_values(change_set, stack),
        change_set_id=change_set.change_set_id if kept else "",
        # A CREATE made the review stack the deploy will find: record that one.
        deployed=gateway.describe_stack(stack.name) if kept and creating else current,
        parameters=params,
    )


def _rollback_triggers(
    context: Context, stack: ManifestStack, current: StackInfo | None
) -> dict[str, Any] | None:
    """A change set kept for `deploy --plan` in production carries the rollback triggers
    deploy would give it, since it is executed as it is."""
    if not context.manifest.production or current is None or st.is_review(current.status):
        return None
    from infragen.cfn_template import Template
    from infragen.deploy.recover import rollback_triggers

    return rollback_triggers(
        context.gateway_for(stack),
        current,
        Template.read(stack.template).resources,
        context.manifest.rollback_monitoring_minutes,
        lambda text: context.reporter.note(stack.id, text),
    )


def _plan_stack_set(context: Context, stack: ManifestStack) -> StackPlan:
    """A StackSet has no change sets: the plan says whether its template (so every
    instance) would be updated, and which instances would be added or removed."""
    try:
        state = read_state(context, stack)
    except ParameterError as error:
        return StackPlan(stack.id, stack.name, PlanAction.BLOCKED, detail=error.message)
    except InfragenError as error:
        return StackPlan(stack.id, stack.name, PlanAction.ERROR, detail=error.message)
    if state.up_to_date:
        return StackPlan(stack.id, stack.name, PlanAction.UNCHANGED, detail=plan_detail(state))
    action = PlanAction.CREATE if state.info is None else PlanAction.UPDATE
    return StackPlan(stack.id, stack.name, action, detail=plan_detail(state))


def change_values(change_set: ChangeSet, stack: ManifestStack) -> list[ResourceValues]:
    """Each change's property values before -> after, when DescribeChangeSet gave them;
    values fed by the stack's NoEcho parameters are masked."""
    no_echo = [name for name, p in stack.parameters.items() if p.get("no_echo")]
    return [
        resource_values(c.raw, no_echo)
        for c in change_set.changes
        if {"BeforeContext", "AfterContext"} & set(c.raw.get("ResourceChange", {}))
    ]


def _remove_review_stack(context: Context, stack_id: str) -> None:
    """Deleting the stack deletes its change sets too."""
    stack = context.manifest.stacks[stack_id]
    gateway = context.gateway_for(stack)
    info = gateway.describe_stack(stack.name)
    if info is not None and st.is_review(info.status):
        gateway.delete_stack(info.stack_id)


# ---------------------------------------------------------------- formats (pure)


def to_json(plan: Plan) -> str:
    document = {
        "env": plan.env,
        "has_changes": plan.has_changes,
        "risk_count": len(plan.risks),
        "stacks": [s.as_dict() for s in plan.stacks],
    }
    return json.dumps(document, indent=2) + "\n"


_ICONS = {
    PlanAction.CREATE: "create",
    PlanAction.UPDATE: "update",
    PlanAction.UNCHANGED: "no change",
    PlanAction.BLOCKED: "waits for a dependency",
    PlanAction.ERROR: "error",
    PlanAction.DELETE: "delete",
}


def to_markdown(plan: Plan) -> str:
    """A PR comment: a summary table, then one section per stack that changes."""
    lines = [f"## infragen plan: `{plan.env}`", ""]
    if plan.risks:
        lines += [f"> [!CAUTION]\n> **{len(plan.risks)} thing(s) to review before merging:**"]
        lines += [f"> - `{sid}` {_cell(risk.message)}" for sid, risk in plan.risks]
        lines.append("")
    lines += ["| stack | CloudFormation name | action | changes | destructive |"]
    lines += ["|---|---|---|---|---|"]
    for index, s in enumerate(plan.stacks):
        if plan.spans_places and (index == 0 or plan.stacks[index - 1].place != s.place):
            lines.append(f"| **{s.place}** | | | | |")
        danger = f"**{len(s.destructive)}**" if s.destructive else "0"
        cells = [f"`{s.stack_id}`", f"`{s.cfn_name}`", _ICONS[s.action], str(len(s.changes))]
        lines.append("| " + " | ".join([*cells, danger]) + " |")
    for s in plan.stacks:
        # A StackSet's plan is its detail (it has no change set): shown like a change.
        said = s.detail and s.action in (PlanAction.CREATE, PlanAction.UPDATE)
        if (
            not s.changes
            and not said
            and s.action is not PlanAction.ERROR
            and s.action is not PlanAction.BLOCKED
        ):
            continue
        lines += ["", f"### `{s.stack_id}` ({_ICONS[s.action]})", ""]
        if s.detail:
            lines += [f"> {s.detail}", ""]
        if s.destructive and s.action is PlanAction.DELETE:
            ids = ", ".join(f"`{c.logical_id}`" for c in s.destructive)
            lines += [
                f"> :warning: **Deletes stateful resources: {ids}.** "
                "`deploy --prune` refuses this without `--allow-stateful-delete`.",
                "",
            ]
        elif s.destructive:
            ids = ", ".join(f"`{c.logical_id}`" for c in s.destructive)
            lines += [
                f"> :warning: **Replaces or removes stateful resources: {ids}.** "
                "deploy refuses this without `--allow-replace`.",
                "",
            ]
        if s.changes:
            lines += ["| action | logical id | type | replacement |", "|---|---|---|---|"]
            for c in s.changes:
                replacement = c.replacement or "-"
                if c.replaces:
                    replacement = f"**{replacement}**"
                lines.append(
                    f"| {c.action} | `{c.logical_id}` | `{c.resource_type}` | {replacement} |"
                )
        lines += _values_table(s.values)
    lines += _hooks_list(plan)
    if not plan.has_changes:
        lines += ["", "No changes."]
    return "\n".join(lines) + "\n"


def _hooks_list(plan: Plan) -> list[str]:
    rows = [
        f"- `{s.stack_id}` {event}: `{command}`"
        for s in plan.stacks
        for event, commands in s.hooks.items()
        for command in commands
    ]
    return ["", "Hooks `deploy` and `delete` run (plan runs none):", "", *rows] if rows else []


def _cell(value: object) -> str:
    """A value as one Markdown table cell: JSON for structures, pipes escaped."""
    text = "(none)" if value is None else json.dumps(value) if not isinstance(value, str) else value
    return text.replace("|", "\\|").replace("\n", " ")


def _values_table(values: list[ResourceValues]) -> list[str]:
    rows = [
        f"| `{v.logical_id}` | `{c.path}` | `{_cell(c.before)}` | `{_cell(c.after)}` | "
        f"{c.recreation or '-'} |"
        for v in values
        for c in v.changes
    ]
    if not rows:
        return []
    header = ["", "| resource | property | before | after | requires replacement |"]
    return [*header, "|---|---|---|---|---|", *rows]


def to_text(plan: Plan) -> str:
    from infragen.deploy.changes import describe

    lines: list[str] = []
    headed = plan.spans_places
    for index, s in enumerate(plan.stacks):
        if headed and (index == 0 or plan.stacks[index - 1].place != s.place):
            lines.append(f"== {s.place} ==")
        detail = f" ({s.detail})" if s.detail else ""
        lines.append(f"{s.stack_id}  {s.cfn_name}: {_ICONS[s.action]}{detail}")
        lines += [f"    {describe(c)}" for c in s.changes]
        lines += [
            f"      {v.logical_id}.{c.path}: {_cell(c.before)} -> {_cell(c.after)}"
            for v in s.values
            for c in v.changes
        ]
        lines += [
            f"    hook {event} (not run by plan): {command}"
            for event, commands in s.hooks.items()
            for command in commands
        ]
        lines += [f"    ! {risk.message}" for risk in s.risks if risk.kind != "stateful"]
        blocked = blocked_changes(s.changes, (), False)
        if blocked and s.action is not PlanAction.DELETE:  # its refusal is in its detail
            lines.append(
                "    ! deploy will refuse: "
                + ", ".join(c.logical_id for c in blocked)
                + " (stateful; use --allow-replace)"
            )
    changing = sum(1 for s in plan.stacks if s.action in (PlanAction.CREATE, PlanAction.UPDATE))
    failed = sum(1 for s in plan.stacks if s.action is PlanAction.ERROR)
    orphans = sum(1 for s in plan.stacks if s.action is PlanAction.DELETE)
    lines.append(
        f"{changing} of {len(plan.stacks) - orphans} stack(s) would change"
        + (f"; {failed} could not be planned" if failed else "")
        + (f"; {orphans} not in config would be deleted by --prune" if orphans else "")
    )
    return "\n".join(lines) + "\n"


FORMATS = {"text": to_text, "markdown": to_markdown, "json": to_json}
