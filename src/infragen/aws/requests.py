"""Request kwargs for CloudFormation calls, built by pure functions tests call without AWS."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
# TemplateBody limit of CreateStack/UpdateStack/CreateChangeSet; larger bodies go via S3.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
TEMPLATE_BODY_LIMIT = 51_200


def parameter_list(values: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def template_argument(body: str | None = None, url: str | None = None) -> dict[str, str]:
    if url:
        return {"TemplateURL": url}
    if body is None:
        raise ValueError("a template body or URL is required")
    return {"TemplateBody": body}


def change_set_request(
    *,
    stack_name: str,
    change_set_name: str,
    change_set_type: str,
    template: Mapping[str, str],
    parameters: Mapping[str, str],
    tags: Mapping[str, str],
    description: str = "",
    token: str = "",
    rollback: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "StackName": stack_name,
        "ChangeSetName": change_set_name,
        "ChangeSetType": change_set_type,
        "Parameters": parameter_list(parameters),
        "Capabilities": list(CAPABILITIES),
        "Tags": tag_list(tags),
        **template,
    }
    if description:
        request["Description"] = description
    if token:
        request["ClientToken"] = token
    if rollback is not None:
        request["RollbackConfiguration"] = dict(rollback)
    return request


def create_stack_request(
    *,
    stack_name: str,
    template: Mapping[str, str],
    parameters: Mapping[str, str],
    tags: Mapping[str, str],
    termination_protection: bool,
    token: str = "",
    disable_rollback: bool = False,
    stack_policy: str | None = None,
) -> dict[str, Any]:
    return {
        "StackName": stack_name,
        "Parameters": parameter_list(parameters),
        "Capabilities": list(CAPABILITIES),
        "Tags": tag_list(tags),
        "EnableTerminationProtection": termination_protection,
        **({"StackPolicyBody": stack_policy} if stack_policy else {}),
        # Keep a failed first create inspectable; the next deploy needs --replace-failed.
        # DO_NOTHING (--disable-rollback) also keeps the resources that did get created.
        "OnFailure": "DO_NOTHING" if disable_rollback else "ROLLBACK",
        **template,
        **_token(token),
    }


def update_stack_request(
    *,
    stack_name: str,
    template: Mapping[str, str],
    parameters: Mapping[str, str],
    tags: Mapping[str, str],
    token: str = "",
    disable_rollback: bool = False,
    policy_during_update: str | None = None,
    rollback: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`policy_during_update` overrides the stack's policy for this update only."""
    return {
        "StackName": stack_name,
        "Parameters": parameter_list(parameters),
        "Capabilities": list(CAPABILITIES),
        "Tags": tag_list(tags),
        **template,
        **_token(token),
        **({"DisableRollback": True} if disable_rollback else {}),
        **({"StackPolicyDuringUpdateBody": policy_during_update} if policy_during_update else {}),
        **({"RollbackConfiguration": dict(rollback)} if rollback is not None else {}),
    }


#: CloudFormation takes at most five rollback triggers per stack.
MAX_ROLLBACK_TRIGGERS = 5


def rollback_configuration(alarm_arns: list[str], minutes: int) -> dict[str, Any]:
    """Rollback triggers for an update. An empty list is sent too: it clears the triggers
    of alarms the template no longer has (leaving the key out would keep them)."""
    triggers = [{"Arn": arn, "Type": "AWS::CloudWatch::Alarm"} for arn in alarm_arns]
    if not triggers:
        return {"RollbackTriggers": []}
    return {"RollbackTriggers": triggers, "MonitoringTimeInMinutes": minutes}


def request_token(fingerprint: str) -> str:
    """A ClientRequestToken for one mutating call: botocore resends the same request on a
    retry, so CloudFormation can tell a retry of a call it already received (its reply
    lost) from a second caller. Up to 128 of [a-zA-Z0-9-].
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
    """
    import uuid

    return f"infragen-{fingerprint[:12]}-{uuid.uuid4().hex}"


