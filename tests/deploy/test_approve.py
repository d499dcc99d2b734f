"""A production deploy is approved: on a terminal the plan is shown and confirmed; without
one, --yes is required. Real deploys on the emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result

from infragen.cli import cli

from .conftest import Project

MakeProject = Callable[..., Project]

CONFIG = """
project: t
region: us-east-1
apps:
  beta:
    stacks:
      topic:
        blueprint: deploy.blueprints:Topic
        vars: {label: one}
"""
ENVS = {"dev": "{}\n", "prod": "{}\n"}


def deploy(project: Project, *args: str, answer: str | None = None) -> Result:
    base = ["--config-dir", str(project.config), "--templates-dir", str(project.templates)]
    return CliRunner().invoke(cli, [*base, "deploy", *args], input=answer)


def stack_names(cfn: Any) -> list[str]:
    return [s["StackName"] for s in cfn.describe_stacks()["Stacks"]]


@pytest.fixture
def at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from infragen.cli import stacks

    monkeypatch.setattr(stacks, "_interactive", lambda: True)


def test_production_without_a_terminal_or_yes_is_refused(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    project = make_project(CONFIG, ENVS)
    result = deploy(project, "--env", "prod")
    assert result.exit_code == 2
    assert "prod is a production environment and there is no terminal" in result.output
    assert "pass --yes" in result.output
    assert "`infragen plan --env prod --save plan.json`, then" in result.output
    assert "Traceback" not in result.output
    assert stack_names(cfn) == []


def test_production_with_yes_deploys_without_asking(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    project = make_project(CONFIG, ENVS)
    result = deploy(project, "--env", "prod", "--yes")
    assert result.exit_code == 0, result.output
    assert "Deploy this to prod" not in result.output
    assert stack_names(cfn) == ["t-prod-beta-topic"]


def test_other_envs_need_no_approval(aws: str, cfn: Any, make_project: MakeProject) -> None:
    project = make_project(CONFIG, ENVS)
    assert deploy(project, "--env", "dev").exit_code == 0
    assert stack_names(cfn) == ["t-dev-beta-topic"]


def test_at_a_terminal_the_plan_is_shown_and_a_no_deploys_nothing(
    aws: str, cfn: Any, make_project: MakeProject, at_a_terminal: None
) -> None:
    project = make_project(CONFIG, ENVS)
    result = deploy(project, "--env", "prod", answer="n\n")
    assert result.exit_code == 1
    assert "beta/topic  t-prod-beta-topic: create" in result.output
    assert "Add     Topic (AWS::SNS::Topic)" in result.output
    assert "Deploy this to prod (production)? [y/N]" in result.output
    assert "not deployed: the plan was not approved" in result.output
    assert stack_names(cfn) == []  # the plan's review stack is gone too


def test_at_a_terminal_a_yes_deploys(
    aws: str, cfn: Any, make_project: MakeProject, at_a_terminal: None
) -> None:
    project = make_project(CONFIG, ENVS)
    result = deploy(project, "--env", "prod", answer="y\n")
    assert result.exit_code == 0, result.output
    assert "1 of 1 stack(s) would change" in result.output
    (stack,) = cfn.describe_stacks()["Stacks"]
    assert (stack["StackName"], stack["StackStatus"]) == ("t-prod-beta-topic", "CREATE_COMPLETE")
