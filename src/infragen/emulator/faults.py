"""Faults a test can inject into the running emulator (in this process only), to reach
stack states moto cannot produce by itself, and the CloudFormation API that gets out of
them.

`fail_next_update(stack, resource)` makes the next update of that stack fail on that
resource and (unless told otherwise) its rollback fail too, leaving the stack
UPDATE_ROLLBACK_FAILED with the events AWS writes; `ContinueUpdateRollback` (with
`ResourcesToSkip`) then rolls it back to UPDATE_ROLLBACK_COMPLETE. Tests reach it through
`Emulator.fail_next_update`; nothing in the product does. The emulator's reset forgets
pending faults (`clear`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infragen.emulator.fixes import _find_change_set, _patch

FAILED = "UPDATE_ROLLBACK_FAILED"
SKIPPED = "Resource skipped during rollback"


@dataclass(frozen=True)
class UpdateFailure:
    """How the next update of a stack fails: `logical_id` cannot be updated
    (`update_reason`), nor put back (`rollback_reason`) unless `rollback_fails` is False
    (then the stack rolls back to UPDATE_ROLLBACK_COMPLETE); with `until_skipped`, each
    ContinueUpdateRollback fails again the same way until the resource is skipped."""

    logical_id: str
    update_reason: str = 'Resource handler returned message: "Internal Failure"'
    rollback_reason: str = 'Resource handler returned message: "Internal Failure"'
    rollback_fails: bool = True
    until_skipped: bool = False


_lock = threading.Lock()
_pending: dict[str, UpdateFailure] = {}
# Set on a moto Stack object that a fault left UPDATE_ROLLBACK_FAILED (gone on reset).
_STUCK = "_infragen_update_failure"


def fail_next_update(stack_name: str, failure: UpdateFailure) -> None:
    """The next UpdateStack or executed UPDATE change set of `stack_name` fails."""
    with _lock:
        _pending[stack_name] = failure


def clear() -> None:
    with _lock:
        _pending.clear()


def _take(stack_name: str) -> UpdateFailure | None:
    with _lock:
        return _pending.pop(stack_name, None)


def _resource_event(stack: Any, logical_id: str, status: str, reason: str) -> None:
    from moto.cloudformation.models import Event

    resource = stack.resource_map._parsed_resources.get(logical_id)
    # The resource map's template: during a change set's update, the stack's is the old one.
    template = stack.resource_map._resource_json_map.get(logical_id, {})
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=str(getattr(resource, "physical_resource_id", "") or ""),
            resource_type=template.get("Type", ""),
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def _fail_update(stack: Any, failure: UpdateFailure) -> None:
    """AWS's events for a failed update and its rollback; the stack keeps its template,
    parameters and resources (what the rollback got back is what it had)."""
    failed = f"The following resource(s) failed to update: [{failure.logical_id}]. "
    stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    _resource_event(stack, failure.logical_id, "UPDATE_FAILED", failure.update_reason)
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=failed)
    if not failure.rollback_fails:
        _resource_event(stack, failure.logical_id, "UPDATE_COMPLETE", "")
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
        stack.status = "UPDATE_ROLLBACK_COMPLETE"
        return
    _resource_event(stack, failure.logical_id, "UPDATE_FAILED", failure.rollback_reason)
    stack._add_stack_event(FAILED, resource_status_reason=failed)
    stack.status = FAILED
    setattr(stack, _STUCK, failure)


def update_rollback_failed_is_reachable() -> None:
    """A pending `fail_next_update` fault makes the stack's next update end in
    UPDATE_ROLLBACK_FAILED, which then refuses updates.

    AWS: an update whose rollback also fails leaves the stack UPDATE_ROLLBACK_FAILED;
    UpdateStack and CreateChangeSet then fail with "Stack:<arn> is in
    UPDATE_ROLLBACK_FAILED state and can not be updated." until ContinueUpdateRollback.
    moto: has no failed updates nor rollbacks (an update either works or raises HTTP
    500), so this state cannot be reached, and moto would update such a stack anyway.
    """
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend

    marker = f"_infragen_{update_rollback_failed_is_reachable.__name__}"

    def refuse_if_stuck(stack: Any) -> None:
        if stack.status == FAILED:
            raise ValidationError(
                message=f"Stack:{stack.stack_id} is in {FAILED} state and can not be updated."
            )

    def update_or_fail(stack: Any, update: Callable[[], None]) -> bool:
        refuse_if_stuck(stack)
        failure = _take(stack.name)
        if failure is None:
            update()
            return True
        _fail_update(stack, failure)
        return False

    def make_create_change_set(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def create_change_set(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> Any:
            if kwargs.get("change_set_type") == "UPDATE":
                for stack in list(self.stacks.values()):
                    if stack.name == kwargs.get("stack_name"):
                        refuse_if_stuck(stack)
            return original(self, *args, **kwargs)

        return create_change_set

    patch_stack_updates(marker, update_or_fail)
    _patch(CloudFormationBackend, "create_change_set", make_create_change_set, marker)


def patch_stack_updates(marker: str, run: Callable[[Any, Callable[[], None]], bool]) -> None:
    """Send every stack update, UpdateStack and the execution of an UPDATE change set alike,
    through `run(stack, update)`: it calls `update` (or not) and says whether the stack took
    it; a change set whose update it did not is EXECUTE_FAILED, as on AWS."""
    from moto.cloudformation.models import CloudFormationBackend, Stack

    def make_update(original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def update(self: Stack, *args: Any, **kwargs: Any) -> None:
            run(self, lambda: original(self, *args, **kwargs))

        return update

    def make_execute(original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def execute_change_set(
            self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
        ) -> None:
            change_set = _find_change_set(self, change_set_name, stack_name)
            if change_set.change_set_type != "UPDATE":
                original(self, change_set_name, stack_name)
                return
            stack = self.stacks[change_set.stack_id]
            if not run(stack, lambda: original(self, change_set_name, stack_name)):
                change_set.execution_status = "EXECUTE_FAILED"

        return execute_change_set

    _patch(Stack, "update", make_update, marker)
    _patch(CloudFormationBackend, "execute_change_set", make_execute, marker)


def continue_update_rollback_is_implemented() -> None:
    """ContinueUpdateRollback takes an UPDATE_ROLLBACK_FAILED stack to
    UPDATE_ROLLBACK_COMPLETE, leaving the ResourcesToSkip as they are.

    AWS: implements it; on a stack in any other state it fails with ValidationError
    "ContinueUpdateRollback cannot be called from current stack status". A resource whose
    rollback still cannot succeed fails it again (UPDATE_ROLLBACK_FAILED) unless skipped.
    moto: does not implement the action (HTTP 500).
    """
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult, EmptyResult

    if "continue_update_rollback" in CloudFormationResponse.__dict__:
        return

    def continue_update_rollback(self: Any) -> ActionResult:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        if stack.status != FAILED:
            raise ValidationError(
                message="ContinueUpdateRollback cannot be called from current stack status"
            )
        skip = set(self._get_param("ResourcesToSkip", []))
        failure: UpdateFailure | None = getattr(stack, _STUCK, None)
        stack._add_stack_event(
            "UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason="User Initiated"
        )
        if failure is not None and failure.until_skipped and failure.logical_id not in skip:
            _resource_event(stack, failure.logical_id, "UPDATE_FAILED", failure.rollback_reason)
            stack._add_stack_event(
                FAILED,
                resource_status_reason="The following resource(s) failed to update: "
                f"[{failure.logical_id}]. ",
            )
            return EmptyResult()
        for logical_id in sorted(skip):
            _resource_event(stack, logical_id, "UPDATE_COMPLETE", SKIPPED)
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
        stack.status = "UPDATE_ROLLBACK_COMPLETE"
        if hasattr(stack, _STUCK):
            delattr(stack, _STUCK)
        return EmptyResult()

    CloudFormationResponse.continue_update_rollback = continue_update_rollback  # type: ignore[attr-defined]
