"""Drift detection for the emulator: DetectStackDrift, DescribeStackDriftDetectionStatus,
DescribeStackResourceDrifts and DetectStackResourceDrift, comparing each resource's
template properties with the live ones its own service's moto backend holds.

Only resource types with a reader in `LIVE_PROPERTIES` are checked (the others are
NOT_CHECKED, as AWS answers for types it cannot check), and only the properties the
template sets: a property changed through the service's API (logs.put_retention_policy,
sqs.set_queue_attributes, sns.set_topic_attributes) is MODIFIED with its expected and
actual value; a resource deleted behind CloudFormation's back is DELETED. Detection is
synchronous: its status is DETECTION_COMPLETE at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

# An attribute on moto's CloudFormationBackend (reset with it): detection id -> status.
_DETECTIONS = "_infragen_drift_detections"
# An attribute on moto's Stack: the resource drifts of its last detection.
_RESOURCE_DRIFTS = "_infragen_resource_drifts"


def _log_group(account: str, region: str, physical_id: str) -> dict[str, Any] | None:
    from moto.logs.models import logs_backends

    group = logs_backends[account][region].groups.get(physical_id)
    if group is None:
        return None
    return {"RetentionInDays": group.retention_in_days, "KmsKeyId": group.kms_key_id}


_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
)


def _queue(account: str, region: str, physical_id: str) -> dict[str, Any] | None:
    from moto.core.utils import camelcase_to_underscores
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[account][region].queues.get(physical_id.rsplit("/", 1)[-1])
    if queue is None:
        return None
    return {a: getattr(queue, camelcase_to_underscores(a), None) for a in _QUEUE_ATTRIBUTES}


def _topic(account: str, region: str, physical_id: str) -> dict[str, Any] | None:
    from moto.sns.models import sns_backends

    topic = sns_backends[account][region].topics.get(physical_id)
    if topic is None:
        return None
    return {"DisplayName": topic.display_name}


# Resource type -> (account, region, physical id) -> live properties, None when deleted.
LIVE_PROPERTIES: dict[str, Callable[[str, str, str], dict[str, Any] | None]] = {
    "AWS::Logs::LogGroup": _log_group,
    "AWS::SQS::Queue": _queue,
    "AWS::SNS::Topic": _topic,
}


def _text(value: Any) -> str:
    """How CloudFormation prints a scalar property value in PropertyDifferences."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _resource_drift(stack: Any, logical_id: str, resource_json: dict[str, Any], now: Any) -> dict:
    from moto.cloudformation.parsing import clean_json

    resource_type = resource_json.get("Type", "")
    resource = stack.resource_map._parsed_resources.get(logical_id)
    physical_id = str(getattr(resource, "physical_resource_id", "") or "")
    expected = clean_json(resource_json.get("Properties") or {}, stack.resource_map)
    drift: dict[str, Any] = {
        "StackId": stack.stack_id,
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": physical_id,
        "ResourceType": resource_type,
        "Timestamp": now,
        "PropertyDifferences": [],
    }
    reader = LIVE_PROPERTIES.get(resource_type)
    if reader is None or resource is None:
        return {**drift, "StackResourceDriftStatus": "NOT_CHECKED"}
    live = reader(stack.account_id, stack.region_name, physical_id)
    drift["ExpectedProperties"] = json.dumps(expected, sort_keys=True, default=str)
    if live is None:
        return {**drift, "StackResourceDriftStatus": "DELETED"}
    actual = dict(expected)
    differences = []
    for name, value in sorted(expected.items()):
        if name not in live or value is None:
            continue
        actual[name] = live[name]
        if live[name] is None:
            kind, shown = "REMOVE", ""
        elif _text(live[name]) != _text(value):
            kind, shown = "NOT_EQUAL", _text(live[name])
        else:
            continue
        differences.append(
            {
                "PropertyPath": f"/{name}",
                "ExpectedValue": _text(value),
                "ActualValue": shown,
                "DifferenceType": kind,
            }
        )
    drift["ActualProperties"] = json.dumps(actual, sort_keys=True, default=str)
    drift["PropertyDifferences"] = differences
    drift["StackResourceDriftStatus"] = "MODIFIED" if differences else "IN_SYNC"
    return drift


def _detect(backend: Any, stack: Any) -> str:
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random

    now = utcnow()
    resources = (stack.template_dict or {}).get("Resources") or {}
    drifts = [_resource_drift(stack, lid, body, now) for lid, body in sorted(resources.items())]
    drifted = sum(1 for d in drifts if d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED"))
    status = "DRIFTED" if drifted else "IN_SYNC"
    setattr(stack, _RESOURCE_DRIFTS, drifts)
    stack.drift_information = {"StackDriftStatus": status, "LastCheckTimestamp": now}
    detection_id = str(mock_random.uuid4())
    detections = backend.__dict__.setdefault(_DETECTIONS, {})
    detections[detection_id] = {
        "StackId": stack.stack_id,
        "StackDriftDetectionId": detection_id,
        "StackDriftStatus": status,
        "DetectionStatus": "DETECTION_COMPLETE",
        "DriftedStackResourceCount": drifted,
        "Timestamp": now,
    }
    return detection_id


def stack_drift_detection_is_implemented() -> None:
    """DetectStackDrift, DescribeStackDriftDetectionStatus, DescribeStackResourceDrifts and
    DetectStackResourceDrift report each resource as IN_SYNC, MODIFIED (with its
    PropertyDifferences) or DELETED.

    AWS: compares every resource's template properties with its live configuration;
    DescribeStacks then carries DriftInformation.
    moto: implements none of the three actions (HTTP 500). Live values are read from the
    moto backend of the resource's own service (`LIVE_PROPERTIES`).
    """
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import Stack
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow

    if "detect_stack_drift" in CloudFormationResponse.__dict__:
        return
    # AWS reports every stack NOT_CHECKED until its first detection.
    Stack.drift_information = {"StackDriftStatus": "NOT_CHECKED"}  # type: ignore[attr-defined]

    def detect_stack_drift(self: Any) -> ActionResult:
        backend = self.cloudformation_backend
        stack = backend.get_stack(self._get_param("StackName"))
        return ActionResult({"StackDriftDetectionId": _detect(backend, stack)})

    def describe_stack_drift_detection_status(self: Any) -> ActionResult:
        detection_id = self._get_param("StackDriftDetectionId")
        detection = self.cloudformation_backend.__dict__.get(_DETECTIONS, {}).get(detection_id)
        if detection is None:
            raise ValidationError(message=f"Drift detection {detection_id} does not exist")
        return ActionResult(dict(detection))

    def detect_stack_resource_drift(self: Any) -> ActionResult:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        logical_id = self._get_param("LogicalResourceId")
        resources = (stack.template_dict or {}).get("Resources") or {}
        if logical_id not in resources:
            raise ValidationError(
                message=f"Resource {logical_id} does not exist for stack {stack.name}"
            )
        drift = _resource_drift(stack, logical_id, resources[logical_id], utcnow())
        return ActionResult({"StackResourceDrift": drift})

    def describe_stack_resource_drifts(self: Any) -> ActionResult:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        wanted = set(self._get_param("StackResourceDriftStatusFilters", []))
        drifts = [
            d
            for d in getattr(stack, _RESOURCE_DRIFTS, [])
            if not wanted or d["StackResourceDriftStatus"] in wanted
        ]
        return ActionResult({"StackResourceDrifts": drifts})

    for action in (
        detect_stack_drift,
        detect_stack_resource_drift,
        describe_stack_drift_detection_status,
        describe_stack_resource_drifts,
    ):
        setattr(CloudFormationResponse, action.__name__, action)
