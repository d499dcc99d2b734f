"""`infragen diff` beyond the template (Parameters, tags, termination protection) and
`infragen drift` down to each drifted property (issue 16).

diff runs on the emulator, with changes made outside infragen by a plain boto3 client.
Drift runs on both: a Stubber-backed gateway pins the real API shapes (pages, secrets,
DELETED), and the emulator (which detects drift for log groups, queues and topics) checks
the same command end to end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infragen.aws.types import PropertyDrift
from infragen.deploy.deployed import setting_changes
from infragen.deploy.drift import is_secret
from infragen.deploy.manifest import load_manifest

from .conftest import ONE_LOG_STORE, Project
from .stubs import T0, stack, stack_id, stubbed_gateway

MakeProject = Callable[..., Project]

DIFF_CONFIG = """
project: t
region: us-east-1
tags: {Owner: tests}
apps:
  beta:
    stacks:
      topic:
        blueprint: deploy.blueprints:Topic
        vars: {label: one}
      queue:
        blueprint: deploy.blueprints:Queue
        vars: {topic_arn: !stack_output beta/topic::TopicArn}
      signed:
        blueprint: deploy.blueprints:SecretTopic
        vars: {signing_secret: !env SIGNING_SECRET}
"""
OTHER_TOPIC = "arn:aws:sns:us-east-1:123456789012:someone-elses"


def update_outside_infragen(cfn: Any, name: str, *, parameters: dict[str, str], tags: dict) -> None:
    """What a console user does: same template, other Parameters and tags."""
    cfn.update_stack(
        StackName=name,
        UsePreviousTemplate=True,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )


def test_diff_shows_parameters_and_tags_changed_outside_infragen(
    aws: str, cfn: Any, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNING_SECRET", "first-value-0f3a")
    project = make_project(DIFF_CONFIG)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    assert project.cli("diff", "--env", "dev").exit_code == 0

    queue = cfn.describe_stacks(StackName="t-dev-beta-queue")["Stacks"][0]
    tags = {t["Key"]: t["Value"] for t in queue["Tags"]}
    update_outside_infragen(
        cfn,
        "t-dev-beta-queue",
        parameters={"TopicArn": OTHER_TOPIC},
        tags={**tags, "Owner": "ops", "CostCentre": "42"},
    )
    monkeypatch.setenv("SIGNING_SECRET", "second-value-9b1c")  # rotated since the deploy

    result = project.cli("diff", "--env", "dev")
    assert result.exit_code == 1
    topic_arn = cfn.describe_stacks(StackName="t-dev-beta-topic")["Stacks"][0]["Outputs"][0][
        "OutputValue"
    ]
    # beta/signed is not listed: the emulator answers **** for its NoEcho value, as
    # CloudFormation does, so a rotated secret is nothing to compare (see
    # test_termination_protection_and_a_masked_noecho_value).
    assert result.output.splitlines() == [
        "--- beta/queue",
        f"  parameter TopicArn: {OTHER_TOPIC!r} -> {topic_arn!r}",
        "  tag CostCentre: removed (was '42')",
        "  tag Owner: 'ops' -> 'tests'",
        "1 of 3 stack(s) differ from what is deployed",
    ]
    assert "value" not in result.output


def test_diff_shows_termination_protection_changed_outside_infragen(
    aws: str, cfn: Any, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNING_SECRET", "first-value-0f3a")
    project = make_project(DIFF_CONFIG)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    cfn.update_termination_protection(
        StackName="t-dev-beta-topic", EnableTerminationProtection=True
    )
    result = project.cli("diff", "--env", "dev")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "--- beta/topic",
        "  termination protection: on -> off",
        "1 of 3 stack(s) differ from what is deployed",
    ]


def manifest_stack(tmp_path: Path, **changes: Any) -> Any:
    from dataclasses import replace

    Project(tmp_path).write(DIFF_CONFIG).render()
    stack = load_manifest(tmp_path / "templates_out", "dev").stacks["beta/signed"]
    return replace(stack, **changes)


def deployed(stack: Any, *, parameters: dict[str, str], protected: bool) -> Any:
    from infragen.aws.types import StackInfo

    return StackInfo(
        name=stack.name,
        stack_id=stack.name,
        status="UPDATE_COMPLETE",
        parameters=parameters,
        tags=dict(stack.tags),
        termination_protection=protected,
    )


def test_termination_protection_and_a_masked_noecho_value(tmp_path: Path) -> None:
    stack = manifest_stack(tmp_path, termination_protection=True)
    # CloudFormation answers **** for a NoEcho value: nothing to compare, not a difference.
    info = deployed(stack, parameters={"SigningSecret": "****"}, protected=False)
    changes = setting_changes(stack, info, {"SigningSecret": "new"})
    assert [c.describe() for c in changes] == ["termination protection: off -> on"]

    # A NoEcho parameter the deployed stack does not have yet: added, value not shown.
    info = deployed(stack, parameters={}, protected=True)
    changes = setting_changes(stack, info, {"SigningSecret": "new"})
    assert [c.describe() for c in changes] == ["parameter SigningSecret: added (NoEcho)"]


# ---------------------------------------------------------------- drift, per property

LOGS = "t-dev-data-logs"


def drifts(*resources: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "StackId": stack_id(LOGS),
            "Timestamp": T0,
            "StackResourceDriftStatus": "MODIFIED",
            "ResourceType": "AWS::Logs::LogGroup",
            **resource,
        }
        for resource in resources
    ]


def difference(path: str, expected: str, actual: str, kind: str = "NOT_EQUAL") -> dict[str, str]:
    return {
        "PropertyPath": path,
        "ExpectedValue": expected,
        "ActualValue": actual,
        "DifferenceType": kind,
    }


def expect_drift(stubber: Any, pages: list[list[dict[str, Any]]]) -> None:
    """DescribeStacks, DetectStackDrift, one status poll (DRIFTED), then the drift pages."""
    stubber.add_response("describe_stacks", stack(LOGS, "UPDATE_COMPLETE"), {"StackName": LOGS})
    stubber.add_response(
        "detect_stack_drift", {"StackDriftDetectionId": "d1"}, {"StackName": stack_id(LOGS)}
    )
    stubber.add_response(
        "describe_stack_drift_detection_status",
        {
            "StackId": stack_id(LOGS),
            "StackDriftDetectionId": "d1",
            "DetectionStatus": "DETECTION_COMPLETE",
            "StackDriftStatus": "DRIFTED",
            "Timestamp": T0,
        },
        {"StackDriftDetectionId": "d1"},
    )
    for index, page in enumerate(pages):
        request: dict[str, Any] = {
            "StackName": stack_id(LOGS),
            "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"],
        }
        if index:
            request["NextToken"] = f"page{index}"
        response: dict[str, Any] = {"StackResourceDrifts": page}
        if index < len(pages) - 1:
            response["NextToken"] = f"page{index + 1}"
        stubber.add_response("describe_stack_resource_drifts", response, request)


@pytest.fixture
def drift_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Project, Any]:
    """A one-stack project whose gateway is Stubber-backed (one stack: calls in order)."""
    from infragen.deploy import context

    project = Project(tmp_path).write(ONE_LOG_STORE).render()
    gateway, stubber = stubbed_gateway()
    monkeypatch.setattr(context, "connect", lambda *_args, **_kwargs: gateway)
    return project, stubber


PAGES = [
    drifts(
        {
            "LogicalResourceId": "LogGroup",
            "PhysicalResourceId": "/t/dev/data",
            "PropertyDifferences": [
                difference("/RetentionInDays", "7", "14"),
                difference("/Tags/0/Value", "tests", "ops"),
            ],
        }
    ),
    drifts(
        {
            "LogicalResourceId": "Function",
            "ResourceType": "AWS::Lambda::Function",
            "PhysicalResourceId": "fn",
            "PropertyDifferences": [
                difference("/Environment/Variables/DB_PASSWORD", "hunter2-old", "hunter2-new"),
                difference("/Environment/Variables/LOG_LEVEL", "info", "debug"),
            ],
        },
        {
            "LogicalResourceId": "Queue",
            "ResourceType": "AWS::SQS::Queue",
            "StackResourceDriftStatus": "DELETED",
        },
    ),
]


def test_drift_shows_each_property_expected_and_actual_secrets_masked(drift_project) -> None:
    project, stubber = drift_project
    expect_drift(stubber, PAGES)
    result = project.cli("drift", "--env", "dev")
    stubber.assert_no_pending_responses()
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "data/logs: DRIFTED",
        "    MODIFIED  LogGroup (AWS::Logs::LogGroup)",
        "        /RetentionInDays: expected 7, actual 14 (NOT_EQUAL)",
        "        /Tags/0/Value: expected tests, actual ops (NOT_EQUAL)",
        "    MODIFIED  Function (AWS::Lambda::Function)",
        "        /Environment/Variables/DB_PASSWORD: expected (masked), actual (masked)"
        " (NOT_EQUAL)",
        "        /Environment/Variables/LOG_LEVEL: expected info, actual debug (NOT_EQUAL)",
        "    DELETED   Queue (AWS::SQS::Queue)",
    ]
    assert "hunter2" not in result.output


def test_drift_as_json(drift_project) -> None:
    project, stubber = drift_project
    expect_drift(stubber, PAGES)
    result = project.cli("drift", "--env", "dev", "--format", "json")
    assert result.exit_code == 1
    [row] = json.loads(result.output)
    assert (row["stack"], row["name"], row["status"], row["error"]) == (
        "data/logs",
        LOGS,
        "DRIFTED",
        "",
    )
    log_group, function, queue = row["resources"]
    assert log_group == {
        "logical_id": "LogGroup",
        "type": "AWS::Logs::LogGroup",
        "status": "MODIFIED",
        "physical_id": "/t/dev/data",
        "properties": [
            {
                "path": "/RetentionInDays",
                "expected": "7",
                "actual": "14",
                "difference": "NOT_EQUAL",
            },
            {
                "path": "/Tags/0/Value",
                "expected": "tests",
                "actual": "ops",
                "difference": "NOT_EQUAL",
            },
        ],
    }
    password = function["properties"][0]
    assert password["expected"] == password["actual"] == "(masked)"
    assert (queue["status"], queue["properties"]) == ("DELETED", [])
    assert "hunter2" not in result.output


def test_drift_in_sync_exits_0(drift_project) -> None:
    project, stubber = drift_project
    stubber.add_response("describe_stacks", stack(LOGS, "UPDATE_COMPLETE"), {"StackName": LOGS})
    stubber.add_response("detect_stack_drift", {"StackDriftDetectionId": "d1"})
    stubber.add_response(
        "describe_stack_drift_detection_status",
        {
            "StackId": stack_id(LOGS),
            "StackDriftDetectionId": "d1",
            "DetectionStatus": "DETECTION_COMPLETE",
            "StackDriftStatus": "IN_SYNC",
            "Timestamp": T0,
        },
    )
    result = project.cli("drift", "--env", "dev", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["status"] == "IN_SYNC"


def test_drift_on_the_emulator_in_sync_then_a_retention_changed_through_logs(
    aws: str, make_project: MakeProject
) -> None:
    """The same user-visible drift, end to end: the emulator detects drift itself."""
    import boto3

    project = make_project(ONE_LOG_STORE)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    in_sync = project.cli("drift", "--env", "dev", "--format", "json")
    assert in_sync.exit_code == 0, in_sync.output
    assert json.loads(in_sync.output)[0]["status"] == "IN_SYNC"

    boto3.client("logs").put_retention_policy(logGroupName="/t/dev/data", retentionInDays=14)
    result = project.cli("drift", "--env", "dev")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "data/logs: DRIFTED",
        "    MODIFIED  LogGroup (AWS::Logs::LogGroup)",
        "        /RetentionInDays: expected 7, actual 14 (NOT_EQUAL)",
    ]


NO_ECHO = {"SigningSecret"}


@pytest.mark.parametrize(
    ("path", "properties", "values"),
    [
        # named like a secret, at any depth
        ("/Environment/Variables/API_TOKEN", {}, ("a", "b")),
        ("/Properties/MasterUserPassword", {}, ("a", "b")),
        # a Name/Value pair whose name is secret-looking
        (
            "/ContainerDefinitions/0/Environment/1/Value",
            {"ContainerDefinitions": [{"Environment": [{}, {"Name": "DB_PASS", "Value": "x"}]}]},
            ("a", "b"),
        ),
        # fed by a NoEcho parameter, directly or through Fn::Sub, or a dynamic reference
        ("/Description", {"Description": {"Ref": "SigningSecret"}}, ("a", "b")),
        ("/Url", {"Url": {"Fn::Sub": "https://x?sig=${SigningSecret}"}}, ("a", "b")),
        ("/Url", {"Url": "{{resolve:secretsmanager:db:SecretString:url}}"}, ("a", "b")),
        # a value that is a secret by its format
        ("/Description", {}, ("plain", "AKIAIOSFODNN7EXAMPLE")),
    ],
)
def test_secret_values_are_masked(path: str, properties: dict, values: tuple[str, str]) -> None:
    drift = PropertyDrift(path, *values, "NOT_EQUAL")
    assert is_secret(drift, properties, NO_ECHO)


@pytest.mark.parametrize(
    ("path", "properties"),
    [
        ("/RetentionInDays", {"RetentionInDays": 7}),
        ("/Tags/0/Value", {"Tags": [{"Key": "Owner", "Value": "tests"}]}),
        ("/Description", {"Description": {"Ref": "NotSecret"}}),
        ("/PasswordLength", {}),  # configures a secret, is not one
    ],
)
def test_plain_values_are_shown(path: str, properties: dict) -> None:
    assert not is_secret(PropertyDrift(path, "7", "14", "NOT_EQUAL"), properties, NO_ECHO)
