"""StackSets: a stack that declares `stackset:` is deployed as a StackSet (in the stack's own
account and region) with one instance per target account, or organisational unit, and
region. CloudFormation fans the template out; infragen decides what changes, starts one
operation at a time (a StackSet runs one), waits, and reports every instance.

Used by deploy, plan, status, drift and delete for the stacks whose manifest entry has a
`stackset`; every call goes through the gateway.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from infragen.aws.gateway import AlreadyExistsError, Gateway
from infragen.aws.requests import (
    operation_preferences,
    stack_instances_request,
    stack_set_request,
    stack_set_targets,
)
from infragen.aws.types import (
    DriftResult,
    ResourceDrift,
    StackInstance,
    StackSetInfo,
    StackSetOperation,
)
from infragen.deploy.context import Context
from infragen.deploy.fingerprint import FINGERPRINT_TAG, stack_fingerprint
from infragen.deploy.hooks import (
    AFTER_DELETE,
    AFTER_DEPLOY,
    BEFORE_DELETE,
    BEFORE_DEPLOY,
    run_hooks,
)
from infragen.deploy.manifest import ManifestStack
from infragen.deploy.params import ParameterError, resolve_parameters
from infragen.deploy.result import Outcome, StackResult
from infragen.deploy.template_source import template_source
from infragen.errors import InfragenError
from infragen.model import StackSetSpec

# (account or OU id, region): the unit instances are added and removed in.
Slot = tuple[str, str]


class StackSetFailedError(InfragenError):
    """An operation on the StackSet failed, in some or all of its accounts and regions."""

    exit_code = 1


# ---------------------------------------------------------------- what should change (pure)


def spec_of(stack: ManifestStack) -> StackSetSpec:
    assert stack.stackset is not None, f"{stack.id} is not a StackSet"
    return stack.stackset


def desired_slots(spec: StackSetSpec) -> set[Slot]:
    targets = spec.targets.organizational_units or spec.targets.accounts
    return {(target, region) for target in targets for region in spec.regions}


def slot_of(instance: StackInstance, spec: StackSetSpec) -> Slot:
    """SERVICE_MANAGED instances are targeted by OU (one instance per account inside it)."""
    if spec.permission_model == "SERVICE_MANAGED":
        return instance.organizational_unit, instance.region
    return instance.account, instance.region


@dataclass(frozen=True)
class InstanceDiff:
    add: list[Slot] = field(default_factory=list)
    remove: list[Slot] = field(default_factory=list)
    outdated: list[StackInstance] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.add or self.remove or self.outdated)


def instance_diff(spec: StackSetSpec, instances: Iterable[StackInstance]) -> InstanceDiff:
    """Instances to add, to remove (targets config no longer names), and the kept ones whose
    last operation did not reach them (OUTDATED/INOPERABLE: an update brings them back)."""
    instances = list(instances)
    current = {slot_of(i, spec) for i in instances}
    desired = desired_slots(spec)
    return InstanceDiff(
        add=sorted(desired - current),
        remove=sorted(current - desired),
        outdated=[i for i in instances if slot_of(i, spec) in desired and i.status != "CURRENT"],
    )


def grouped(slots: Iterable[Slot]) -> list[tuple[list[str], list[str]]]:
    """(targets, regions) pairs whose products are exactly `slots`: CreateStackInstances and
    DeleteStackInstances take every target in every region, so a ragged set needs a call per
    group of regions that share their targets."""
    by_region: dict[str, set[str]] = {}
    for target, region in slots:
        by_region.setdefault(region, set()).add(target)
    groups: dict[tuple[str, ...], list[str]] = {}
    for region, targets in sorted(by_region.items()):
        groups.setdefault(tuple(sorted(targets)), []).append(region)
    return [(list(targets), regions) for targets, regions in groups.items()]


def slot_text(slots: Iterable[Slot]) -> str:
    return ", ".join(f"{target}/{region}" for target, region in slots)


def operation_report(operation: StackSetOperation) -> list[str]:
    """One line per account and region the operation reached."""
    return [
        f"{r.account or r.organizational_unit} {r.region}: {r.status}"
        + (f": {r.reason}" if r.reason else "")
        for r in operation.results
    ]


def failure_reason(operation: StackSetOperation) -> str:
    failed = operation.failed
    head = f"StackSet {operation.action} operation {operation.status}"
    if operation.status_reason:
        head += f" ({operation.status_reason})"
    if not failed:
        return head
    listed = "; ".join(
        f"{r.account or r.organizational_unit}/{r.region} {r.status}"
        + (f": {r.reason}" if r.reason else "")
        for r in failed
    )
    within = (
        " (within the failure tolerance, so the operation went on elsewhere)"
        if operation.status == "SUCCEEDED"
        else ""
    )
    return f"{head}: {len(failed)} of {len(operation.results)} instance(s) failed{within}: {listed}"


# ---------------------------------------------------------------- deploy


@dataclass(frozen=True)
class StackSetDeployOptions:
    force: bool = False  # update the StackSet even when its deployed state matches
    prune: bool = False  # delete instances of targets config no longer names


class StackSetDeploy:
    """Create or update one StackSet, then add (and with prune remove) its instances."""

    def __init__(
        self, context: Context, stack: ManifestStack, options: StackSetDeployOptions
    ) -> None:
        self.context = context
        self.stack = stack
        self.spec = spec_of(stack)
        self.options = options
        self.gateway: Gateway = context.gateway_for(stack)
        self.reporter = context.reporter
        self.started = time.monotonic()
        self.changed = False
        self.preferences = preferences_of(self.spec)
        # The caller's environment plus what before_deploy hooks passed on, as for a stack.
        self.environ: dict[str, str] = dict(context.environ)

    def run(self) -> StackResult:
        self.reporter.started(self.stack.id, "checking StackSet")
        try:
            self.environ.update(run_hooks(self.context, self.stack, BEFORE_DEPLOY, self.environ))
            outcome, reason = self._deploy()
            run_hooks(self.context, self.stack, AFTER_DEPLOY, self.environ)
        except InfragenError as error:
            return self._finish(Outcome.FAILED, _reason(error))
        return self._finish(outcome, reason)

    def _finish(self, outcome: Outcome, reason: str) -> StackResult:
        result = StackResult(
            self.stack.id,
            self.stack.name,
            outcome,
            reason=reason,
            elapsed=time.monotonic() - self.started,
        )
        self.reporter.finished(result)
        return result

    def _deploy(self) -> tuple[Outcome, str]:
        params = resolve_parameters(self.stack, self.context.states, self.environ)
        expected = stack_fingerprint(self.stack, params)
        current = self.gateway.describe_stack_set(self.stack.name)
        created = current is None
        instances = [] if current is None else self.gateway.list_stack_instances(self.stack.name)
        diff = instance_diff(self.spec, instances)
        if current is None:
            self._create(params, expected)
        elif self._needs_update(current, expected, diff):
            self._update(params, expected)
        for targets, regions in grouped(diff.add):
            self._add(targets, regions)
        notes = self._remove(diff.remove)
        if created:
            return Outcome.CREATED, notes
        if self.changed:
            return Outcome.UPDATED, notes
        return Outcome.UNCHANGED, notes or "StackSet and instances match"

    def _needs_update(self, current: StackSetInfo, expected: str, diff: InstanceDiff) -> bool:
        if self.options.force or current.tags.get(FINGERPRINT_TAG) != expected:
            return True
        if current.template_body.strip() != self.stack.body().strip():
            self.reporter.note(self.stack.id, "template changed outside infragen; putting it back")
            return True
        if diff.outdated:
            where = ", ".join(f"{i.where} {i.status}" for i in diff.outdated)
            self.reporter.note(self.stack.id, f"instance(s) not current ({where}); updating")
            return True
        return False

    def _request(self, params: dict[str, str], expected: str) -> dict[str, object]:
        return stack_set_request(
            name=self.stack.name,
            template=template_source(self.context.manifest, self.stack, self.gateway),
            parameters=params,
            tags={**self.stack.tags, FINGERPRINT_TAG: expected},
            permission_model=self.spec.permission_model,
            administration_role_arn=self.spec.administration_role_arn,
            execution_role_name=self.spec.execution_role_name,
            description=f"infragen {self.stack.id}",
        )

    def _create(self, params: dict[str, str], expected: str) -> None:
        self.reporter.started(self.stack.id, "creating StackSet")
        try:
            self.gateway.create_stack_set(self._request(params, expected))
        except AlreadyExistsError:
            # botocore retried a CreateStackSet whose reply was lost: the set is there now.
            self.reporter.note(self.stack.id, "CreateStackSet was received (its reply was lost)")
        self.changed = True

    def _update(self, params: dict[str, str], expected: str) -> None:
        self.reporter.started(self.stack.id, "updating StackSet and its instances")
        request = {
            **self._request(params, expected),
            "OperationId": _operation_id(),
            **({"OperationPreferences": self.preferences} if self.preferences else {}),
        }
        self._run(self.gateway.update_stack_set(request))

    def _add(self, targets: list[str], regions: list[str]) -> None:
        slots = [(t, r) for r in regions for t in targets]
        self.reporter.started(self.stack.id, f"adding instance(s) {slot_text(slots)}")
        self._run(self.gateway.create_stack_instances(self._instances(targets, regions)))

    def _remove(self, slots: list[Slot]) -> str:
        """Instances of targets config dropped go only with --prune; without it they are
        named, as orphan stacks are."""
        if not slots:
            return ""
        if not self.options.prune:
            text = f"instance(s) no longer in config, kept: {slot_text(slots)}"
            text += " (--prune removes them)"
            self.reporter.note(self.stack.id, text)
            return text
        for targets, regions in grouped(slots):
            removing = [(t, r) for r in regions for t in targets]
            self.reporter.started(self.stack.id, f"removing instance(s) {slot_text(removing)}")
            self._run(self.gateway.delete_stack_instances(self._instances(targets, regions)))
        return ""

    def _instances(self, targets: list[str], regions: list[str]) -> dict[str, object]:
        return instances_request(self.stack, self.spec, targets, regions, self.preferences)

    def _run(self, operation_id: str) -> None:
        """Wait for one operation, report each instance; a failed one ends the deploy."""
        operation = self.gateway.wait_for_stack_set_operation(self.stack.name, operation_id)
        for line in operation_report(operation):
            self.reporter.note(self.stack.id, line)
        self.changed = True
        if not operation.succeeded:
            raise StackSetFailedError(
                failure_reason(operation),
                "see each instance's reason above; `infragen status` shows the instances",
                stack=self.stack.id,
            )


def _reason(error: InfragenError) -> str:
    return error.message + (f" (hint: {error.hint})" if error.hint else "")


def preferences_of(spec: StackSetSpec) -> dict[str, object]:
    p = spec.preferences
    return operation_preferences(
        max_concurrent=p.max_concurrent,
        failure_tolerance=p.failure_tolerance,
        region_order=p.region_order,
        region_concurrency=p.region_concurrency,
    )


def instances_request(
    stack: ManifestStack,
    spec: StackSetSpec,
    targets: list[str],
    regions: list[str],
    preferences: dict[str, object],
) -> dict[str, object]:
    managed = spec.permission_model == "SERVICE_MANAGED"
    return stack_instances_request(
        name=stack.name,
        targets=stack_set_targets(
            accounts=() if managed else targets, organizational_units=targets if managed else ()
        ),
        regions=_ordered(regions, spec.preferences.region_order),
        preferences=preferences,
        operation_id=_operation_id(),
    )


def _ordered(regions: list[str], order: list[str]) -> list[str]:
    """The regions of one call in config's region_order first, so a rollout starts where
    config says it should."""
    first = [r for r in order if r in regions]
    return first + sorted(r for r in regions if r not in first)


def _operation_id() -> str:
    """Unique per operation: a retried call with the same id is the same operation."""
    return f"infragen-{uuid.uuid4().hex}"


def deploy_stack_set(
    context: Context, stack: ManifestStack, options: StackSetDeployOptions
) -> StackResult:
    return StackSetDeploy(context, stack, options).run()


# ---------------------------------------------------------------- reads: status, plan, drift


@dataclass(frozen=True)
class StackSetState:
    """What is deployed of one StackSet, compared with the manifest."""

    info: StackSetInfo | None
    instances: list[StackInstance]
    diff: InstanceDiff
    template_changed: bool

    @property
    def up_to_date(self) -> bool:
        return self.info is not None and not self.template_changed and self.diff.empty


def read_state(context: Context, stack: ManifestStack) -> StackSetState:
    """The deployed StackSet and instances; `template_changed` when its fingerprint (template,
    parameters, tags, roles) or its template body differ from what deploy would send."""
    spec = spec_of(stack)
    gateway = context.gateway_for(stack)
    info = gateway.describe_stack_set(stack.name)
    if info is None:
        return StackSetState(None, [], InstanceDiff(add=sorted(desired_slots(spec))), True)
    instances = gateway.list_stack_instances(stack.name)
    params = resolve_parameters(stack, context.states, context.environ)
    changed = info.tags.get(FINGERPRINT_TAG) != stack_fingerprint(stack, params) or (
        info.template_body.strip() != stack.body().strip()
    )
    return StackSetState(info, instances, instance_diff(spec, instances), changed)


def describe_difference(state: StackSetState) -> str:
    """What deploy would do, in one line: for plan and status."""
    parts: list[str] = []
    if state.info is None:
        parts.append("StackSet to create")
    elif state.template_changed:
        parts.append("template or parameters changed: every instance is updated")
    if state.diff.add:
        parts.append(f"instances to add: {slot_text(state.diff.add)}")
    if state.diff.remove:
        parts.append(f"instances to remove with --prune: {slot_text(state.diff.remove)}")
    if state.diff.outdated:
        parts.append(
            "instances not current: "
            + ", ".join(f"{i.where} {i.status} {i.reason}".strip() for i in state.diff.outdated)
        )
    return "; ".join(parts)


def plan_detail(state: StackSetState) -> str:
    """What `plan` says a StackSet deploy would do; a plan file keeps it, and `deploy --plan`
    applies the StackSet only while it still says the same."""
    if state.up_to_date:
        return "StackSet as deployed"
    return f"StackSet: {describe_difference(state)}"


def moved_since_plan(context: Context, stack: ManifestStack, planned: str) -> list[str]:
    """A StackSet has no change set to hold to: what deploy would do now must be what the
    plan said. Unknown while a producer this plan creates is not deployed yet."""
    try:
        now = plan_detail(read_state(context, stack))
    except ParameterError:
        return []
    if now == planned:
        return []
    return [f"the StackSet differs from the plan: planned {planned!r}, now {now!r}"]


def instances_summary(instances: list[StackInstance]) -> str:
    counts: dict[str, int] = {}
    for instance in instances:
        counts[instance.status] = counts.get(instance.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no instances"


def detect_drift(context: Context, stack: ManifestStack) -> DriftResult | None:
    """StackSet drift detection on every instance: the set's status and the drifted
    instances, each as a ResourceDrift named account/region. None: not deployed."""
    spec = spec_of(stack)
    gateway = context.gateway_for(stack)
    if gateway.describe_stack_set(stack.name) is None:
        return None
    operation = gateway.detect_stack_set_drift(stack.name, preferences_of(spec), _operation_id())
    if operation.status != "SUCCEEDED":
        raise StackSetFailedError(failure_reason(operation), stack=stack.id)
    info = gateway.describe_stack_set(stack.name)
    drifted = [
        ResourceDrift(i.where, "StackSet instance", i.drift_status)
        for i in gateway.list_stack_instances(stack.name)
        if i.drift_status not in ("IN_SYNC", "NOT_CHECKED")
    ]
    return DriftResult(stack.name, info.drift_status if info else "UNKNOWN", drifted)


# ---------------------------------------------------------------- delete


def delete_stack_set(context: Context, stack: ManifestStack) -> StackResult:
    """Every instance first (a StackSet with instances cannot be deleted), then the set;
    the stack's delete hooks around them."""
    started = time.monotonic()
    try:
        outcome = _delete(context, stack, context.gateway_for(stack))
    except InfragenError as error:
        result = StackResult(stack.id, stack.name, Outcome.FAILED, reason=_reason(error))
    else:
        reason = "not deployed" if outcome is Outcome.ABSENT else ""
        result = StackResult(stack.id, stack.name, outcome, reason=reason)
    result.elapsed = time.monotonic() - started
    context.reporter.finished(result)
    return result


