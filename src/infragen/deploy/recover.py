"""Rolling back, and getting a stack out of a failed state, without the console.

A failed update whose rollback failed too (UPDATE_ROLLBACK_FAILED) can take no update until
ContinueUpdateRollback finishes the rollback, skipping the resources that cannot roll back
(ResourcesToSkip). infragen does that only when asked (`--continue-rollback`, or yes on a
TTY): skipping a resource leaves it as it is, maybe out of step with the stack.

In production, the alarms a stack's blueprint declares become its rollback triggers, so an
update that sets one off rolls back by itself. Triggers are alarm ARNs that must exist
before the operation starts, so they are the alarms the deployed stack already has (and
the new template keeps); a first create has none.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-rollback-triggers.html
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from infragen.aws import status as st
from infragen.aws.gateway import Gateway
from infragen.aws.requests import MAX_ROLLBACK_TRIGGERS, rollback_configuration
from infragen.aws.types import StackEvent, StackInfo, root_cause
from infragen.deploy.context import Context
from infragen.deploy.manifest import Manifest
from infragen.errors import EXIT_USAGE, InfragenError

STACK_TYPE = "AWS::CloudFormation::Stack"
ALARM_TYPE = "AWS::CloudWatch::Alarm"

#: Asked on a TTY: (stack id, CloudFormation name, resources that failed to roll back) -> go on?
ConfirmRollback = Callable[[str, str, list[StackEvent]], bool]


class RollbackFlagError(InfragenError):
    """--disable-rollback asked for in a production environment."""

    exit_code = EXIT_USAGE


class RollbackStuckError(InfragenError):
    """The stack is UPDATE_ROLLBACK_FAILED and continuing the rollback was not allowed, or
    the continued rollback did not complete."""

    exit_code = 1

    def __init__(
        self, message: str, hint: str = "", *, status: str, cause: StackEvent | None = None
    ) -> None:
        super().__init__(message, hint)
        self.status = status
        self.cause = cause


def refuse_disable_rollback(manifest: Manifest, disable_rollback: bool) -> None:
    """A production stack must never be left half-updated for debugging."""
    if disable_rollback and manifest.production:
        raise RollbackFlagError(
            f"--disable-rollback is refused in {manifest.env}: it is a production environment, "
            "where a failed deploy must roll back",
            "debug the failing create or update in a dev environment, where "
            "--disable-rollback keeps the failed resources for inspection",
        )


def rollback_blockers(events: Iterable[StackEvent], stack_name: str) -> list[StackEvent]:
    """The resources that failed to roll back, from the events newest first: each
    resource's UPDATE_FAILED event after the stack's last UPDATE_ROLLBACK_IN_PROGRESS, one
    per logical id, oldest first."""
    found: dict[str, StackEvent] = {}
    for event in events:
        if event.logical_id == stack_name and event.resource_type == STACK_TYPE:
            if event.status == st.S.UPDATE_ROLLBACK_IN_PROGRESS:
                break
            continue
        if event.status == "UPDATE_FAILED" and event.logical_id not in found:
            found[event.logical_id] = event
    return list(reversed(found.values()))


def continue_command(env: str, stack_id: str) -> str:
    """The command that continues this stack's rollback and then deploys it."""
    words = ["infragen", "deploy", "--env", env, stack_id, "--only", "--continue-rollback"]
    return shlex.join(words)


def stuck(
    env: str, stack_id: str, info: StackInfo, blockers: list[StackEvent]
) -> RollbackStuckError:
    """Why the stack cannot be deployed and the exact command that gets it going."""
    listed = "; ".join(
        f"{e.logical_id} ({e.resource_type}): {e.reason or 'no reason given'}" for e in blockers
    )
    failed = f"; failed to roll back: {listed}" if listed else ""
    skips = " ".join(f"--skip-resources {shlex.quote(e.logical_id)}" for e in blockers)
    skip_hint = (
        f"; if a resource cannot roll back (deleted or changed outside CloudFormation), add "
        f"{skips} to leave it as it is"
        if skips
        else ""
    )
    return RollbackStuckError(
        f"{info.name} is {info.status}: its last update failed and so did the rollback{failed}",
        f"fix what stopped the rollback, then run `{continue_command(env, stack_id)}`" + skip_hint,
        status=info.status,  # no root cause: the message names every resource already
    )


