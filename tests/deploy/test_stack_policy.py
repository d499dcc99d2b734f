"""Stack policies in production: the stateful resources of a stack cannot be replaced or
removed by CloudFormation, whoever asks, unless --allow-stateful-replace lifts the policy for
one deploy. Requests checked with botocore's Stubber; the policy a real deploy leaves on a
stack is read back from the emulator (which stores policies but does not enforce them)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from infragen.aws.gateway import Gateway
from infragen.deploy.context import Context, Target, open_context
from infragen.deploy.deploy import DeployOptions, Method, deploy_env
from infragen.deploy.progress import PlainReporter
from infragen.deploy.result import Outcome
from infragen.deploy.stack_policy import ALLOW_ALL, policy_body

from . import stubs
from .conftest import Project
from .stubs import change_set, event, events, not_found, stack, stack_id, stubbed_gateway

NAME = "t-prod-data-logs"
CONFIG = """
project: t
region: us-east-1
apps:
  data:
    stacks:
      logs:
        blueprint: deploy.blueprints:LogStore
        vars: {log_group_name: /t/data}
      topic:
        blueprint: deploy.blueprints:Topic
"""
POLICY = policy_body(["LogGroup"])


@pytest.fixture
def stubbed(tmp_path: Path) -> tuple[Callable[..., Context], Stubber, io.StringIO]:
    Project(tmp_path).write(CONFIG, {"dev": "{}\n", "prod": "{}\n"}).render()
    gateway, stubber = stubbed_gateway()
    out = io.StringIO()

    def make(env: str = "prod") -> Context:
        target = Target(tmp_path / "config", tmp_path / "templates_out", env)
        factory: Callable[[str], Gateway] = lambda _region: gateway  # noqa: E731
        return open_context(target, PlainReporter(out), gateway_factory=factory)

    return make, stubber, out


def policy_request(body: str) -> dict[str, Any]:
    return {"StackName": NAME, "StackPolicyBody": body}


def expect_change_set(stubber: Stubber, replacement: str, name: str = NAME) -> None:
    stubber.add_response("describe_stacks", stack(name, "UPDATE_COMPLETE", protected=True))
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": stack_id(name)})
    stubber.add_response(
        "describe_change_set",
        change_set([("Modify", "LogGroup", "AWS::Logs::LogGroup", replacement)]),
    )


def expect_execution(stubber: Stubber) -> None:
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "X")))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE", protected=True))
    stubber.add_response("describe_stack_events", events(event(NAME, 2, NAME, "UPDATE_COMPLETE")))


def test_the_policy_denies_replacing_and_removing_the_stateful_resources() -> None:
    assert json.loads(POLICY) == {
        "Statement": [
            {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": ["Update:Replace", "Update:Delete"],
                "Principal": "*",
                "Resource": ["LogicalResourceId/LogGroup"],
            },
        ]
    }


def test_a_production_update_sets_the_policy_after_it_succeeded(stubbed) -> None:
    make, stubber, _ = stubbed
    expect_change_set(stubber, "False")
    expect_execution(stubber)
    stubber.add_response("set_stack_policy", {}, policy_request(POLICY))
    summary = deploy_env(make(), DeployOptions(stacks=("data/logs",), only=True))
    stubber.assert_no_pending_responses()
    assert [r.outcome for r in summary.results] == [Outcome.UPDATED]


def test_a_stack_without_stateful_resources_gets_no_policy(stubbed) -> None:
    make, stubber, _ = stubbed
    topic = "t-prod-data-topic"
    stubber.add_response("describe_stacks", stack(topic, "UPDATE_COMPLETE", protected=True))
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": stack_id(topic)})
    stubber.add_response(
        "describe_change_set", change_set([("Modify", "Topic", "AWS::SNS::Topic", "False")])
    )
    stubber.add_response("describe_stack_events", events(event(topic, 1, topic, "X")))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(topic, "UPDATE_COMPLETE", protected=True))
    stubber.add_response("describe_stack_events", events(event(topic, 2, topic, "X")))
    summary = deploy_env(make(), DeployOptions(stacks=("data/topic",), only=True))
    stubber.assert_no_pending_responses()  # no SetStackPolicy
    assert summary.ok


def test_dev_sets_no_policy(stubbed) -> None:
    make, stubber, _ = stubbed
    dev = "t-dev-data-logs"
    stubber.add_response("describe_stacks", stack(dev, "UPDATE_COMPLETE"))
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": stack_id(dev)})
    stubber.add_response(
        "describe_change_set", change_set([("Modify", "LogGroup", "AWS::Logs::LogGroup", "True")])
    )
    stubber.add_response("describe_stack_events", events(event(dev, 1, dev, "X")))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(dev, "UPDATE_COMPLETE"))
    stubber.add_response("describe_stack_events", events(event(dev, 2, dev, "X")))
    options = DeployOptions(stacks=("data/logs",), only=True, allow_replace=frozenset({"LogGroup"}))
    summary = deploy_env(make("dev"), options)
    stubber.assert_no_pending_responses()  # --allow-replace is enough outside production
    assert summary.ok


def test_allow_replace_alone_is_refused_in_production_naming_the_flag(stubbed) -> None:
    make, stubber, _ = stubbed
    expect_change_set(stubber, "True")
    stubber.add_response("delete_change_set", {})
    options = DeployOptions(stacks=("data/logs",), only=True, allow_replace=frozenset({"LogGroup"}))
    summary = deploy_env(make(), options)
    stubber.assert_no_pending_responses()  # nothing executed
    (result,) = summary.results
    assert result.outcome is Outcome.FAILED
    assert result.reason.startswith(
        "refused: the production stack policy denies replacing or removing "
        "LogGroup (AWS::Logs::LogGroup, Modify)"
    )
    assert "--allow-stateful-replace" in result.reason


def test_allow_stateful_replace_lifts_the_policy_for_the_execution_then_restores_it(
    stubbed,
) -> None:
    make, stubber, out = stubbed
    expect_change_set(stubber, "True")
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "X")))
    stubber.add_response("set_stack_policy", {}, policy_request(ALLOW_ALL))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE", protected=True))
    stubber.add_response("describe_stack_events", events(event(NAME, 2, NAME, "X")))
    stubber.add_response("set_stack_policy", {}, policy_request(POLICY))
    options = DeployOptions(
        stacks=("data/logs",),
        only=True,
        allow_replace=frozenset({"LogGroup"}),
        allow_stateful_replace=True,
    )
    summary = deploy_env(make(), options)
    stubber.assert_no_pending_responses()
    assert summary.ok
    assert "stack policy lifted for this deploy" in out.getvalue()


def test_the_policy_is_restored_when_the_lifted_update_fails(stubbed) -> None:
    make, stubber, _ = stubbed
    expect_change_set(stubber, "True")
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "X")))
    stubber.add_response("set_stack_policy", {}, policy_request(ALLOW_ALL))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_ROLLBACK_COMPLETE", protected=True))
    stubber.add_response(
        "describe_stack_events", events(event(NAME, 2, "LogGroup", "UPDATE_FAILED", "boom"))
    )
    stubber.add_response("set_stack_policy", {}, policy_request(POLICY))
    options = DeployOptions(
        stacks=("data/logs",), only=True, allow_destructive=True, allow_stateful_replace=True
    )
    summary = deploy_env(make(), options)
    stubber.assert_no_pending_responses()
    (result,) = summary.results
    assert result.outcome is Outcome.FAILED and "boom" in result.explain()


def test_a_direct_create_carries_the_policy(stubbed) -> None:
    make, stubber, _ = stubbed
    not_found(stubber, "describe_stacks", NAME)
    stubber.add_response(
        "create_stack",
        {"StackId": stack_id(NAME)},
        stubs.create_request(NAME, EnableTerminationProtection=True, StackPolicyBody=POLICY),
    )
    stubber.add_response("describe_stacks", stack(NAME, "CREATE_COMPLETE", protected=True))
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "CREATE_COMPLETE")))
    options = DeployOptions(stacks=("data/logs",), only=True, method=Method.DIRECT)
    summary = deploy_env(make(), options)
    stubber.assert_no_pending_responses()
    assert [r.outcome for r in summary.results] == [Outcome.CREATED]


def test_a_direct_update_lifts_the_policy_only_during_the_update(stubbed) -> None:
    make, stubber, _ = stubbed
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE", protected=True))
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "X")))
    stubber.add_response(
        "update_stack",
        {"StackId": stack_id(NAME)},
        stubs.update_request(
            NAME,
            StackPolicyDuringUpdateBody=ALLOW_ALL,
            RollbackConfiguration={"RollbackTriggers": []},  # no alarms: none
        ),
    )
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE", protected=True))
    stubber.add_response("describe_stack_events", events(event(NAME, 2, NAME, "UPDATE_COMPLETE")))
    stubber.add_response("set_stack_policy", {}, policy_request(POLICY))
    options = DeployOptions(
        stacks=("data/logs",), only=True, method=Method.DIRECT, allow_stateful_replace=True
    )
    summary = deploy_env(make(), options)
    stubber.assert_no_pending_responses()
    assert summary.ok


def test_a_production_deploy_leaves_the_policy_on_the_stack(
    make_project: Callable[..., Project], cfn: Any
) -> None:
    project = make_project(CONFIG, {"prod": "{}\n"})
    result = project.cli("deploy", "--env", "prod", "data/logs", "--only", "--yes")
    assert result.exit_code == 0, result.output
    policy = json.loads(cfn.get_stack_policy(StackName=NAME)["StackPolicyBody"])
    assert policy["Statement"][1]["Resource"] == ["LogicalResourceId/LogGroup"]
    assert policy["Statement"][1]["Effect"] == "Deny"
