"""infragen's patches to moto's CloudFormation API itself (moto 5.2.5): stack lifecycle,
change-set bookkeeping, parameter masking. Resource-type fixes stay in `fixes`.

Same style as `fixes`: one function per AWS behaviour restored, a docstring saying what
AWS does and what moto does instead; `fixes.apply()` runs `FIXES` after its own, since
some of these wrap what those patched (each passes its own marker to `_patch`).
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Callable
from typing import Any

from infragen.emulator import drift, faults
from infragen.emulator.fixes import _FAILED_RESOURCE, _failure_reason, _patch, _roll_back_create

# A change set that can still be executed; the others answer InvalidChangeSetStatus.
_EXECUTABLE = "AVAILABLE"


def _marker(fix: Callable[..., Any]) -> str:
    return f"_infragen_{fix.__name__}"


def _now() -> Any:
    from moto.core.utils import utcnow

    return utcnow()


def a_failed_update_rolls_back() -> None:
    """An update that a resource cannot take rolls the stack back; the call succeeds.

    AWS: UpdateStack and ExecuteChangeSet only start the update; when a resource fails
    (say a log group renamed to a taken name), the stack goes UPDATE_IN_PROGRESS,
    UPDATE_ROLLBACK_IN_PROGRESS, UPDATE_ROLLBACK_COMPLETE, with the resource's
    UPDATE_FAILED event giving the reason, and keeps its previous template, parameters,
    outputs and resources (what the update created is deleted).
    moto: the exception of the resource's create or update answers the API call (HTTP
    500, or the resource's error), and the stack is left half-updated: new template,
    partly changed resources, status unchanged. A failure moto does not attribute to a
    resource (an unresolvable parameter, a removal) keeps moto's answer.
    """
    faults.patch_stack_updates(_marker(a_failed_update_rolls_back), _update_or_roll_back)


def _update_or_roll_back(stack: Any, update: Callable[[], None]) -> bool:
    """Run `update` of `stack`; if a resource failed (moto raised, and the exception names
    the resource), put the stack back as it was, with the events of AWS's failed update
    and rollback (`faults._fail_update`). False when it rolled back."""
    saved = {k: v for k, v in vars(stack).items() if k != "status"}
    resources = stack.resource_map
    # ResourceMap.update changes its dicts in place (resolved parameters, parsed resources).
    saved_map = {k: copy.copy(v) for k, v in vars(resources).items()}
    events = len(stack.events)
    try:
        update()
        return True
    except Exception as exc:
        failed = getattr(exc, _FAILED_RESOURCE, None)
        if failed is None:
            raise
        del stack.events[events:]  # moto's own UPDATE_IN_PROGRESS: _fail_update writes it
        failure = faults.UpdateFailure(
            failed[0], update_reason=_failure_reason(exc), rollback_fails=False
        )
        faults._fail_update(stack, failure)  # before the restore: an added resource's type
        added = set(resources._resource_json_map) - set(saved_map["_parsed_resources"])
        for logical_id in sorted(added):
            resource = resources._parsed_resources.get(logical_id)
            with contextlib.suppress(Exception):  # as a failed create's rollback does
                if resource is not None:
                    resources._delete_resource(resource, resources._resource_json_map[logical_id])
        vars(resources).update(saved_map)
        vars(stack).update(saved)
        return False


def a_failed_create_stack_rolls_back() -> None:
    """CreateStack with a resource that cannot be created rolls the stack back; the call
    succeeds.

    AWS: CreateStack only starts the create; the failing resource gets CREATE_FAILED with
    the reason, the stack ROLLBACK_COMPLETE with no resources, outputs or exports (as a
    CREATE change set's, which `fixes.change_set_execution_sets_outputs` already rolls
    back the same way, `fixes._roll_back_create`).
    moto: the resource's exception answers CreateStack (HTTP 500, or the resource's
    error) and the stack stays CREATE_IN_PROGRESS with its exports registered and Outputs
    naming resources that do not exist, which breaks every DescribeStacks of the region.
    A failure moto does not attribute to a resource keeps moto's answer.
    """
    from moto.cloudformation.models import CloudFormationBackend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def create_stack(self: CloudFormationBackend, name: str, *args: Any, **kw: Any) -> Any:
            try:
                return original(self, name, *args, **kw)
            except Exception as exc:
                stack = next((s for s in list(self.stacks.values()) if s.name == name), None)
                if stack is None or not hasattr(exc, _FAILED_RESOURCE):
                    raise
                for export_name, export in list(self.exports.items()):
                    if export.exporting_stack_id == stack.stack_id:
                        del self.exports[export_name]
                _roll_back_create(stack, exc)
                return stack

        return create_stack

    _patch(CloudFormationBackend, "create_stack", make, _marker(a_failed_create_stack_rolls_back))


def last_updated_time_changes_on_each_update() -> None:
    """DescribeStacks' LastUpdatedTime is the time of the stack's last update.

    AWS: absent after CreateStack or a CREATE change set; set by each UpdateStack and each
    executed UPDATE change set.
    moto: never sets it, so a client comparing it (infragen's plan file does, to refuse a
    plan made before someone else's update) cannot tell a stack was updated.
    """
    from moto.cloudformation.models import CloudFormationBackend, Stack

    marker = _marker(last_updated_time_changes_on_each_update)

    def make_update(original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def update(self: Stack, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            self.last_updated_time = _now()  # type: ignore[attr-defined]

        return update

    def make_execute(original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def execute_change_set(
            self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
        ) -> None:
            original(self, change_set_name, stack_name)
            change_set = _change_set(self, change_set_name, stack_name)
            if change_set.change_set_type == "UPDATE":
                self.stacks[change_set.stack_id].last_updated_time = _now()

        return execute_change_set

    _patch(Stack, "update", make_update, marker)
    _patch(CloudFormationBackend, "execute_change_set", make_execute, marker)


def executed_change_set_makes_the_others_obsolete() -> None:
    """Once a stack is updated, its other change sets are OBSOLETE and cannot be executed.

    AWS: executing a change set (or UpdateStack) leaves the stack's other change sets
    ExecutionStatus OBSOLETE; ExecuteChangeSet on one that is not AVAILABLE fails with
    InvalidChangeSetStatus "ChangeSet [arn] cannot be executed in its current execution
    status of [OBSOLETE]".
    moto: leaves them AVAILABLE and executes any of them, even one already executed,
    silently reverting the stack to an older template.
    """
    from moto.cloudformation.models import CloudFormationBackend

    marker = _marker(executed_change_set_makes_the_others_obsolete)

    def make_execute(original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def execute_change_set(
            self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
        ) -> None:
            change_set = _change_set(self, change_set_name, stack_name)
            if change_set.execution_status != _EXECUTABLE:
                raise _invalid_change_set_status()(change_set)
            original(self, change_set_name, stack_name)
            _obsolete_other_change_sets(self, change_set.stack_id, change_set.change_set_id)

        return execute_change_set

    def make_update(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def update_stack(self: CloudFormationBackend, name: str, *args: Any, **kw: Any) -> Any:
            stack = original(self, name, *args, **kw)
            _obsolete_other_change_sets(self, stack.stack_id, None)
            return stack

        return update_stack

    _patch(CloudFormationBackend, "execute_change_set", make_execute, marker)
    _patch(CloudFormationBackend, "update_stack", make_update, marker)


def _obsolete_other_change_sets(backend: Any, stack_id: str, executed: str | None) -> None:
    for change_set in list(backend.change_sets.values()):  # other threads may add some
        if (
            change_set.stack_id == stack_id
            and change_set.change_set_id != executed
            and change_set.execution_status == _EXECUTABLE
        ):
            change_set.execution_status = "OBSOLETE"


def _change_set(backend: Any, change_set_name: str, stack_name: str | None) -> Any:
    from infragen.emulator.fixes import _find_change_set

    return _find_change_set(backend, change_set_name, stack_name)


@functools.cache
def _invalid_change_set_status() -> type[Exception]:
    """AWS's InvalidChangeSetStatus error (HTTP 400); a class made once moto is imported."""
    from moto.cloudformation.exceptions import CloudFormationError

    class InvalidChangeSetStatusError(CloudFormationError):
        code = "InvalidChangeSetStatus"

        def __init__(self, change_set: Any) -> None:
            super().__init__(
                f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
                f"execution status of [{change_set.execution_status}]"
            )

    return InvalidChangeSetStatusError


def describe_stacks_masks_no_echo_parameters() -> None:
    """DescribeStacks shows a NoEcho parameter's value as `****`.

    AWS: never returns a NoEcho value; DescribeStacks answers `****`.
    moto: means to, but compares the value (not the key) with the NoEcho keys, so the
    secret is shown in clear.
    """
    from moto.cloudformation.models import Stack

    def make(original: Any) -> Any:
        getter = original.fget

        @functools.wraps(getter)
        def parameter_list(self: Any) -> list[dict[str, Any]]:
            listed = getter(self)
            hidden = set(getattr(self.resource_map, "no_echo_parameter_keys", ()))
            for parameter in listed:
                if parameter["ParameterKey"] in hidden:
                    parameter["ParameterValue"] = "****"
            return listed  # type: ignore[no-any-return]

        return property(parameter_list)

    _patch(Stack, "parameter_list", make, _marker(describe_stacks_masks_no_echo_parameters))


def termination_protection_holds() -> None:
    """A stack with termination protection cannot be deleted.

    AWS: DeleteStack on it fails with ValidationError "Stack [name] cannot be deleted
    while TerminationProtection is enabled", and the stack stays.
    moto: records the flag (DescribeStacks reports it) and deletes the stack anyway.
    """
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend

    def make(original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
            stack = self.stacks.get(name_or_stack_id) or next(
                (s for s in list(self.stacks.values()) if s.name == name_or_stack_id), None
            )
            if stack is not None and stack.enable_termination_protection:
                raise ValidationError(
                    message=f"Stack [{stack.name}] cannot be deleted while "
                    "TerminationProtection is enabled"
                )
            original(self, name_or_stack_id)

        return delete_stack

    _patch(CloudFormationBackend, "delete_stack", make, _marker(termination_protection_holds))


def list_change_sets_lists_the_stacks_own() -> None:
    """ListChangeSets lists the change sets of the stack it names.

    AWS: StackName (name or id) is required and only that stack's change sets are listed;
    an unknown stack is a ValidationError.
    moto: ignores StackName and lists every change set of the region.
    """
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def list_change_sets(self: Any) -> ActionResult:
            stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
            listed = self.cloudformation_backend.list_change_sets()
            return ActionResult({"Summaries": [c for c in listed if c.stack_id == stack.stack_id]})

        return list_change_sets

    _patch(
        CloudFormationResponse,
        "list_change_sets",
        make,
        _marker(list_change_sets_lists_the_stacks_own),
    )


def deleted_stacks_have_a_deletion_time() -> None:
    """A deleted stack shows its DeletionTime (ListStacks, DescribeStacks by id).

    AWS: DELETE_COMPLETE stacks carry the time they were deleted.
    moto: has no DeletionTime, so the order of deletes cannot be read from the account.
    """
    from moto.cloudformation.models import Stack

    def make(original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def delete(self: Stack) -> None:
            original(self)
            self.deletion_time = _now()  # type: ignore[attr-defined]

        return delete

    _patch(Stack, "delete", make, _marker(deleted_stacks_have_a_deletion_time))


def cancel_update_stack_is_refused_outside_an_update() -> None:
    """CancelUpdateStack answers as AWS does for a stack that is not being updated.

    AWS: ValidationError "CancelUpdateStack cannot be called from current stack status"
    unless the stack is UPDATE_IN_PROGRESS.
    moto: not implemented (HTTP 500). The emulator updates synchronously, so no stack is
    ever UPDATE_IN_PROGRESS when the call arrives: it is always refused.
    """
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult

    if "cancel_update_stack" in CloudFormationResponse.__dict__:
        return

    def cancel_update_stack(self: Any) -> ActionResult:
        self.cloudformation_backend.get_stack(self._get_param("StackName"))  # must exist
        raise ValidationError(
            message="CancelUpdateStack cannot be called from current stack status"
        )

    CloudFormationResponse.cancel_update_stack = cancel_update_stack  # type: ignore[attr-defined]


# The fault's wrappers go innermost: a failed update still moves LastUpdatedTime and makes
# the stack's other change sets OBSOLETE, as on AWS.
def a_missing_ssm_parameter_is_a_validation_error() -> None:
    """A Parameter of type `AWS::SSM::Parameter::Value<...>` naming no SSM parameter.

    AWS: CreateStack/CreateChangeSet fail with ValidationError "Parameters: [<path>] cannot
    be found.", naming the path.
    moto: reads `.value` of the None it found and fails the resource with "AttributeError:
    'NoneType' object has no attribute 'value'", which tells the user nothing.
    """
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.parsing import ResourceMap
    from moto.ssm import ssm_backends

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def parse_ssm_parameter(self: Any, value: str, value_type: str) -> Any:
            backend = ssm_backends[self._account_id][self._region_name]
            if backend.get_parameter(value) is None:
                raise ValidationError(message=f"Parameters: [{value}] cannot be found.")
            return original(self, value, value_type)

        return parse_ssm_parameter

    _patch(
        ResourceMap,
        "parse_ssm_parameter",
        make,
        _marker(a_missing_ssm_parameter_is_a_validation_error),
    )


FIXES: tuple[Callable[[], None], ...] = (
    a_failed_update_rolls_back,
    a_failed_create_stack_rolls_back,
    faults.update_rollback_failed_is_reachable,
    faults.continue_update_rollback_is_implemented,
    last_updated_time_changes_on_each_update,
    executed_change_set_makes_the_others_obsolete,
    describe_stacks_masks_no_echo_parameters,
    termination_protection_holds,
    list_change_sets_lists_the_stacks_own,
    deleted_stacks_have_a_deletion_time,
    cancel_update_stack_is_refused_outside_an_update,
    drift.stack_drift_detection_is_implemented,
    a_missing_ssm_parameter_is_a_validation_error,
)

# Resource types whose drift the emulator reads from their service, for README's table.
FIXED_TYPES: dict[str, tuple[str, ...]] = dict.fromkeys(
    drift.LIVE_PROPERTIES, (drift.stack_drift_detection_is_implemented.__name__,)
)