def _delete(context: Context, stack: ManifestStack, gateway: Gateway) -> Outcome:
    if gateway.describe_stack_set(stack.name) is None:
        return Outcome.ABSENT
    spec = spec_of(stack)
    reporter = context.reporter
    environ = dict(context.environ)
    environ.update(run_hooks(context, stack, BEFORE_DELETE, environ))
    slots = {slot_of(i, spec) for i in gateway.list_stack_instances(stack.name)}
    preferences = preferences_of(spec)
    for targets, regions in grouped(slots):
        reporter.started(stack.id, f"deleting instance(s) {slot_text(sorted(slots))}")
        request = instances_request(stack, spec, targets, regions, preferences)
        operation = gateway.wait_for_stack_set_operation(
            stack.name, gateway.delete_stack_instances(request)
        )
        for line in operation_report(operation):
            reporter.note(stack.id, line)
        if not operation.succeeded:
            raise StackSetFailedError(failure_reason(operation), stack=stack.id)
    reporter.started(stack.id, "deleting StackSet")
    gateway.delete_stack_set(stack.name)
    run_hooks(context, stack, AFTER_DELETE, environ)
    return Outcome.DELETED


def deployed_stack_sets(context: Context, stack_ids: Iterable[str]) -> list[str]:
    """The names of the StackSets among `stack_ids` that exist: what delete would remove."""
    found: list[str] = []
    for sid in stack_ids:
        stack = context.manifest.stacks[sid]
        if stack.stackset is None:
            continue
        if context.gateway_for(stack).describe_stack_set(stack.name) is not None:
            found.append(f"{stack.name} (StackSet and its instances)")
    return found
