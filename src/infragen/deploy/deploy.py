"""`infragen deploy`: walk the DAG with a ready pool, one change set (or direct call) per
stack that changed, refusing destructive changes to stateful resources.

Each stack goes through `StackDeploy.run`, a short sequence of named states; each state is
one method, so no method needs more than a couple of branches.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infragen.aws import status as st
from infragen.aws.gateway import AlreadyExistsError, Gateway
from infragen.aws.requests import (
    change_set_request,
    create_stack_request,
    request_token,
    update_stack_request,
)
from infragen.aws.types import Change, StackEvent, StackInfo, root_cause
from infragen.dag import Graph
from infragen.deploy.changes import blocked_changes, is_destructive
from infragen.deploy.context import Context
from infragen.deploy.deployed import deployed_differences, prefetch_candidates, tag_matches
from infragen.deploy.fingerprint import FINGERPRINT_TAG, stack_fingerprint
from infragen.deploy.hooks import AFTER_DEPLOY, BEFORE_DEPLOY, HookFailedError, run_hooks
from infragen.deploy.manifest import ManifestStack
from infragen.deploy.params import check_env_sources, resolve_parameters
from infragen.deploy.preflight import check_deploy_time_values
from infragen.deploy.provenance import Provenance, check_clean, read_provenance
from infragen.deploy.recover import (
    ConfirmRollback,
    RollbackStuckError,
    blockers_of,
    confirmed_rollbacks,
    continue_rollback,
    refuse_disable_rollback,
    rollback_triggers,
    stuck,
)
from infragen.deploy.result import Outcome, RunSummary, StackResult
from infragen.deploy.stack_policy import ALLOW_ALL, stack_policy
from infragen.deploy.stackset import StackSetDeployOptions, deploy_stack_set
from infragen.deploy.template_source import template_source
from infragen.deploy.walker import StepState, walk
from infragen.errors import InfragenError

if TYPE_CHECKING:
    from infragen.aws.types import ChangeSet
    from infragen.deploy.planfile import PlanFile, PlannedStack


class Method(StrEnum):
    CHANGESET = "changeset"
    DIRECT = "direct"


@dataclass(frozen=True)
class DeployOptions:
    stacks: tuple[str, ...] = ()
    only: bool = False
    method: Method = Method.CHANGESET
    max_parallel: int = 4
    allow_replace: frozenset[str] = field(default_factory=frozenset)
    allow_destructive: bool = False
    replace_failed: bool = False
    cancel_on_interrupt: bool = False
    force: bool = False  # redeploy even when the deployed state matches
    # UPDATE_ROLLBACK_FAILED: continue the rollback (all such stacks, or those confirmed)
    continue_rollback: bool = False
    confirm_rollback: ConfirmRollback | None = None
    skip_resources: frozenset[str] = field(default_factory=frozenset)
    disable_rollback: bool = False  # dev only: keep a failed create/update as it failed
    allow_stateful_replace: bool = False  # production: lift the stack policy for this deploy
    prune: bool = False  # remove what config no longer has (StackSet instances of old targets)
    # `deploy --plan`: execute exactly this plan's change sets, or refuse
    plan: PlanFile | None = None
    plan_path: str = ""
    # Redeploy stacks that pass NoEcho values even when the deployed state matches: the
    # unchanged check cannot see a rotated NoEcho value (it is masked everywhere).
    refresh_secrets: bool = False
    allow_dirty: bool = False  # production: deploy from a tree with uncommitted changes


class StackFailedError(InfragenError):
    """Ends one stack's deploy with a reason (and maybe a root-cause event)."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        hint: str = "",
        *,
        status: str = "",
        cause: StackEvent | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.status = status
        self.cause = cause


class ApprovalRequiredError(InfragenError):
    """A production deploy with nobody to confirm it and no --yes."""

    exit_code = 2


def approve_production(
    context: Context,
    options: DeployOptions,
    *,
    yes: bool,
    interactive: bool,
    confirm: Callable[[str], bool],
) -> bool:
    """A production deploy is approved by a person who saw its plan, or by --yes (CI, after
    the PR's review). False when the person declined. Other envs need no approval."""
    clean_provenance(context, options)  # a dirty tree is refused before a plan is made
    if not context.manifest.production or yes or options.plan is not None:
        return True  # a plan file is what was approved
    env = context.manifest.env
    if not interactive:
        raise ApprovalRequiredError(
            f"{env} is a production environment and there is no terminal to confirm the deploy on",
            f"pass --yes (CI, after review), or deploy a reviewed plan file: `infragen plan "
            f"--env {env} --save plan.json`, then `infragen deploy --env {env} --plan "
            "plan.json`",
        )
    from infragen.deploy.plan import plan_env, to_text

    plan = plan_env(context, options.stacks, only=options.only)
    return confirm(to_text(plan))


