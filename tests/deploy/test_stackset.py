"""StackSets (issue 17): `stackset:` in config, the manifest, and deploy/plan/status/drift/
delete of a StackSet and its instances.

The emulator (moto) models StackSets, instances and operations (every operation SUCCEEDS at
once); what it does not model (failed instances, failure tolerance, OU targets, StackSet
drift detection) is pinned with botocore's Stubber.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Project

MakeProject = Callable[..., Project]

ADMIN = "123456789012"  # the emulator's own account
OTHER = "111111111111"

STACKSET = """
project: t
region: us-east-1
apps:
  base:
    stacks:
      topic:
        blueprint: deploy.blueprints:Topic
        vars: {{label: {label}}}
        stackset:
          targets: {{accounts: [{accounts}]}}
          regions: [{regions}]
          preferences: {{max_concurrent: 2, failure_tolerance: "10%", region_order: [{first}]}}
      plain:
        blueprint: deploy.blueprints:Topic
"""


def stackset_config(
    label: str = "one",
    accounts: tuple[str, ...] = (ADMIN, OTHER),
    regions: tuple[str, ...] = ("us-east-1", "eu-west-1"),
) -> str:
    return STACKSET.format(
        label=label, accounts=", ".join(accounts), regions=", ".join(regions), first=regions[0]
    )


# ---------------------------------------------------------------- config and manifest


def test_manifest_records_the_stackset_as_written(
    tmp_path: Path, make_project: MakeProject
) -> None:
    project = make_project(stackset_config())
    manifest = json.loads((project.templates / "dev" / "manifest.json").read_text())
    entry = manifest["stacks"]["base/topic"]["stackset"]
    assert entry["targets"] == {"accounts": [ADMIN, OTHER], "organizational_units": []}
    assert entry["regions"] == ["us-east-1", "eu-west-1"]
    assert entry["permission_model"] == "SELF_MANAGED"
    assert entry["preferences"]["max_concurrent"] == 2
    assert entry["preferences"]["failure_tolerance"] == "10%"
    # A stack without `stackset:` keeps the manifest entry it always had.
    assert "stackset" not in manifest["stacks"]["base/plain"]


def _render_errors(project: Project) -> str:
    result = project.cli("render")
    assert result.exit_code == 2, result.output
    return result.output


CONSUMER = """
      reader:
        blueprint: deploy.blueprints:Queue
        vars: {topic_arn: !stack_output base/topic::TopicArn}
"""


def test_stack_output_of_a_stackset_is_a_located_config_error(tmp_path: Path) -> None:
    project = Project(tmp_path).write(stackset_config() + CONSUMER)
    output = _render_errors(project)
    assert "config/defaults.yaml:19:27: !stack_output base/topic::TopicArn: stack" in output
    assert "base/topic deploys as a StackSet, whose instances give no outputs to read" in output
    assert "hint: pass the value another way" in output
    assert not project.templates.exists()


@pytest.mark.parametrize(
    ("stackset", "line", "message"),
    [
        (
            "{targets: {organizational_units: [ou-ab12-abcd1234]}, regions: [us-east-1]}",
            "config/defaults.yaml:10:",
            "a SELF_MANAGED StackSet targets accounts (12 digits); organizational_units need "
            "permission_model: SERVICE_MANAGED",
        ),
        (
            "{targets: {accounts: ['1234']}, regions: [us-east-1]}",
            "config/defaults.yaml:10:",
            "stackset.targets.accounts.0: account id '1234' is not 12 digits; quote it",
        ),
        (
            "{targets: {accounts: ['111111111111']}, regions: []}",
            "config/defaults.yaml:10:",
            "stackset.regions: List should have at least 1 item",
        ),
        (
            "{targets: {accounts: ['111111111111']}, regions: [us-east-1],"
            " preferences: {region_order: [eu-west-1]}}",
            "config/defaults.yaml:10:",
            "preferences.region_order names eu-west-1, not in regions (us-east-1)",
        ),
        (
            "{targets: {accounts: ['111111111111']}, regions: [us-east-1],"
            " preferences: {max_concurrent: 0}}",
            "config/defaults.yaml:10:",
            "must be a count >= 1 or a percentage",
        ),
        (
            "{targets: {organizational_units: [r-ab12]}, regions: [us-east-1],"
            " permission_model: SERVICE_MANAGED, execution_role: Exec}",
            "config/defaults.yaml:10:",
            "administration_role and execution_role are for SELF_MANAGED StackSets",
        ),
    ],
)
def test_bad_stackset_is_a_located_config_error(
    tmp_path: Path, stackset: str, line: str, message: str
) -> None:
    config = f"""
    project: t
    region: us-east-1
    apps:
      base:
        stacks:
          topic:
            blueprint: deploy.blueprints:Topic
            vars: {{label: one}}
            stackset: {stackset}
    """
    output = _render_errors(Project(tmp_path).write(config))
    assert line in output
    assert message in output
    assert "Traceback" not in output
