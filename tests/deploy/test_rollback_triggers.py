"""Rollback triggers: in production, the alarms a stack's blueprint declares (and the
deployed stack already has) go with each update as its RollbackConfiguration, watched for
`rollback_monitoring_minutes`. Requests checked with botocore's Stubber, and captured from a
real deploy on the emulator (which accepts them but does not watch alarms)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from infragen.aws.gateway import Gateway
from infragen.aws.types import StackInfo
from infragen.deploy.context import Context, Target, open_context
from infragen.deploy.deploy import DeployOptions, deploy_env
from infragen.deploy.progress import PlainReporter
from infragen.deploy.recover import alarm_arns, rollback_triggers

from . import stubs
from .conftest import Project
from .stubs import change_set, event, events, not_found, stack, stack_id, stubbed_gateway

NAME = "t-prod-work-queue"
CONFIG = """
project: t
region: us-east-1
apps:
  work:
    stacks:
      queue:
        blueprint: deploy.blueprints:AlarmedQueue
"""
ALARM = "AWS::CloudWatch::Alarm"


def arn(name: str) -> str:
    return f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"


def resources(*alarms: str) -> dict[str, Any]:
    summaries = [
        {
            "LogicalResourceId": lid,
            "PhysicalResourceId": f"{NAME}-{lid}-ABC",
            "ResourceType": ALARM,
            "ResourceStatus": "CREATE_COMPLETE",
            "LastUpdatedTimestamp": "2026-01-01T00:00:00Z",
        }
        for lid in alarms
    ]
    queue = {**summaries[0], "LogicalResourceId": "Queue", "ResourceType": "AWS::SQS::Queue"}
    return {"StackResourceSummaries": [queue, *summaries] if summaries else []}


@pytest.fixture
def stubbed(tmp_path: Path) -> Callable[..., tuple[Callable[..., Context], Stubber, io.StringIO]]:
    def setup(prod: str = "{}\n") -> tuple[Callable[..., Context], Stubber, io.StringIO]:
        Project(tmp_path).write(CONFIG, {"dev": "{}\n", "prod": prod}).render()
        gateway, stubber = stubbed_gateway()
        out = io.StringIO()

        def make(env: str = "prod") -> Context:
            target = Target(tmp_path / "config", tmp_path / "templates_out", env)
            factory: Callable[[str], Gateway] = lambda _region: gateway  # noqa: E731
            return open_context(target, PlainReporter(out), gateway_factory=factory)

        return make, stubber, out

    return setup


def expect_update(
    stubber: Stubber, rollback: Any, name: str = NAME, protected: bool = True
) -> None:
    extra = {} if rollback is None else {"RollbackConfiguration": rollback}
    stubber.add_response(
        "create_change_set",
        {"Id": "arn:cs", "StackId": stack_id(name)},
        stubs.change_set_request(name, **extra),
    )
    stubber.add_response(
        "describe_change_set", change_set([("Modify", "Queue", "AWS::SQS::Queue", "False")])
    )
    stubber.add_response("describe_stack_events", events(event(name, 1, name, "X")))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(name, "UPDATE_COMPLETE", protected=protected))
    stubber.add_response("describe_stack_events", events(event(name, 2, name, "UPDATE_COMPLETE")))


def test_a_production_update_is_watched_by_the_stacks_existing_alarms(stubbed) -> None:
    make, stubber, _ = stubbed()
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE", protected=True))
    stubber.add_response(
        "list_stack_resources", resources("AgeAlarm", "DepthAlarm"), {"StackName": stack_id(NAME)}
    )
    expect_update(
        stubber,
        {
            "RollbackTriggers": [
                {"Arn": arn(f"{NAME}-AgeAlarm-ABC"), "Type": ALARM},
                {"Arn": arn(f"{NAME}-DepthAlarm-ABC"), "Type": ALARM},
            ],
            "MonitoringTimeInMinutes": 10,
        },
    )
    summary = deploy_env(make(), DeployOptions(force=True))
    stubber.assert_no_pending_responses()
    assert summary.ok


def test_the_monitoring_time_comes_from_config(stubbed) -> None:
    make, stubber, _ = stubbed("rollback_monitoring_minutes: 3\n")
    assert make().manifest.rollback_monitoring_minutes == 3
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE", protected=True))
    stubber.add_response("list_stack_resources", resources("AgeAlarm", "DepthAlarm"))
    expect_update(stubber, {"RollbackTriggers": ANY, "MonitoringTimeInMinutes": 3})
    summary = deploy_env(make(), DeployOptions(force=True))
    stubber.assert_no_pending_responses()
    assert summary.ok


def test_zero_minutes_is_kept_not_replaced_by_the_default(stubbed) -> None:
    make, _, _ = stubbed("rollback_monitoring_minutes: 0\n")
    assert make().manifest.rollback_monitoring_minutes == 0
    assert make("dev").manifest.rollback_monitoring_minutes == 10


def test_an_alarm_new_in_this_deploy_is_not_a_trigger_yet(stubbed) -> None:
    make, stubber, out = stubbed()
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE", protected=True))
    stubber.add_response("list_stack_resources", resources("DepthAlarm"))
    expect_update(
        stubber,
        {
            "RollbackTriggers": [{"Arn": arn(f"{NAME}-DepthAlarm-ABC"), "Type": ALARM}],
            "MonitoringTimeInMinutes": 10,
        },
    )
    summary = deploy_env(make(), DeployOptions(force=True))
    stubber.assert_no_pending_responses()
    assert summary.ok
    assert "rollback triggers start with the next deploy for new alarm(s) AgeAlarm" in (
        out.getvalue()
    )


def test_a_first_create_has_no_triggers(stubbed) -> None:
    make, stubber, _ = stubbed()
    not_found(stubber, "describe_stacks", NAME)
    stubber.add_response(
        "create_change_set",
        {"Id": "arn:cs", "StackId": stack_id(NAME)},
        stubs.change_set_request(NAME, "CREATE"),  # no RollbackConfiguration, no ListStackResources
    )
    stubber.add_response(
        "describe_change_set", change_set([("Add", "Queue", "AWS::SQS::Queue", "")])
    )
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(NAME, "CREATE_COMPLETE", protected=True))
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "CREATE_COMPLETE")))
    summary = deploy_env(make(), DeployOptions())
    stubber.assert_no_pending_responses()
    assert summary.ok


def test_dev_has_no_triggers(stubbed) -> None:
    make, stubber, _ = stubbed()
    dev = "t-dev-work-queue"
    stubber.add_response("describe_stacks", stack(dev, "UPDATE_COMPLETE"))
    expect_update(stubber, None, name=dev, protected=False)
    summary = deploy_env(make("dev"), DeployOptions(force=True))
    stubber.assert_no_pending_responses()
    assert summary.ok


def test_at_most_five_triggers_and_the_rest_named() -> None:
    gateway, stubber = stubbed_gateway()
    ids = [f"Alarm{i}" for i in range(7)]
    stubber.add_response("list_stack_resources", resources(*ids))
    notes: list[str] = []
    info = StackInfo(NAME, stack_id(NAME), "UPDATE_COMPLETE")
    template = {lid: {"Type": ALARM} for lid in ids}
    config = rollback_triggers(gateway, info, template, 10, notes.append)
    assert config is not None
    assert [t["Arn"] for t in config["RollbackTriggers"]] == [
        arn(f"{NAME}-Alarm{i}-ABC") for i in range(5)
    ]
    assert notes == ["CloudFormation takes 5 rollback triggers; not watching Alarm5, Alarm6"]


def test_a_template_without_alarms_clears_old_triggers() -> None:
    gateway, stubber = stubbed_gateway()
    info = StackInfo(NAME, stack_id(NAME), "UPDATE_COMPLETE")
    config = rollback_triggers(gateway, info, {"Queue": {"Type": "AWS::SQS::Queue"}}, 10, print)
    stubber.assert_no_pending_responses()  # nothing to look up
    assert config == {"RollbackTriggers": []}


def test_alarm_arns_follow_the_stacks_partition_region_and_account() -> None:
    stack_arn = "arn:aws-cn:cloudformation:cn-north-1:210987654321:stack/s/1"
    assert alarm_arns(stack_arn, ["a-b"]) == [
        "arn:aws-cn:cloudwatch:cn-north-1:210987654321:alarm:a-b"
    ]


def test_a_monitoring_time_over_cloudformations_limit_is_a_located_config_error(
    tmp_path: Path,
) -> None:
    project = Project(tmp_path).write(CONFIG, {"prod": "rollback_monitoring_minutes: 181\n"})
    result = project.cli("render", "--env", "prod")
    assert result.exit_code == 2
    assert "prod.yaml:1" in result.output and "rollback_monitoring_minutes" in result.output
    assert "Traceback" not in result.output


def test_a_real_update_sends_the_alarms_the_emulator_created(
    make_project: Callable[..., Project], cfn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = stubs.sent_requests(monkeypatch, "CreateChangeSet")
    project = make_project(CONFIG, {"prod": "{}\n"})
    assert project.cli("deploy", "--env", "prod", "--yes").exit_code == 0
    (project.config / "prod.yaml").write_text(
        "apps: {work: {stacks: {queue: {vars: {depth_threshold: 50}}}}}\n"
    )
    project.render()
    result = project.cli("deploy", "--env", "prod", "--yes")
    assert result.exit_code == 0, result.output
    created, updated = sent
    assert "RollbackConfiguration" not in created
    names = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=NAME)["StackResources"]
        if r["ResourceType"] == ALARM
    }
    account = cfn.describe_stacks(StackName=NAME)["Stacks"][0]["StackId"].split(":")[4]
    assert updated["RollbackConfiguration"] == {
        "RollbackTriggers": [
            {"Arn": f"arn:aws:cloudwatch:us-east-1:{account}:alarm:{names[lid]}", "Type": ALARM}
            for lid in ("AgeAlarm", "DepthAlarm")
        ],
        "MonitoringTimeInMinutes": 10,
    }
