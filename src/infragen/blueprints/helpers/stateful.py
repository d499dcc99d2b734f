"""Stateful resources are kept when a production stack is deleted or the resource replaced."""

from __future__ import annotations

from troposphere import AWSObject

from infragen.facts.stateful import SNAPSHOT_TYPES, STATEFUL_TYPES


def protect(resource: AWSObject, production: bool) -> AWSObject:
    """Retain (or Snapshot) on delete and replace in production; Delete elsewhere.

    Only for `infragen.facts.stateful.STATEFUL_TYPES`: rule E9601 and deploy's stateful-change
    check read the same set, so a type protected here but missing there is a bug, not a choice.
    """
    if resource.resource_type not in STATEFUL_TYPES:
        raise ValueError(
            f"{resource.resource_type} is not in infragen.facts.stateful.STATEFUL_TYPES; add it "
            "there so lint (E9601) and deploy treat it as stateful too"
        )
    if production:
        policy = "Snapshot" if resource.resource_type in SNAPSHOT_TYPES else "Retain"
    else:
        policy = "Snapshot" if resource.resource_type in SNAPSHOT_TYPES else "Delete"
    resource.DeletionPolicy = policy
    resource.UpdateReplacePolicy = policy
    return resource
