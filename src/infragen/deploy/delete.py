"""`infragen delete`: delete stacks in reverse dependency order (consumers first).

Termination-protected stacks are refused before anything is deleted: a half-deleted
environment is worse than none deleted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from infragen.aws.credentials import CredentialsTarget
from infragen.aws.types import StackInfo, root_cause
from infragen.dag import Graph
from infragen.deploy.context import Context
from infragen.deploy.hooks import AFTER_DELETE, BEFORE_DELETE, run_hooks
from infragen.deploy.result import Outcome, RunSummary, StackResult
from infragen.deploy.stackset import delete_stack_set, deployed_stack_sets
from infragen.deploy.walker import StepState, walk
from infragen.errors import InfragenError


class TerminationProtectedError(InfragenError):
    """delete was asked to remove stacks CloudFormation would refuse to delete."""

    exit_code = 1


class DeleteAbortedError(InfragenError):
    """The confirmation prompt was answered no."""

    exit_code = 1


class ConfirmationRequiredError(InfragenError):
    """A delete with nobody at a terminal to confirm it and no --yes: refused as a production
    deploy is, rather than read "no" from a closed stdin and print only "Aborted!"."""


def confirmation_required(env: str, names: list[str]) -> ConfirmationRequiredError:
    return ConfirmationRequiredError(
        f"there is no terminal to confirm the delete of {len(names)} stack(s) in {env} on: "
        + ", ".join(names),
        "check that these are the stacks to delete, then pass --yes; nothing was deleted",
    )


@dataclass(frozen=True)
class DeleteOptions:
    stacks: tuple[str, ...] = ()
    only: bool = False
    max_parallel: int = 4


def delete_env(
    context: Context, options: DeleteOptions, confirm: Callable[[list[str]], bool]
) -> RunSummary:
    """Delete the named stacks and everything that depends on them (all stacks if none).

    `confirm` gets the CloudFormation names that exist and returns whether to go ahead.
    """
    graph = context.manifest.select_with_dependents(options.stacks, only=options.only)
    context.check_accounts(graph.nodes)
    existing = {sid: context.states.get(sid) for sid in graph.topological_order()}
    protected = [info.name for info in existing.values() if info and info.termination_protection]
    if protected:
        raise TerminationProtectedError(
            "refusing to delete termination-protected stack(s): " + ", ".join(protected),
            "turn protection off in config (termination_protection: false), render and "
            "deploy, then delete; nothing was deleted",
        )
    names = [info.name for info in existing.values() if info is not None]
    names += deployed_stack_sets(context, graph.nodes)
    if names and not confirm(names):
        raise DeleteAbortedError("delete cancelled; nothing was deleted")

    names = {sid: context.manifest.stacks[sid].name for sid in graph.nodes}
    return delete_walk(
        context, graph, names, lambda sid: delete_stack(context, sid), options.max_parallel
    )


def delete_walk(
    context: Context,
    graph: Graph,
    names: Mapping[str, str],
    step: Callable[[str], StackResult],
    max_parallel: int,
) -> RunSummary:
    """Run `step` on each stack of `graph` (dependencies as in config), consumers first;
    `names` are their CloudFormation names, for the summary of stacks never started."""
    walked = walk(
        graph.reversed(),
        step,
        max_parallel=max_parallel,
        succeeded=lambda result: result.ok,
        describe_failure=lambda result: result.explain(),
    )
    results: list[StackResult] = []
    for stack_id in reversed(graph.topological_order()):
        outcome = walked.outcomes[stack_id]
        if outcome.value is not None:
            results.append(outcome.value)
            continue
        state = Outcome.SKIPPED if outcome.state is StepState.SKIPPED else Outcome.FAILED
        result = StackResult(stack_id, names[stack_id], state, reason=outcome.reason)
        context.reporter.finished(result)
        results.append(result)
    return RunSummary(results, interrupted=walked.interrupted)


def delete_stack(context: Context, stack_id: str) -> StackResult:
    stack = context.manifest.stacks[stack_id]
    if stack.stackset is not None:
        return delete_stack_set(context, stack)
    info = context.states.get(stack_id)
    if info is None:
        result = StackResult(stack_id, stack.name, Outcome.ABSENT, reason="not deployed")
        context.reporter.finished(result)
        return result
    environ = {**context.environ}

    def before() -> None:
        environ.update(run_hooks(context, stack, BEFORE_DELETE, environ))

    def after() -> StackResult:
        context.states.remember(stack_id, None)
        return _after_delete(context, stack_id, environ)

    return delete_deployed(
        context, stack_id, CredentialsTarget.of(stack), info, before=before, after=after
    )


def delete_deployed(
    context: Context,
    stack_id: str,
    where: CredentialsTarget | str,
    info: StackInfo,
    *,
    before: Callable[[], None] = lambda: None,
    after: Callable[[], StackResult] | None = None,
) -> StackResult:
    """DeleteStack and wait, with progress; also for stacks config no longer has (prune),
    which have no hooks. `before` runs first (its error fails the stack), `after` makes the
    result of a stack that was deleted."""
    gateway = context.gateway(where)
    started = time.monotonic()
    context.reporter.started(stack_id, "deleting")
    try:
        before()
        since = gateway.latest_event_id(info.stack_id)
        gateway.delete_stack(info.stack_id)
        final, events = gateway.wait_for_stack(
            info.stack_id,
            since_event=since,
            on_event=lambda event: context.reporter.event(stack_id, event),
        )
    except InfragenError as error:
        result = StackResult(stack_id, info.name, Outcome.FAILED, reason=error.message)
    else:
        if final is None:
            result = after() if after else StackResult(stack_id, info.name, Outcome.DELETED)
        else:
            result = StackResult(
                stack_id,
                info.name,
                Outcome.FAILED,
                reason=f"ended in {final.status}",
                status=final.status,
                root_cause=root_cause(events),
            )
    result.elapsed = time.monotonic() - started
    context.reporter.finished(result)
    return result


def _after_delete(context: Context, stack_id: str, environ: dict[str, str]) -> StackResult:
    stack = context.manifest.stacks[stack_id]
    try:
        run_hooks(context, stack, AFTER_DELETE, environ)
    except InfragenError as error:
        return StackResult(
            stack_id, stack.name, Outcome.FAILED, reason=f"deleted, then {error.message}"
        )
    return StackResult(stack_id, stack.name, Outcome.DELETED)
