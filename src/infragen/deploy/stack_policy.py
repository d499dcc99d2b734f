"""Stack policies for production: CloudFormation itself refuses to replace or remove a
stateful resource (`infragen.facts.stateful`), whoever asks, the console included.

A stack policy cannot be removed, only replaced, and while it is in force every update is
checked against it. `--allow-stateful-replace` lifts it for one deploy: a policy for the
duration of the update (StackPolicyDuringUpdateBody for UpdateStack, which CloudFormation
drops afterwards by itself; for a change set, which takes no policy, SetStackPolicy before
the execution and the stack's own policy put back after it, whatever the outcome).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/protect-stack-resources.html
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from infragen.facts.stateful import STATEFUL_TYPES

#: What changes a stack policy can deny; Update:Modify (in place) stays allowed.
DENIED_ACTIONS = ("Update:Replace", "Update:Delete")

_ALLOW_ALL = {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}

#: The policy during an update run with --allow-stateful-replace, and the policy of a stack
#: that no longer has stateful resources (a policy can be replaced, never removed).
ALLOW_ALL = json.dumps({"Statement": [_ALLOW_ALL]}, indent=2)


def stateful_ids(resources: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Logical ids of the stateful resources of a template's `Resources`, sorted."""
    return sorted(lid for lid, res in resources.items() if res.get("Type") in STATEFUL_TYPES)


def policy_body(protected: list[str]) -> str:
    """Every update allowed, except replacing or removing the `protected` resources."""
    deny = {
        "Effect": "Deny",
        "Action": list(DENIED_ACTIONS),
        "Principal": "*",
        "Resource": [f"LogicalResourceId/{lid}" for lid in protected],
    }
    return json.dumps({"Statement": [_ALLOW_ALL, deny]}, indent=2)


def stack_policy(resources: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The production policy of a template's `Resources`; None without a stateful one."""
    protected = stateful_ids(resources)
    return policy_body(protected) if protected else None