def clean_provenance(context: Context, options: DeployOptions) -> Provenance:
    """Where templates_out/ comes from; DirtyTreeError for production from a dirty tree."""
    ignoring = Path(options.plan_path) if options.plan_path else None
    provenance = read_provenance(context.manifest.root.parent, ignoring=ignoring)
    check_clean(
        provenance,
        context.manifest.env,
        production=context.manifest.production,
        allow_dirty=options.allow_dirty,
    )
    return provenance


def deploy_env(context: Context, options: DeployOptions) -> RunSummary:
    """Deploy the selected stacks; the summary says what happened to each."""
    provenance = clean_provenance(context, options)
    if options.plan is not None:
        return _apply_plan(context, options, options.plan, provenance)
    graph = context.manifest.select(options.stacks, only=options.only)
    refuse_disable_rollback(context.manifest, options.disable_rollback)
    # A stack with before_deploy hooks may get its `!env` values from them: its own step
    # reports a value still missing after they ran.
    hookless = [
        sid for sid in graph.nodes if BEFORE_DEPLOY not in context.manifest.stacks[sid].hooks
    ]
    check_env_sources(context.manifest, hookless, context.environ)
    check_deploy_time_values(context.manifest, hookless, context.environ)
    context.check_accounts(graph.nodes)
    context.states.prefetch(graph.nodes)
    confirmed = confirmed_rollbacks(context, graph.nodes, options.confirm_rollback)
    if not options.force:
        prefetch_candidates(
            graph.nodes,
            context.states,
            context.templates,
            context.manifest,
            context.environ,
        )
    return _walk(context, options, graph, confirmed, provenance)


def _apply_plan(
    context: Context, options: DeployOptions, plan: PlanFile, provenance: Provenance
) -> RunSummary:
    """`deploy --plan`: the plan's stacks only, each by its planned change set; nothing
    runs when any stack already differs from its plan."""
    from infragen.deploy.planfile import check_before_apply

    refuse_disable_rollback(context.manifest, options.disable_rollback)
    known = [s.stack for s in plan.stacks if s.stack in context.manifest.stacks]
    context.states.prefetch(known)
    check_before_apply(context, plan, options.plan_path or "the plan file")
    graph = context.manifest.select(known, only=True)
    return _walk(context, options, graph, set(), provenance)


def _walk(
    context: Context,
    options: DeployOptions,
    graph: Graph,
    confirmed: set[str],
    provenance: Provenance,
) -> RunSummary:
    running: dict[str, StackDeploy] = {}

    def step(stack_id: str) -> StackResult:
        stack = context.manifest.stacks[stack_id]
        # A StackSet has no change set: a plan file's StackSet was checked to still be what
        # the plan said (planfile.check_before_apply), and never prunes.
        if stack.stackset is not None:
            planned = options.plan is not None
            stackset_options = StackSetDeployOptions(
                force=options.force and not planned, prune=options.prune and not planned
            )
            return deploy_stack_set(context, stack, stackset_options)
        deployer = StackDeploy(
            context,
            stack,
            options,
            continue_rollback=options.continue_rollback or stack_id in confirmed,
            planned=options.plan.stack(stack_id) if options.plan else None,
            provenance_tags=provenance.tags(),
        )
        running[stack_id] = deployer
        try:
            return deployer.run()
        finally:
            running.pop(stack_id, None)

    def on_interrupt(stack_ids: list[str]) -> None:
        for stack_id in stack_ids:
            context.reporter.note(stack_id, "interrupted: letting the running operation finish")
            deployer = running.get(stack_id)
            if options.cancel_on_interrupt and deployer is not None:
                try:
                    deployer.cancel()
                except InfragenError as error:  # the summary still has to be printed
                    context.reporter.note(stack_id, f"could not cancel: {error.message}")

    walked = walk(
        graph,
        step,
        max_parallel=options.max_parallel,
        succeeded=lambda result: result.ok,
        describe_failure=lambda result: result.explain(),
        on_interrupt=on_interrupt,
    )
    results: list[StackResult] = []
    for stack_id, outcome in walked.outcomes.items():
        name = context.manifest.stacks[stack_id].name
        if outcome.value is not None:
            results.append(outcome.value)
        elif outcome.state is StepState.SKIPPED:
            result = StackResult(stack_id, name, Outcome.SKIPPED, reason=outcome.reason)
            context.reporter.finished(result)
            results.append(result)
        else:  # an unexpected exception escaped the step: a bug, reported as a failure
            result = StackResult(stack_id, name, Outcome.FAILED, reason=outcome.reason)
            context.reporter.finished(result)
            results.append(result)
    return RunSummary(results, interrupted=walked.interrupted)


