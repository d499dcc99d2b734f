"""`infragen diff` beyond the template (Parameters, tags, termination protection) and
`infragen drift` down to each drifted property (issue 16).

diff runs on the emulator, with changes made outside infragen by a plain boto3 client. The
emulator cannot change termination protection after create nor detect drift (moto has no
UpdateTerminationProtection, DetectStackDrift answers HTTP 500), so those run through a
Stubber-backed gateway with the real API shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infragen.deploy.deployed import setting_changes
from infragen.deploy.manifest import load_manifest

from .conftest import Project

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
    assert result.output.splitlines() == [
        "--- beta/signed",
        # The emulator shows a NoEcho value (CloudFormation shows ****): still never printed.
        "  parameter SigningSecret: changed (NoEcho)",
        "--- beta/queue",
        f"  parameter TopicArn: {OTHER_TOPIC!r} -> {topic_arn!r}",
        "  tag CostCentre: removed (was '42')",
        "  tag Owner: 'ops' -> 'tests'",
        "2 of 3 stack(s) differ from what is deployed",
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
