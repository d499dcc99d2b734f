"""CloudFormation stack status groups and predicates. Pure: no boto3, no I/O.

Statuses are grouped once here so that no caller reads meaning out of a status string
(e.g. "ends with _COMPLETE" would count ROLLBACK_COMPLETE as success).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html
"""

from __future__ import annotations

from enum import StrEnum


class StackStatus(StrEnum):
    CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
    CREATE_FAILED = "CREATE_FAILED"
    CREATE_COMPLETE = "CREATE_COMPLETE"
    ROLLBACK_IN_PROGRESS = "ROLLBACK_IN_PROGRESS"
    ROLLBACK_FAILED = "ROLLBACK_FAILED"
    ROLLBACK_COMPLETE = "ROLLBACK_COMPLETE"
    DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"
    DELETE_FAILED = "DELETE_FAILED"
    DELETE_COMPLETE = "DELETE_COMPLETE"
    UPDATE_IN_PROGRESS = "UPDATE_IN_PROGRESS"
    UPDATE_COMPLETE_CLEANUP_IN_PROGRESS = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
    UPDATE_COMPLETE = "UPDATE_COMPLETE"
    UPDATE_FAILED = "UPDATE_FAILED"
    UPDATE_ROLLBACK_IN_PROGRESS = "UPDATE_ROLLBACK_IN_PROGRESS"
    UPDATE_ROLLBACK_FAILED = "UPDATE_ROLLBACK_FAILED"
    UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
    UPDATE_ROLLBACK_COMPLETE = "UPDATE_ROLLBACK_COMPLETE"
    REVIEW_IN_PROGRESS = "REVIEW_IN_PROGRESS"
    IMPORT_IN_PROGRESS = "IMPORT_IN_PROGRESS"
    IMPORT_COMPLETE = "IMPORT_COMPLETE"
    IMPORT_ROLLBACK_IN_PROGRESS = "IMPORT_ROLLBACK_IN_PROGRESS"
    IMPORT_ROLLBACK_FAILED = "IMPORT_ROLLBACK_FAILED"
    IMPORT_ROLLBACK_COMPLETE = "IMPORT_ROLLBACK_COMPLETE"


S = StackStatus

# The stack did what was asked and is usable.
SUCCEEDED = frozenset({S.CREATE_COMPLETE, S.UPDATE_COMPLETE, S.IMPORT_COMPLETE})
# Terminal, but the last operation did not happen: never counted as success.
ROLLED_BACK = frozenset(
    {S.ROLLBACK_COMPLETE, S.UPDATE_ROLLBACK_COMPLETE, S.IMPORT_ROLLBACK_COMPLETE}
)
FAILED = frozenset(
    {
        S.CREATE_FAILED,
        S.ROLLBACK_FAILED,
        S.DELETE_FAILED,
        S.UPDATE_FAILED,
        S.UPDATE_ROLLBACK_FAILED,
        S.IMPORT_ROLLBACK_FAILED,
    }
)
# An operation is running; nothing else may start on the stack.
IN_PROGRESS = frozenset(
    {
        S.CREATE_IN_PROGRESS,
        S.ROLLBACK_IN_PROGRESS,
        S.DELETE_IN_PROGRESS,
        S.UPDATE_IN_PROGRESS,
        S.UPDATE_COMPLETE_CLEANUP_IN_PROGRESS,
        S.UPDATE_ROLLBACK_IN_PROGRESS,
        S.UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS,
        S.IMPORT_IN_PROGRESS,
        S.IMPORT_ROLLBACK_IN_PROGRESS,
    }
)
# A stack in these states can take an update (UPDATE_ROLLBACK_COMPLETE keeps the old
# resources, so updating it is how one recovers from a failed update).
UPDATABLE = SUCCEEDED | {S.UPDATE_ROLLBACK_COMPLETE}


def parse(status: str) -> StackStatus | None:
    """The enum member, or None for a status this version does not know."""
    try:
        return StackStatus(status)
    except ValueError:
        return None


def is_in_progress(status: str) -> bool:
    return parse(status) in IN_PROGRESS


def is_succeeded(status: str) -> bool:
    return parse(status) in SUCCEEDED


def is_rolled_back(status: str) -> bool:
    return parse(status) in ROLLED_BACK


def is_updatable(status: str) -> bool:
    return parse(status) in UPDATABLE


def is_deleted(status: str) -> bool:
    return status == S.DELETE_COMPLETE


def is_review(status: str) -> bool:
    """Created by a CREATE change set that never ran: the stack has no resources yet."""
    return status == S.REVIEW_IN_PROGRESS


def is_failed_create(status: str) -> bool:
    """A first create that rolled back: it can only be deleted, never updated."""
    return status in (S.ROLLBACK_COMPLETE, S.ROLLBACK_FAILED, S.CREATE_FAILED)


def next_step(status: str, name: str = "STACK", env: str = "ENV") -> str:
    """The one thing to do about a stack in `status` before (or by) the next deploy; ""
    when the stack is fine. `status`, `deploy` (and `plan`) give this same advice, so a
    suggestion is always one that works, and a command in it runs as pasted (it names
    `--env`). Table in README "When things go wrong"."""
    state = parse(status)
    deploy = f"infragen deploy --env {env}"
    if state in SUCCEEDED:
        return ""
    if state is S.UPDATE_ROLLBACK_COMPLETE:
        return f"the last update rolled back; `{deploy}` tries it again"
    if state is S.REVIEW_IN_PROGRESS:
        return f"a change set that never ran holds the name; `{deploy}` creates the stack"
    if is_failed_create(status):
        return f"the first create failed; `{deploy} --replace-failed` deletes and recreates it"
    if state in IN_PROGRESS:
        return "an operation is running; wait for it to finish, then deploy again"
    if state is S.DELETE_FAILED:
        return (
            "a delete failed; remove what blocked it (the stack's events name it), then "
            f"`infragen delete --env {env}` it again"
        )
    if state is S.UPDATE_ROLLBACK_FAILED:
        return (
            f"the rollback of {name}'s last update failed; `{deploy} --continue-rollback` "
            "continues it and then deploys (`--skip-resources LOGICAL_ID` for a resource that "
            "cannot roll back)"
        )
    if state is S.UPDATE_FAILED:
        return (
            f"an update run with --disable-rollback failed; `{deploy} --disable-rollback` "
            f"tries it again, or `aws cloudformation rollback-stack --stack-name {name}` rolls "
            "it back"
        )
    return "fix it in the CloudFormation console (its events say why), then deploy again"
