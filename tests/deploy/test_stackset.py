"""StackSets (issue 17): `stackset:` in config, the manifest, and deploy/plan/status/drift/
delete of a StackSet and its instances.

The emulator (moto) models StackSets, instances and operations (every operation SUCCEEDS at
once); what it does not model (failed instances, failure tolerance, OU targets, StackSet
drift detection) is pinned with botocore's Stubber.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from botocore.stub import ANY, Stubber

from infragen.aws.gateway import Gateway
from infragen.deploy.context import Context, Target, open_context
from infragen.deploy.drift import drift_env
from infragen.deploy.progress import PlainReporter
from infragen.deploy.result import Outcome
from infragen.deploy.stackset import StackSetDeployOptions, deploy_stack_set

from .conftest import Project
from .stubs import stubbed_gateway

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
        blueprint: deploy.blueprints:LogStore
        vars: {{log_group_name: /t/{label}}}
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
        vars: {topic_arn: !stack_output base/topic::LogGroupName}
"""


def test_stack_output_of_a_stackset_is_a_located_config_error(tmp_path: Path) -> None:
    project = Project(tmp_path).write(stackset_config() + CONSUMER)
    output = _render_errors(project)
    assert "config/defaults.yaml:19:27: !stack_output base/topic::LogGroupName: stack" in output
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
            " permission_model: SERVICE_MANAGED, execution_role_name: Exec}",
            "config/defaults.yaml:10:",
            "administration_role_arn and execution_role_name are for SELF_MANAGED",
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


# ---------------------------------------------------------------- on the emulator


def _instances(cfn: object, name: str) -> list[tuple[str, str, str]]:
    summaries = cfn.list_stack_instances(StackSetName=name)["Summaries"]  # type: ignore[attr-defined]
    return sorted((s["Account"], s["Region"], s["Status"]) for s in summaries)


def _rewrite(project: Project, config: str) -> None:
    project.write(config)
    project.render()


NAME = "t-dev-base-topic"


def test_deploy_creates_the_stackset_and_an_instance_per_account_and_region(
    aws: str, cfn: object, make_project: MakeProject
) -> None:
    project = make_project(stackset_config())
    result = project.cli("deploy", "--env", "dev")
    assert result.exit_code == 0, result.output
    described = cfn.describe_stack_set(StackSetName=NAME)["StackSet"]  # type: ignore[attr-defined]
    assert described["PermissionModel"] == "SELF_MANAGED"
    assert "LogGroupName: /t/one" in described["TemplateBody"]
    assert _instances(cfn, NAME) == [
        (OTHER, "eu-west-1", "CURRENT"),
        (OTHER, "us-east-1", "CURRENT"),
        (ADMIN, "eu-west-1", "CURRENT"),
        (ADMIN, "us-east-1", "CURRENT"),
    ]
    # Each instance is reported with its account, region and status.
    for account in (ADMIN, OTHER):
        for region in ("us-east-1", "eu-west-1"):
            assert f"{account} {region}: SUCCEEDED" in result.output
    # The plain stack beside it is still deployed as a stack.
    assert cfn.describe_stacks(StackName="t-dev-base-plain")["Stacks"]  # type: ignore[attr-defined]

    again = project.cli("deploy", "--env", "dev")
    assert again.exit_code == 0, again.output
    assert "StackSet and instances match" in again.output
    assert "SUCCEEDED" not in again.output  # no operation ran


def test_changed_template_updates_the_stackset_and_new_targets_get_instances(
    aws: str, cfn: object, make_project: MakeProject
) -> None:
    project = make_project(stackset_config(accounts=(ADMIN,), regions=("us-east-1",)))
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    ops_before = cfn.list_stack_set_operations(StackSetName=NAME)["Summaries"]  # type: ignore[attr-defined]

    _rewrite(project, stackset_config(label="two", regions=("us-east-1", "eu-west-1")))
    result = project.cli("deploy", "--env", "dev")
    assert result.exit_code == 0, result.output
    body = cfn.describe_stack_set(StackSetName=NAME)["StackSet"]["TemplateBody"]  # type: ignore[attr-defined]
    assert "LogGroupName: /t/two" in body
    assert [(a, r) for a, r, _ in _instances(cfn, NAME)] == [
        (OTHER, "eu-west-1"),
        (OTHER, "us-east-1"),
        (ADMIN, "eu-west-1"),
        (ADMIN, "us-east-1"),
    ]
    ops = cfn.list_stack_set_operations(StackSetName=NAME)["Summaries"]  # type: ignore[attr-defined]
    actions = [o["Action"] for o in ops[len(ops_before) :]]
    # One update of the existing instance, then the new slots: ragged (the admin account
    # already had us-east-1), so one call per group of regions sharing their accounts.
    assert actions == ["UPDATE", "CREATE", "CREATE"]