def blockers_of(gateway: Gateway, info: StackInfo) -> list[StackEvent]:
    return rollback_blockers(gateway.recent_events(info.stack_id), info.name)


def confirmed_rollbacks(
    context: Context, stack_ids: Iterable[str], confirm: ConfirmRollback | None
) -> frozenset[str]:
    """The stacks in UPDATE_ROLLBACK_FAILED whose rollback a person confirmed (on a TTY),
    asked before any deploy starts so that no question interrupts running stacks."""
    if confirm is None:
        return frozenset()
    approved: set[str] = set()
    for stack_id in stack_ids:
        info = context.states.get(stack_id)
        if info is None or info.status != st.S.UPDATE_ROLLBACK_FAILED:
            continue
        gateway = context.gateway_for(context.manifest.stacks[stack_id])
        if confirm(stack_id, info.name, blockers_of(gateway, info)):
            approved.add(stack_id)
    return frozenset(approved)


def continue_rollback(
    gateway: Gateway,
    info: StackInfo,
    skip: Iterable[str],
    token: str,
    on_event: Callable[[StackEvent], None],
) -> StackInfo:
    """ContinueUpdateRollback and wait; the stack, now UPDATE_ROLLBACK_COMPLETE and ready
    for an update, or RollbackStuckError when the rollback failed again."""
    since = gateway.latest_event_id(info.stack_id)
    gateway.continue_update_rollback(info.stack_id, sorted(skip), token)
    final, events = gateway.wait_for_stack(info.stack_id, since_event=since, on_event=on_event)
    if final is None or final.status != st.S.UPDATE_ROLLBACK_COMPLETE:
        status = final.status if final else "DELETED"
        blockers = rollback_blockers(reversed(events), info.name)
        ids = " ".join(f"--skip-resources {shlex.quote(e.logical_id)}" for e in blockers)
        raise RollbackStuckError(
            f"the continued rollback of {info.name} ended in {status}",
            "fix what its events name, then continue again"
            + (f" (or skip them: {ids})" if ids else ""),
            status=status,
            cause=root_cause(events),
        )
    return final


def alarm_arns(stack_arn: str, names: Iterable[str]) -> list[str]:
    """ARNs of alarms by name (an alarm's physical id is its name), in the partition,
    region and account of the stack's own ARN."""
    _, partition, _, region, account, _ = stack_arn.split(":", 5)
    return [f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}" for name in names]


def rollback_triggers(
    gateway: Gateway,
    current: StackInfo,
    resources: Mapping[str, Mapping[str, Any]],
    minutes: int,
    note: Callable[[str], None],
) -> dict[str, Any] | None:
    """The RollbackConfiguration of an update of the deployed stack `current` to a template
    with `resources`: its alarms that exist already, at most CloudFormation's five (the
    first by logical id; the rest are named in a note). None when the stack ARN is unknown."""
    if not current.stack_id.startswith("arn:"):
        return None
    declared = sorted(lid for lid, res in resources.items() if res.get("Type") == ALARM_TYPE)
    existing = gateway.physical_ids(current.stack_id, ALARM_TYPE) if declared else {}
    usable = [lid for lid in declared if lid in existing]
    if len(usable) > MAX_ROLLBACK_TRIGGERS:
        left = usable[MAX_ROLLBACK_TRIGGERS:]
        note(
            f"CloudFormation takes {MAX_ROLLBACK_TRIGGERS} rollback triggers; not watching "
            + ", ".join(left)
        )
        usable = usable[:MAX_ROLLBACK_TRIGGERS]
    new = [lid for lid in declared if lid not in existing]
    if new:
        note("rollback triggers start with the next deploy for new alarm(s) " + ", ".join(new))
    names = [existing[lid] for lid in usable]
    return rollback_configuration(alarm_arns(current.stack_id, names), minutes)
