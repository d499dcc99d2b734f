"""Which IAM actions have no resource-level permissions, so `Resource: "*"` is their only resource.

The list is generated from the IAM data cfn-lint ships (the AWS Service Authorization
Reference) by `scripts/gen_iam_facts.py`, with hand-reviewed corrections, into
`data/iam_actions_without_resource_level.json`. Config validation (`blueprints/helpers/policy.py`)
and rules E9401/E9402 both ask `needs_star_resource`, so a statement that renders also lints.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("data") / "iam_actions_without_resource_level.json"


@cache
def actions_without_resource_level() -> dict[str, frozenset[str]]:
    """Service prefix -> lower-cased action names that accept only `*` (read once, on first use)."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {service: frozenset(names) for service, names in data["actions"].items()}


def needs_star_resource(action: str) -> bool:
    """True when IAM cannot scope the action to a resource, so `*` is the only valid Resource.

    Case-insensitive, as IAM is. A pattern (`ec2:Describe*`) is never: it stands for actions
    some of which may be scoped, so list the ones the workload calls instead.
    """
    service, _, name = action.strip().lower().partition(":")
    if not name or "*" in action or "?" in action:
        return False
    return name in actions_without_resource_level().get(service, frozenset())
