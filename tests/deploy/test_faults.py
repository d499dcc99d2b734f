"""Faults from issue 15: out-of-band changes, hanging endpoints, lost replies, stacks
that cannot be described. Wire faults use a socket on 127.0.0.1 that accepts and never
answers, with small configured timeouts and a SIGALRM guard so a regression fails
instead of hanging."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .conftest import SMALL_DAG, CallLog, Project

MakeProject = Callable[..., Project]
TOPIC = "t-dev-beta-topic"


def change_outside_infragen(cfn: Any, name: str) -> None:
    """What a console or boto3 user does: same tags and parameters, another template."""
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    body = cfn.get_template(StackName=name)["TemplateBody"]
    assert "DisplayName: one" in body
    cfn.update_stack(
        StackName=name,
        TemplateBody=body.replace("DisplayName: one", "DisplayName: changed"),
        Parameters=[
            {"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
            for p in stack.get("Parameters", [])
        ],
        Tags=stack["Tags"],
    )
    cfn.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig={"Delay": 0.1})


def test_a_stack_changed_outside_infragen_is_put_back(
    aws: str, cfn: Any, make_project: MakeProject, call_log: CallLog
) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "beta/topic").exit_code == 0
    change_outside_infragen(cfn, TOPIC)

    status = project.cli("status", "--env", "dev", "--endpoint-url", aws)
    assert status.exit_code == 1
    assert re.search(r"beta/topic .* no \(changed outside infragen: template\)", status.output)

    call_log.clear()
    result = project.cli("deploy", "--env", "dev", "beta/topic")
    assert result.exit_code == 0, result.output
    assert "changed outside infragen (template); putting it back" in result.output
    assert "GetTemplate" in call_log.calls
    assert "DisplayName: one" in cfn.get_template(StackName=TOPIC)["TemplateBody"]

    call_log.clear()
    again = project.cli("deploy", "--env", "dev", "beta/topic")
    assert again.exit_code == 0, again.output
    assert call_log.writes == []
    assert call_log.calls.count("GetTemplate") == 1


def test_deploy_force_redeploys_although_unchanged(
    aws: str, make_project: MakeProject, call_log: CallLog
) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "beta/topic").exit_code == 0
    call_log.clear()
    result = project.cli("deploy", "--env", "dev", "beta/topic", "--force")
    assert result.exit_code == 0, result.output
    assert "CreateChangeSet" in call_log.calls
    assert "GetTemplate" not in call_log.calls