def test_dropped_targets_are_listed_and_removed_only_with_prune(
    aws: str, cfn: object, make_project: MakeProject
) -> None:
    project = make_project(stackset_config())
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    _rewrite(project, stackset_config(accounts=(ADMIN,)))

    kept = project.cli("deploy", "--env", "dev")
    assert kept.exit_code == 0, kept.output
    assert (
        f"instance(s) no longer in config, kept: {OTHER}/eu-west-1, {OTHER}/us-east-1 "
        "(--prune removes them)" in kept.output
    )
    assert len(_instances(cfn, NAME)) == 4

    pruned = project.cli("deploy", "--env", "dev", "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert [a for a, _, _ in _instances(cfn, NAME)] == [ADMIN, ADMIN]


def test_plan_and_status_say_what_would_change_and_delete_removes_instances_then_the_set(
    aws: str, cfn: object, make_project: MakeProject
) -> None:
    project = make_project(stackset_config(accounts=(ADMIN,)))
    first = project.cli("plan", "--env", "dev")
    assert first.exit_code == 0, first.output
    assert (
        f"base/topic  {NAME}: create (StackSet: StackSet to create; instances to add: "
        f"{ADMIN}/eu-west-1, {ADMIN}/us-east-1)" in first.output
    )
    assert cfn.list_stack_sets()["Summaries"] == []  # type: ignore[attr-defined]
    not_yet = project.cli("status", "--env", "dev")
    assert not_yet.exit_code == 1
    assert "NOT_DEPLOYED" in not_yet.output

    assert project.cli("deploy", "--env", "dev").exit_code == 0
    status = project.cli("status", "--env", "dev")
    assert status.exit_code == 0, status.output
    assert "StackSet ACTIVE (2 CURRENT)" in status.output
    unchanged = project.cli("plan", "--env", "dev", "--format", "json")
    plans = {p["stack"]: p for p in json.loads(unchanged.output)["stacks"]}
    assert plans["base/topic"]["action"] == "unchanged"

    _rewrite(project, stackset_config(label="two", accounts=(OTHER,), regions=("us-east-1",)))
    changed = project.cli("plan", "--env", "dev", "--format", "markdown")
    assert changed.exit_code == 0, changed.output
    assert (
        "> StackSet: template or parameters changed: every instance is updated; instances to "
        f"add: {OTHER}/us-east-1; instances to remove with --prune: {ADMIN}/eu-west-1, "
        f"{ADMIN}/us-east-1" in changed.output
    )
    stale = project.cli("status", "--env", "dev")
    assert stale.exit_code == 1
    assert "no (template or parameters changed" in stale.output
    diff = project.cli("diff", "--env", "dev", "base/topic")
    assert diff.exit_code == 1
    assert f"--- deployed:{NAME}" in diff.output
    assert "-      LogGroupName: /t/one\n+      LogGroupName: /t/two" in diff.output

    deleted = project.cli("delete", "--env", "dev", "--yes")
    assert deleted.exit_code == 0, deleted.output
    assert f"{ADMIN} us-east-1: SUCCEEDED" in deleted.output
    summaries = cfn.list_stack_sets()["Summaries"]  # type: ignore[attr-defined]
    assert [s["Status"] for s in summaries] == ["DELETED"]
    gone = project.cli("delete", "--env", "dev", "--yes")
    assert gone.exit_code == 0
    assert "not deployed" in gone.output


def test_delete_asks_naming_the_stackset(
    aws: str, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infragen.cli import stacks

    monkeypatch.setattr(stacks, "_interactive", lambda: True)  # someone to answer "n"
    project = make_project(stackset_config(accounts=(ADMIN,), regions=("us-east-1",)))
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    from click.testing import CliRunner

    from infragen.cli import cli

    answered = CliRunner().invoke(
        cli,
        [
            *("--config-dir", str(project.config), "--templates-dir", str(project.templates)),
            *("delete", "--env", "dev"),
        ],
        input="n\n",
    )
    assert answered.exit_code == 1
    assert f"{NAME} (StackSet and its instances)" in answered.output


# ---------------------------------------------------------------- with the Stubber

OU_CONFIG = """
project: t
region: us-east-1
apps:
  base:
    stacks:
      topic:
        blueprint: deploy.blueprints:LogStore
        vars: {log_group_name: /t/org}
        stackset:
          targets: {organizational_units: [ou-ab12-abcd1234]}
          regions: [us-east-1, eu-west-1]
          permission_model: SERVICE_MANAGED
          preferences:
            max_concurrent: "50%"
            failure_tolerance: 1
            region_order: [eu-west-1]
            region_concurrency: PARALLEL
"""


@pytest.fixture
def stubbed(tmp_path: Path) -> Callable[[str], tuple[Context, Stubber, io.StringIO]]:
    def make(config: str) -> tuple[Context, Stubber, io.StringIO]:
        Project(tmp_path).write(config).render()
        gateway, stubber = stubbed_gateway()
        out = io.StringIO()
        target = Target(tmp_path / "config", tmp_path / "templates_out", "dev")
        factory: Callable[[str], Gateway] = lambda _region: gateway  # noqa: E731
        return open_context(target, PlainReporter(out), gateway_factory=factory), stubber, out

    return make


def _operation(
    stubber: Stubber, action: str, status: str, results: list[dict[str, str]], reason: str = ""
) -> None:
    stubber.add_response(
        "describe_stack_set_operation",
        {"StackSetOperation": {"OperationId": "op-1", "Action": action, "Status": "RUNNING"}},
    )
    finished = {"OperationId": "op-1", "Action": action, "Status": status}
    if reason:
        finished["StatusReason"] = reason
    stubber.add_response("describe_stack_set_operation", {"StackSetOperation": finished})
    stubber.add_response("list_stack_set_operation_results", {"Summaries": results})


def _result(account: str, region: str, status: str, reason: str = "") -> dict[str, str]:
    return {"Account": account, "Region": region, "Status": status, "StatusReason": reason}


def _not_found(stubber: Stubber) -> None:
    stubber.add_client_error(
        "describe_stack_set",
        service_error_code="StackSetNotFoundException",
        service_message="StackSet t-dev-base-topic not found",
    )


def test_ou_targets_create_a_service_managed_set_with_the_operation_preferences(
    stubbed: Callable[[str], tuple[Context, Stubber, io.StringIO]],
) -> None:
    context, stubber, out = stubbed(OU_CONFIG)
    stack = context.manifest.stacks["base/topic"]
    _not_found(stubber)
    stubber.add_response(
        "create_stack_set",
        {"StackSetId": "set-1"},
        {
            "StackSetName": NAME,
            "Parameters": [],
            "Capabilities": ANY,
            "Tags": ANY,
            "PermissionModel": "SERVICE_MANAGED",
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
            "TemplateBody": stack.body(),
            "Description": "infragen base/topic",
        },
    )
    stubber.add_response(
        "create_stack_instances",
        {"OperationId": "op-1"},
        {
            "StackSetName": NAME,
            "DeploymentTargets": {"OrganizationalUnitIds": ["ou-ab12-abcd1234"]},
            # region_order first, the rest after it
            "Regions": ["eu-west-1", "us-east-1"],
            "OperationId": ANY,
            "OperationPreferences": {
                "MaxConcurrentPercentage": 50,
                "FailureToleranceCount": 1,
                "RegionOrder": ["eu-west-1"],
                "RegionConcurrencyType": "PARALLEL",
            },
        },
    )
    _operation(
        stubber,
        "CREATE",
        "SUCCEEDED",
        [
            _result("222222222222", "eu-west-1", "SUCCEEDED"),
            _result(OTHER, "us-east-1", "SUCCEEDED"),
        ],
    )
    result = deploy_stack_set(context, stack, StackSetDeployOptions())
    stubber.assert_no_pending_responses()
    assert result.outcome is Outcome.CREATED, result.reason
    assert "222222222222 eu-west-1: SUCCEEDED" in out.getvalue()


def test_failed_instances_within_the_tolerance_are_reported_and_fail_the_stack(
    stubbed: Callable[[str], tuple[Context, Stubber, io.StringIO]],
) -> None:
    context, stubber, out = stubbed(stackset_config(regions=("us-east-1",)))
    stack = context.manifest.stacks["base/topic"]
    _not_found(stubber)
    stubber.add_response("create_stack_set", {"StackSetId": "set-1"})
    stubber.add_response("create_stack_instances", {"OperationId": "op-1"})
    _operation(
        stubber,
        "CREATE",
        "SUCCEEDED",
        [
            _result(ADMIN, "us-east-1", "SUCCEEDED"),
            _result(
                OTHER,
                "us-east-1",
                "FAILED",
                "Account 111111111111 should have "
                "'AWSCloudFormationStackSetExecutionRole' role with trust relationship",
            ),
        ],
    )
    result = deploy_stack_set(context, stack, StackSetDeployOptions())
    stubber.assert_no_pending_responses()
    assert result.outcome is Outcome.FAILED
    assert result.reason.startswith(
        "StackSet CREATE operation SUCCEEDED: 1 of 2 instance(s) failed (within the failure "
        "tolerance, so the operation went on elsewhere): 111111111111/us-east-1 FAILED: "
        "Account 111111111111 should have 'AWSCloudFormationStackSetExecutionRole'"
    )
    lines = out.getvalue()
    assert f"{ADMIN} us-east-1: SUCCEEDED" in lines
    assert f"{OTHER} us-east-1: FAILED: Account 111111111111 should have" in lines


def test_an_operation_over_the_tolerance_stops_and_says_which_instances_were_cancelled(
    stubbed: Callable[[str], tuple[Context, Stubber, io.StringIO]],
) -> None:
    context, stubber, _ = stubbed(stackset_config(regions=("us-east-1",)))
    stack = context.manifest.stacks["base/topic"]
    # Deployed before with another template: an update, which fails.
    stubber.add_response(
        "describe_stack_set",
        {
            "StackSet": {
                "StackSetName": NAME,
                "StackSetId": "set-1",
                "Status": "ACTIVE",
                "TemplateBody": "old",
                "Tags": [{"Key": "infragen:fingerprint", "Value": "old"}],
            }
        },
    )
    stubber.add_response(
        "list_stack_instances",
        {
            "Summaries": [
                {"Account": a, "Region": "us-east-1", "Status": "CURRENT"} for a in (ADMIN, OTHER)
            ]
        },
    )
    stubber.add_response("update_stack_set", {"OperationId": "op-1"})
    _operation(
        stubber,
        "UPDATE",
        "FAILED",
        [
            _result(ADMIN, "us-east-1", "FAILED", "Resource LogGroup failed: already exists"),
            _result(
                OTHER, "us-east-1", "CANCELLED", "Cancelled since failure tolerance has exceeded"
            ),
        ],
        reason="The operation exceeded the failure tolerance",
    )
    result = deploy_stack_set(context, stack, StackSetDeployOptions())
    stubber.assert_no_pending_responses()
    assert result.outcome is Outcome.FAILED
    assert result.reason.startswith(
        "StackSet UPDATE operation FAILED (The operation exceeded the failure tolerance): "
        "2 of 2 instance(s) failed: 123456789012/us-east-1 FAILED: Resource LogGroup failed: "
        "already exists; 111111111111/us-east-1 CANCELLED: Cancelled since failure tolerance"
    )


def test_drift_detects_on_the_stackset_and_names_the_drifted_instances(
    stubbed: Callable[[str], tuple[Context, Stubber, io.StringIO]],
) -> None:
    alone = stackset_config(regions=("us-east-1",)).split("      plain:")[0]
    context, stubber, _ = stubbed(alone)
    active = {"StackSetName": NAME, "StackSetId": "set-1", "Status": "ACTIVE"}
    stubber.add_response("describe_stack_set", {"StackSet": active})
    stubber.add_response(
        "detect_stack_set_drift",
        {"OperationId": "op-1"},
        {"StackSetName": NAME, "OperationId": ANY, "OperationPreferences": ANY},
    )
    _operation(stubber, "DETECT_DRIFT", "SUCCEEDED", [])
    drifted = {**active, "StackSetDriftDetectionDetails": {"DriftStatus": "DRIFTED"}}
    stubber.add_response("describe_stack_set", {"StackSet": drifted})
    stubber.add_response(
        "list_stack_instances",
        {
            "Summaries": [
                {
                    "Account": ADMIN,
                    "Region": "us-east-1",
                    "Status": "CURRENT",
                    "DriftStatus": "IN_SYNC",
                },
                {
                    "Account": OTHER,
                    "Region": "us-east-1",
                    "Status": "CURRENT",
                    "DriftStatus": "DRIFTED",
                },
            ]
        },
    )
    rows = drift_env(context)
    stubber.assert_no_pending_responses()
    row = {r.stack_id: r for r in rows}["base/topic"]
    assert row.drifted
    assert row.result is not None
    assert [(d.logical_id, d.resource_type, d.status) for d in row.result.drifted_resources] == [
        (f"{OTHER}/us-east-1", "StackSet instance", "DRIFTED")
    ]


def test_a_saved_plan_applies_the_stackset_it_planned_and_refuses_one_that_moved(
    aws: str, cfn: object, make_project: MakeProject, tmp_path: Path
) -> None:
    project = make_project(stackset_config(accounts=(ADMIN,), regions=("us-east-1",)))
    plan_file = tmp_path / "dev.plan.json"
    saved = project.cli("plan", "--env", "dev", "--save", str(plan_file))
    assert saved.exit_code == 0, saved.output
    applied = project.cli("deploy", "--env", "dev", "--plan", str(plan_file))
    assert applied.exit_code == 0, applied.output
    assert _instances(cfn, NAME) == [(ADMIN, "us-east-1", "CURRENT")]

    # Planned with one more target; the target moves again before the apply.
    _rewrite(project, stackset_config(accounts=(ADMIN, OTHER), regions=("us-east-1",)))
    assert project.cli("plan", "--env", "dev", "--save", str(plan_file)).exit_code == 0
    _rewrite(project, stackset_config(accounts=(ADMIN,), regions=("us-east-1", "eu-west-1")))
    refused = project.cli("deploy", "--env", "dev", "--plan", str(plan_file))
    assert refused.exit_code == 1, refused.output
    assert "base/topic: the StackSet differs from the plan: planned 'StackSet: instances to " in (
        refused.output
    )
    assert _instances(cfn, NAME) == [(ADMIN, "us-east-1", "CURRENT")]  # nothing was deployed


def test_the_stack_hooks_run_around_the_stackset_deploy_and_delete(
    aws: str, make_project: MakeProject
) -> None:
    log = (
        "import os, sys; open('hooks.log', 'a')"
        ".write(sys.argv[1] + ' ' + os.environ['INFRAGEN_STACK_ID'] + chr(10))"
    )
    hooks = ", ".join(
        f"{event}: [[{sys.executable}, -c, {json.dumps(log)}, {event}]]"
        for event in ("before_deploy", "after_deploy", "before_delete", "after_delete")
    )
    config = stackset_config(accounts=(ADMIN,), regions=("us-east-1",)).replace(
        "        stackset:", f"        hooks: {{{hooks}}}\n        stackset:", 1
    )
    project = make_project(config)
    assert project.cli("deploy", "--env", "dev", "base/topic").exit_code == 0
    assert project.cli("delete", "--env", "dev", "--yes", "base/topic").exit_code == 0
    assert (project.root / "hooks.log").read_text().splitlines() == [
        "before_deploy base/topic",
        "after_deploy base/topic",
        "before_delete base/topic",
        "after_delete base/topic",
    ]
