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
    # AVAILABLE until executed; OBSOLETE once the stack was updated by other means.
    execution_status: str = ""


@dataclass(frozen=True)
class PropertyDrift:
    """One property of a drifted resource (a `PropertyDifferences` entry). The values are the
    API's strings (JSON for lists and objects), unmasked: callers decide what to show."""

    path: str  # PropertyPath, e.g. /RetentionInDays or /SecurityGroupIngress/0/CidrIp
    expected: str
    actual: str
    kind: str  # ADD | REMOVE | NOT_EQUAL

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PropertyDrift:
        return cls(
            path=data.get("PropertyPath", ""),
            expected=data.get("ExpectedValue", ""),
            actual=data.get("ActualValue", ""),
            kind=data.get("DifferenceType", ""),
        )


@dataclass(frozen=True)
class ResourceDrift:
    """A resource that drifted (a `StackResourceDrifts` entry)."""

    logical_id: str
    resource_type: str
    status: str  # MODIFIED | DELETED
    physical_id: str = ""
    properties: tuple[PropertyDrift, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ResourceDrift:
        return cls(
            logical_id=data["LogicalResourceId"],
            resource_type=data["ResourceType"],
            status=data["StackResourceDriftStatus"],
            physical_id=data.get("PhysicalResourceId", "") or "",
            properties=tuple(
                PropertyDrift.from_api(d) for d in data.get("PropertyDifferences") or []
            ),
        )


@dataclass(frozen=True)
class DriftResult:
    stack_name: str
    status: str  # DRIFTED | IN_SYNC | UNKNOWN | NOT_CHECKED
    drifted_resources: list[ResourceDrift]

    @property
    def drifted(self) -> bool:
        return self.status == "DRIFTED"


def root_cause(events: list[StackEvent]) -> StackEvent | None:
    """The first failure in time order that is not a cancellation caused by another one."""
    for event in sorted(events, key=lambda e: e.timestamp):
        if event.is_failure and event.logical_id:
            return event
    return None


@dataclass(frozen=True)
class StackSetInfo:
    """A StackSet as DescribeStackSet returns it (in its administrator account and region)."""

    name: str
    stack_set_id: str
    status: str  # ACTIVE | DELETED
    template_body: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    permission_model: str = "SELF_MANAGED"
    administration_role_arn: str = ""
    execution_role_name: str = ""
    drift_status: str = "NOT_CHECKED"  # DRIFTED | IN_SYNC | NOT_CHECKED

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> StackSetInfo:
        drift = data.get("StackSetDriftDetectionDetails") or {}
        return cls(
            name=data["StackSetName"],
            stack_set_id=data.get("StackSetId", data["StackSetName"]),
            status=data.get("Status", ""),
            template_body=data.get("TemplateBody", "") or "",
            parameters={
                p["ParameterKey"]: p.get("ParameterValue", "") for p in data.get("Parameters") or []
            },
            tags={t["Key"]: t["Value"] for t in data.get("Tags") or []},
            permission_model=data.get("PermissionModel") or "SELF_MANAGED",
            administration_role_arn=data.get("AdministrationRoleARN", "") or "",
            execution_role_name=data.get("ExecutionRoleName", "") or "",
            drift_status=drift.get("DriftStatus", "NOT_CHECKED"),
        )


@dataclass(frozen=True)
class StackInstance:
    """One instance of a StackSet: its stack in one account and region
    (ListStackInstances' summary)."""

    account: str
    region: str
    status: str  # CURRENT | OUTDATED | INOPERABLE
    detailed_status: str = ""  # SUCCEEDED | FAILED | CANCELLED | PENDING | RUNNING | ...
    reason: str = ""
    organizational_unit: str = ""
    drift_status: str = "NOT_CHECKED"  # DRIFTED | IN_SYNC | UNKNOWN | NOT_CHECKED

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> StackInstance:
        return cls(
            account=data["Account"],
            region=data["Region"],
            status=data.get("Status", ""),
            detailed_status=(data.get("StackInstanceStatus") or {}).get("DetailedStatus", ""),
            reason=data.get("StatusReason", "") or "",
            organizational_unit=data.get("OrganizationalUnitId", "") or "",
            drift_status=data.get("DriftStatus") or "NOT_CHECKED",
        )

    @property
    def where(self) -> str:
        return f"{self.account}/{self.region}"


@dataclass(frozen=True)
class InstanceResult:
    """What one StackSet operation did in one account and region
    (ListStackSetOperationResults)."""

    account: str
    region: str
    status: str  # PENDING | RUNNING | SUCCEEDED | FAILED | CANCELLED
    reason: str = ""
    organizational_unit: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> InstanceResult:
        return cls(
            account=data.get("Account", ""),
            region=data.get("Region", ""),
            status=data.get("Status", ""),
            reason=data.get("StatusReason", "") or "",
            organizational_unit=data.get("OrganizationalUnitId", "") or "",
        )

    @property
    def failed(self) -> bool:
        return self.status in ("FAILED", "CANCELLED")


@dataclass(frozen=True)
class StackSetOperation:
    """A finished StackSet operation and what it did in each account and region."""

    operation_id: str
    action: str  # CREATE | UPDATE | DELETE | DETECT_DRIFT
    status: str  # SUCCEEDED | FAILED | STOPPED
    status_reason: str = ""
    results: list[InstanceResult] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        """SUCCEEDED with every instance succeeded: within the failure tolerance an operation
        still SUCCEEDS, with failed instances in its results."""
        return self.status == "SUCCEEDED" and not self.failed

    @property
    def failed(self) -> list[InstanceResult]:
        return [r for r in self.results if r.failed]