def _token(token: str) -> dict[str, str]:
    return {"ClientRequestToken": token} if token else {}


def template_key(project: str, env: str, stack_id: str, sha256: str) -> str:
    """Content-addressed, so re-uploading the same template is harmless."""
    return f"infragen/{project}/{env}/{stack_id}-{sha256[:16]}.yaml"


def template_url(bucket: str, key: str, region: str) -> str:
    """The S3 URL CloudFormation fetches the template from. It is read by the CloudFormation
    service, not by us, so it stays the AWS form even with --endpoint-url: an emulator's
    CloudFormation resolves it against the same emulator's S3 (moto does)."""
    return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"


def backoff_delays(first: float, cap: float, factor: float = 2.0) -> Iterator[float]:
    """first, first*factor, ... capped at `cap`, forever."""
    delay = first
    while True:
        yield min(delay, cap)
        delay = min(delay * factor, cap)


# ---------------------------------------------------------------- StackSets


def operation_preferences(
    *,
    max_concurrent: int | str | None = None,
    failure_tolerance: int | str | None = None,
    region_order: Sequence[str] = (),
    region_concurrency: str | None = None,
) -> dict[str, Any]:
    """OperationPreferences: a count (3) or a percentage ("25%") each, as config gives them.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html
    """
    preferences: dict[str, Any] = {}
    for value, key in ((max_concurrent, "MaxConcurrent"), (failure_tolerance, "FailureTolerance")):
        if isinstance(value, str):
            preferences[f"{key}Percentage"] = int(value.rstrip("%"))
        elif value is not None:
            preferences[f"{key}Count"] = value
    if region_order:
        preferences["RegionOrder"] = list(region_order)
    if region_concurrency:
        preferences["RegionConcurrencyType"] = region_concurrency
    return preferences


def stack_set_request(
    *,
    name: str,
    template: Mapping[str, str],
    parameters: Mapping[str, str],
    tags: Mapping[str, str],
    permission_model: str,
    administration_role_arn: str | None = None,
    execution_role_name: str | None = None,
    description: str = "",
) -> dict[str, Any]:
    """CreateStackSet's kwargs; UpdateStackSet takes the same plus an operation's."""
    request: dict[str, Any] = {
        "StackSetName": name,
        "Parameters": parameter_list(parameters),
        "Capabilities": list(CAPABILITIES),
        "Tags": tag_list(tags),
        "PermissionModel": permission_model,
        **template,
    }
    if description:
        request["Description"] = description
    if permission_model == "SERVICE_MANAGED":
        # An account that joins a target OU later gets its instance without a deploy, and
        # one that leaves loses it: "every account of the organisation" stays true.
        request["AutoDeployment"] = {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    if administration_role_arn:
        request["AdministrationRoleARN"] = administration_role_arn
    if execution_role_name:
        request["ExecutionRoleName"] = execution_role_name
    return request


def stack_set_targets(
    *, accounts: Sequence[str] = (), organizational_units: Sequence[str] = ()
) -> dict[str, Any]:
    """Accounts (SELF_MANAGED) or DeploymentTargets of OUs (SERVICE_MANAGED)."""
    if organizational_units:
        return {"DeploymentTargets": {"OrganizationalUnitIds": list(organizational_units)}}
    return {"Accounts": list(accounts)}


def stack_instances_request(
    *,
    name: str,
    targets: Mapping[str, Any],
    regions: Sequence[str],
    preferences: Mapping[str, Any],
    operation_id: str,
) -> dict[str, Any]:
    """CreateStackInstances' (and, with RetainStacks, DeleteStackInstances') kwargs.
    OperationId makes a retried call the same operation, not a second one."""
    request: dict[str, Any] = {
        "StackSetName": name,
        **targets,
        "Regions": list(regions),
        "OperationId": operation_id,
    }
    if preferences:
        request["OperationPreferences"] = dict(preferences)
    return request
