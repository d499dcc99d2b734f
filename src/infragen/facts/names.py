"""The naming rule for projects, envs, apps and stacks, and CloudFormation's stack-name limit.

Stdlib only: `infragen lint --env` checks env names without loading the config model.
"""

from __future__ import annotations

import re

NAME_PATTERN = r"^[a-z][a-z0-9-]{0,30}$"
MAX_NAME_LENGTH = 31
# CloudFormation refuses longer stack names (CreateStack's StackName).
MAX_STACK_NAME_LENGTH = 128

_CHARACTERS = re.compile(r"^[a-z][a-z0-9-]*$")


def name_problem(name: str, what: str) -> str | None:
    """Why `name` cannot name a `what` (project, environment, app, stack), or None.

    The length is reported as the length, not as a character-set complaint.
    """
    if not _CHARACTERS.match(name):
        return (
            f"{what} name {name!r} must be lowercase letters, digits and '-', "
            "starting with a letter"
        )
    if len(name) > MAX_NAME_LENGTH:
        return (
            f"{what} name {name!r} is {len(name)} characters long; at most "
            f"{MAX_NAME_LENGTH} are allowed"
        )
    return None


def stack_name_problem(project: str, env: str, app: str, stack: str) -> str | None:
    """Why the composed `{project}-{env}-{app}-{stack}` cannot be a CloudFormation stack name."""
    parts = (project, env, app, stack)
    total = sum(len(p) for p in parts) + len(parts) - 1
    if total <= MAX_STACK_NAME_LENGTH:
        return None
    arithmetic = " + ".join(str(len(p)) for p in parts) + f" + {len(parts) - 1} dashes"
    return (
        f"the CloudFormation stack name {'-'.join(parts)!r} would be {total} characters "
        f"({arithmetic}); CloudFormation allows at most {MAX_STACK_NAME_LENGTH}"
    )