class StackDeploy:
    """Deploy one stack: fingerprint check, then a change set or a direct call, then wait."""

    def __init__(
        self,
        context: Context,
        stack: ManifestStack,
        options: DeployOptions,
        continue_rollback: bool = False,
        planned: PlannedStack | None = None,
        provenance_tags: dict[str, str] | None = None,
    ) -> None:
        self.context = context
        self.planned = planned
        # infragen:commit / infragen:dirty: sent whenever the stack is written.
        self.provenance_tags = provenance_tags or {}
        self.stack = stack
        self.options = options
        self.continue_rollback = continue_rollback
        self.gateway: Gateway = context.gateway_for(stack)
        self.reporter = context.reporter
        self.started = time.monotonic()
        self.changes: list[Change] = []
        self.fingerprint = ""
        self.production = context.manifest.production
        self.policy: str | None = None  # production: the stack policy to leave in force
        # The caller's environment plus what before_deploy hooks passed on; `!env`
        # parameters resolve from it.
        self.environ: dict[str, str] = dict(context.environ)
        self.rollback: dict[str, Any] | None = None  # production: RollbackConfiguration

    def run(self) -> StackResult:
        self.reporter.started(self.stack.id, "checking")
        try:
            self.environ.update(run_hooks(self.context, self.stack, BEFORE_DEPLOY, self.environ))
            outcome, final = self._deploy()
        except StackFailedError as failed:
            return self._finish(Outcome.FAILED, _reason(failed), failed.status, failed.cause)
        except InfragenError as error:
            return self._finish(Outcome.FAILED, _reason(error))
        status = final.status if final else ""
        try:
            run_hooks(self.context, self.stack, AFTER_DEPLOY, self.environ)
        except HookFailedError as error:
            # The stack itself is deployed; its dependents still must not start.
            return self._finish(Outcome.FAILED, f"{outcome.value}, then {_reason(error)}", status)
        reason = "" if outcome is not Outcome.UNCHANGED else self._unchanged_reason
        return self._finish(outcome, reason, status)

    _unchanged_reason = "deployed template and parameters match"

    def _finish(
        self,
        outcome: Outcome,
        reason: str = "",
        status: str = "",
        cause: StackEvent | None = None,
    ) -> StackResult:
        result = StackResult(
            self.stack.id,
            self.stack.name,
            outcome,
            reason=reason,
            status=status,
            root_cause=cause,
            changes=self.changes,
            elapsed=time.monotonic() - self.started,
        )
        self.reporter.finished(result)
        return result

    def cancel(self) -> None:
        """Ctrl-C with --cancel-on-interrupt: ask CloudFormation to roll the update back."""
        current = self.gateway.describe_stack(self.stack.name)
        if current is not None and current.status == st.S.UPDATE_IN_PROGRESS:
            self.gateway.cancel_update(self.stack.name)
            self.reporter.note(self.stack.id, "CancelUpdateStack sent")

    # -- states

    def _deploy(self) -> tuple[Outcome, StackInfo | None]:
        if self.planned is not None:
            return self._settle(*self._apply_planned(self.planned))
        params = resolve_parameters(self.stack, self.context.states, self.environ)
        self.fingerprint = stack_fingerprint(self.stack, params)
        current = self.context.states.get(self.stack.id)
        if self._refreshing(params):
            self.reporter.note(self.stack.id, "--refresh-secrets: passing its NoEcho values again")
        elif not self.options.force and tag_matches(current, self.fingerprint):
            assert current is not None
            differences = deployed_differences(self.stack, current, params, self.context.templates)
            if not differences:
                return Outcome.UNCHANGED, current
            self.reporter.note(
                self.stack.id,
                f"changed outside infragen ({', '.join(differences)}); putting it back",
            )
        current = self._usable(current)
        if self.production:
            self._production_guards(current)
        tags = {**self.stack.tags, FINGERPRINT_TAG: self.fingerprint, **self.provenance_tags}
        template = template_source(self.context.manifest, self.stack, self.gateway)
        if self.options.method is Method.DIRECT:
            return self._settle(*self._direct(current, template, params, tags))
        return self._settle(*self._change_set(current, template, params, tags))

    def _settle(
        self, outcome: Outcome, final: StackInfo | None
    ) -> tuple[Outcome, StackInfo | None]:
        if final is not None:
            self._sync_protection(final)
            self.context.states.remember(self.stack.id, final)
            if outcome in (Outcome.CREATED, Outcome.UPDATED) and st.is_succeeded(final.status):
                self.context.templates.deployed(self.stack.id, final, self.stack.sha256)
        return outcome, final

    def _production_guards(self, current: StackInfo | None) -> None:
        """The stack policy and rollback triggers, both from the template's resources."""
        from infragen.cfn_template import Template

        resources = Template.read(self.stack.template).resources
        self.policy = stack_policy(resources)
        if current is not None and not st.is_review(current.status):
            self.rollback = rollback_triggers(
                self.gateway,
                current,
                resources,
                self.context.manifest.rollback_monitoring_minutes,
                lambda text: self.reporter.note(self.stack.id, text),
            )

    def _apply_planned(self, planned: PlannedStack) -> tuple[Outcome, StackInfo | None]:
        """Execute the change set the plan file names, after checking once more (producers
        deployed since the preflight may have changed this stack's Parameters)."""
        from infragen.deploy.planfile import APPLIED, differences

        current = self.context.states.get(self.stack.id)
        if planned.action == "unchanged":
            self._unchanged_reason = "unchanged in the plan"
            return Outcome.UNCHANGED, current
        if planned.action not in APPLIED or not planned.change_set_id:
            raise StackFailedError(
                f"the plan has no change set for it ({planned.action}: {planned.detail})",
                "deploy it without --plan, or plan again once what it waits for is deployed",
            )
        params = resolve_parameters(self.stack, self.context.states, self.environ)
        self.fingerprint = stack_fingerprint(self.stack, params)
        change_set = self.gateway.describe_change_set(self.stack.name, planned.change_set_id)
        found = differences(planned, self.stack, params, current, change_set)
        if found:
            raise StackFailedError(
                "refused, not as planned: " + "; ".join(found),
                f"plan again (`infragen plan --env {self.context.manifest.env} --save FILE`), "
                "review it, and deploy that plan",
                status=current.status if current else "",
            )
        assert change_set is not None
        if self.production:
            # The policy only: the kept change set carries the rollback triggers plan gave it.
            self._production_guards(None)
        creating = planned.action == "create"
        return self._execute(change_set, current, creating, change_set.change_set_id)

    def _refreshing(self, params: dict[str, str]) -> bool:
        """--refresh-secrets and this stack passes a NoEcho value."""
        return self.options.refresh_secrets and any(
            self.stack.parameters.get(name, {}).get("no_echo") for name in params
        )

    def _usable(self, current: StackInfo | None) -> StackInfo | None:
        """The stack to update, or None to create; failed first creates are replaced only
        when asked to, since deleting them loses the evidence of why they failed."""
        if current is None:
            return None
        if st.is_in_progress(current.status):
            raise StackFailedError(
                f"{current.name} is {current.status}; another operation is running",
                st.next_step(current.status, current.name, self.context.manifest.env),
                status=current.status,
            )
        if st.is_review(current.status):
            if self.options.method is Method.DIRECT:
                self._delete_for_recreate(current)
                return None
            return current
        if st.is_failed_create(current.status):
            if not self.options.replace_failed:
                raise StackFailedError(
                    f"{current.name} is {current.status} from a failed first create and "
                    "cannot be updated",
                    st.next_step(current.status, current.name, self.context.manifest.env),
                    status=current.status,
                )
            self._delete_for_recreate(current)
            return None
        if current.status == st.S.UPDATE_ROLLBACK_FAILED:
            return self._recover(current)
        if current.status == st.S.UPDATE_FAILED and self.options.disable_rollback:
            return current  # a --disable-rollback update that failed: try it again
        if not st.is_updatable(current.status):
            raise StackFailedError(
                f"{current.name} is {current.status} and cannot be updated",
                st.next_step(current.status, current.name, self.context.manifest.env),
                status=current.status,
            )
        return current

    def _recover(self, current: StackInfo) -> StackInfo:
        try:
            if not self.continue_rollback:
                raise stuck(
                    self.context.manifest.env,
                    self.stack.id,
                    current,
                    blockers_of(self.gateway, current),
                )
            skipping = sorted(self.options.skip_resources)
            self.reporter.started(self.stack.id, "continuing the rollback")
            if skipping:
                self.reporter.note(self.stack.id, "skipping " + ", ".join(skipping))
            return continue_rollback(
                self.gateway,
                current,
                self.options.skip_resources,
                request_token(self.fingerprint),
                self._on_event,
            )
        except RollbackStuckError as error:
            raise StackFailedError(
                error.message, error.hint, status=error.status, cause=error.cause
            ) from error

    def _delete_for_recreate(self, current: StackInfo) -> None:
        self.reporter.note(self.stack.id, f"deleting {current.status} stack to recreate it")
        since = self.gateway.latest_event_id(current.stack_id)
        self.gateway.delete_stack(current.stack_id)
        final, events = self.gateway.wait_for_stack(
            current.stack_id, since_event=since, on_event=self._on_event
        )
        if final is not None:
            raise StackFailedError(
                f"could not delete {current.name} to recreate it: {final.status}",
                status=final.status,
                cause=root_cause(events),
            )

    def _change_set(
        self,
        current: StackInfo | None,
        template: dict[str, str],
        params: dict[str, str],
        tags: dict[str, str],
    ) -> tuple[Outcome, StackInfo | None]:
        creating = current is None or st.is_review(current.status)
        name = f"infragen-{self.fingerprint[:12]}-{uuid.uuid4().hex[:8]}"
        self.reporter.started(self.stack.id, "creating change set")
        change_set = self.gateway.create_change_set(
            change_set_request(
                stack_name=self.stack.name,
                change_set_name=name,
                change_set_type="CREATE" if creating else "UPDATE",
                template=template,
                parameters=params,
                tags=tags,
                description=f"infragen deploy {self.stack.id}",
                token=request_token(self.fingerprint),
                rollback=self.rollback,
            )
        )
        if change_set.empty:
            # Nothing to do, e.g. only the fingerprint tag would change.
            self._unchanged_reason = "change set has no changes"
            if current is not None and self.policy:
                self._set_policy(self.policy)  # e.g. --force on a stack deployed without one
            return Outcome.UNCHANGED, current
        return self._execute(change_set, current, creating, name)

    def _execute(
        self, change_set: ChangeSet, current: StackInfo | None, creating: bool, name: str
    ) -> tuple[Outcome, StackInfo | None]:
        """Print the changes, refuse what the safety rules refuse, execute, wait."""
        self.changes = change_set.changes
        self.reporter.changes(self.stack.id, change_set.changes)
        blocked = blocked_changes(
            change_set.changes, self.options.allow_replace, self.options.allow_destructive
        )
        if blocked:
            self.gateway.delete_change_set(self.stack.name, name)
            ids = ", ".join(f"{c.logical_id} ({c.resource_type}, {c.action})" for c in blocked)
            raise StackFailedError(
                f"refused: would replace or remove stateful resource(s) {ids}",
                "if that is intended: "
                + " ".join(f"--allow-replace {c.logical_id}" for c in blocked)
                + " (or --allow-destructive)",
                status=current.status if current else "",
            )
        self._check_policy(change_set.changes, creating, name)
        since = None if creating else self.gateway.latest_event_id(self.stack.name)
        self.reporter.started(self.stack.id, "creating" if creating else "updating")
        lifted = not creating and self._lifting()
        if lifted:
            self._set_policy(ALLOW_ALL)
            self.reporter.note(self.stack.id, "stack policy lifted for this deploy")
        try:
            self.gateway.execute_change_set(
                self.stack.name,
                name,
                request_token(self.fingerprint),
                disable_rollback=self.options.disable_rollback,
            )
            final = self._wait(since)
        finally:
            if lifted:  # put the stack's policy back whatever happened
                self._set_policy(self.policy or ALLOW_ALL)
        if self.policy and not lifted:
            self._set_policy(self.policy)
        return (Outcome.CREATED if creating else Outcome.UPDATED), final

    def _lifting(self) -> bool:
        return self.production and self.options.allow_stateful_replace

    def _check_policy(self, changes: list[Change], creating: bool, change_set: str) -> None:
        """In production the stack policy would stop the execution halfway: refuse first,
        unless --allow-stateful-replace lifts it."""
        if creating or not self.production or self.options.allow_stateful_replace:
            return
        denied = [c for c in changes if is_destructive(c)]
        if not denied:
            return
        self.gateway.delete_change_set(self.stack.name, change_set)
        ids = ", ".join(f"{c.logical_id} ({c.resource_type}, {c.action})" for c in denied)
        raise StackFailedError(
            f"refused: the production stack policy denies replacing or removing {ids}",
            "if that is intended, add --allow-stateful-replace to lift the policy for this "
            "deploy (it is put back after)",
        )

    def _set_policy(self, body: str) -> None:
        self.gateway.set_stack_policy(self.stack.name, body)

    def _direct(
        self,
        current: StackInfo | None,
        template: dict[str, str],
        params: dict[str, str],
        tags: dict[str, str],
    ) -> tuple[Outcome, StackInfo | None]:
        if current is None:
            self.reporter.started(self.stack.id, "creating")
            request = create_stack_request(
                stack_name=self.stack.name,
                template=template,
                parameters=params,
                tags=tags,
                termination_protection=self.stack.termination_protection,
                token=request_token(self.fingerprint),
                disable_rollback=self.options.disable_rollback,
                stack_policy=self.policy,
            )
            try:
                self.gateway.create_stack(request)
            except AlreadyExistsError:
                self._claim_existing()
            return Outcome.CREATED, self._wait(None)
        since = self.gateway.latest_event_id(self.stack.name)
        self.reporter.started(self.stack.id, "updating")
        updated = self.gateway.update_stack(
            update_stack_request(
                stack_name=self.stack.name,
                template=template,
                parameters=params,
                tags=tags,
                token=request_token(self.fingerprint),
                disable_rollback=self.options.disable_rollback,
                # CloudFormation drops this policy after the update by itself.
                policy_during_update=ALLOW_ALL if self._lifting() else None,
                rollback=self.rollback,
            )
        )
        final = self._wait(since) if updated else current
        # Set after the update, never with it: the old policy, which names resources the
        # new template removes, guards this update.
        if self.policy:
            self._set_policy(self.policy)
        if not updated:
            self._unchanged_reason = "no updates to perform"
            return Outcome.UNCHANGED, current
        return Outcome.UPDATED, final

    def _claim_existing(self) -> None:
        """CreateStack answered AlreadyExists. When botocore retried a CreateStack whose
        reply was lost, the stack is the one this call created: same fingerprint tag, being
        created or created. Anything else was made by someone else (a concurrent run)."""
        found = self.gateway.describe_stack(self.stack.name)
        creating = (st.S.CREATE_IN_PROGRESS, st.S.CREATE_COMPLETE)
        if (
            found is not None
            and found.status in creating
            and found.tags.get(FINGERPRINT_TAG) == self.fingerprint
        ):
            self.reporter.note(self.stack.id, "CreateStack was received (its reply was lost)")
            return
        status = found.status if found else "gone again"
        raise StackFailedError(
            f"{self.stack.name} was created by someone else meanwhile ({status})",
            "another deploy may be running: wait for it, then check `infragen status`",
            status=found.status if found else "",
        )

    def _wait(self, since: str | None) -> StackInfo:
        final, events = self.gateway.wait_for_stack(
            self.stack.name, since_event=since, on_event=self._on_event
        )
        if final is None:
            raise StackFailedError(
                f"{self.stack.name} disappeared while deploying", status="DELETED"
            )
        if not st.is_succeeded(final.status):
            self.context.states.remember(self.stack.id, final)
            raise StackFailedError(
                f"{final.name} ended in {final.status}",
                status=final.status,
                cause=root_cause(events),
            )
        return final

    def _sync_protection(self, final: StackInfo) -> None:
        """CreateStack sets protection itself; change sets cannot, so set it afterwards."""
        if final.termination_protection != self.stack.termination_protection:
            self.gateway.set_termination_protection(
                self.stack.name, self.stack.termination_protection
            )

    def _on_event(self, event: StackEvent) -> None:
        self.reporter.event(self.stack.id, event)


def _reason(error: InfragenError) -> str:
    return error.message + (f" (hint: {error.hint})" if error.hint else "")
