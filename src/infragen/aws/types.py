"""What CloudFormation returns, as small immutable values. Pure: no botocore, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# The messages CloudFormation puts on events of resources it stopped because a sibling
# failed; never the root cause. Stack events carry no error code, so text is all there is.
CANCELLED_REASONS = ("Resource creation cancelled", "Resource update cancelled")


@dataclass(frozen=True)
class StackInfo:
    name: str
    stack_id: str
    status: str
    status_reason: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    termination_protection: bool = False
    last_updated: datetime | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> StackInfo:
        return cls(
            name=data["StackName"],
            stack_id=data.get("StackId", data["StackName"]),
            status=data["StackStatus"],
            status_reason=data.get("StackStatusReason", ""),
            outputs={o["OutputKey"]: o.get("OutputValue", "") for o in data.get("Outputs") or []},
            parameters={
                p["ParameterKey"]: p.get("ParameterValue", "") for p in data.get("Parameters") or []
            },
            tags={t["Key"]: t["Value"] for t in data.get("Tags") or []},
            termination_protection=bool(data.get("EnableTerminationProtection", False)),
            last_updated=data.get("LastUpdatedTime") or data.get("CreationTime"),
        )


@dataclass(frozen=True)
class StackEvent:
    event_id: str
    timestamp: datetime
    logical_id: str
    resource_type: str
    status: str
    reason: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> StackEvent:
        return cls(
            event_id=data["EventId"],
            timestamp=data["Timestamp"],
            logical_id=data.get("LogicalResourceId", ""),
            resource_type=data.get("ResourceType", ""),
            status=data.get("ResourceStatus", ""),
            reason=data.get("ResourceStatusReason", "") or "",
        )

    @property
    def is_failure(self) -> bool:
        cancelled = any(text in self.reason for text in CANCELLED_REASONS)
        return self.status.endswith("_FAILED") and not cancelled


@dataclass(frozen=True)
class Change:
    """One resource change of a change set."""

    action: str  # Add | Modify | Remove | Import | Dynamic
    logical_id: str
    resource_type: str
    replacement: str = ""  # True | False | Conditional | "" (not a Modify)
    physical_id: str = ""
    # The API's whole `Changes[]` entry: with IncludePropertyValues it holds the resource's
    # properties before and after (BeforeContext/AfterContext), which `plan` shows.
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Change:
        rc = data.get("ResourceChange", {})
        return cls(
            action=rc.get("Action", ""),
            logical_id=rc.get("LogicalResourceId", ""),
            resource_type=rc.get("ResourceType", ""),
            replacement=rc.get("Replacement", "") or "",
            physical_id=rc.get("PhysicalResourceId", "") or "",
            raw=data,
        )

    @property
    def replaces(self) -> bool:
        """Conditional replacement is treated as replacement: it may happen."""
        return self.action == "Modify" and self.replacement in ("True", "Conditional")


@dataclass(frozen=True)
class ChangeSet:
    name: str
    stack_name: str
    change_set_id: str
    status: str
    changes: list[Change]
    status_reason: str = ""
    empty: bool = False  # "no changes": not an error


@dataclass(frozen=True)
class DriftResult:
    stack_name: str
    status: str  # DRIFTED | IN_SYNC | UNKNOWN | NOT_CHECKED
    drifted_resources: list[tuple[str, str, str]]  # (logical id, type, drift status)

    @property
    def drifted(self) -> bool:
        return self.status == "DRIFTED"


def root_cause(events: list[StackEvent]) -> StackEvent | None:
    """The first failure in time order that is not a cancellation caused by another one."""
    for event in sorted(events, key=lambda e: e.timestamp):
        if event.is_failure and event.logical_id:
            return event
    return None
