"""Stacks config no longer has ("orphans"), on infragen's emulator: listed by plan and
status, deleted consumers first by `deploy --prune` and `delete --orphans`, refused when
termination-protected or holding stateful resources unless named.

The scenario is the one a user meets: deploy, drop stacks from config, render again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from infragen.aws.types import StackInfo
from infragen.deploy.prune import Orphan, PruneRefusedError, check_prunable, owned_stack_id

from .conftest import PROTECTED_TOPIC, REGION, SMALL_DAG, CallLog, Project
from .test_accounts import SHARED, live_stacks, role

MakeProject = Callable[..., Project]

# beta/topic feeds beta/queue (a !stack_output): dropping both leaves a producer and its
# consumer behind.
TOPIC_AND_QUEUE = """      topic:
        blueprint: deploy.blueprints:Topic
        vars: {label: one}
      queue:
        blueprint: deploy.blueprints:Queue
        vars: {topic_arn: !stack_output beta/topic::TopicArn}
"""
# beta/logs holds a log group: stateful (infragen.facts.stateful).
LOGS = """      logs:
        blueprint: deploy.blueprints:LogStore
        vars: {log_group_name: /t/dev/beta}
"""
# The whole app: an app needs at least one stack.
BETA = SMALL_DAG[SMALL_DAG.index("  beta:\n") :]
assert TOPIC_AND_QUEUE in SMALL_DAG and LOGS in BETA


def drop(project: Project, *parts: str) -> None:
    """Remove stacks from config and render again, as a user would."""
    text = SMALL_DAG
    for part in parts:
        text = text.replace(part, "")
    (project.config / "defaults.yaml").write_text(text)
    assert project.cli("render").exit_code == 0


def live(cfn: Any) -> dict[str, str]:
    return {
        s["StackName"]: s["StackStatus"]
        for s in cfn.list_stacks()["StackSummaries"]
        if s["StackStatus"] != "DELETE_COMPLETE"
    }


def test_orphans_are_listed_by_status_and_plan_then_pruned_consumers_first(
    aws: str, cfn: Any, make_project: MakeProject, call_log: CallLog, tmp_path: Path
) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    # Tagged like infragen's but not named like them, or another env's: never orphans.
    body = json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})
    tags = {"Project": "t", "Environment": "dev", "App": "beta", "Stack": "mine"}
    cfn.create_stack(
        StackName="hand-made",
        TemplateBody=body,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    staging = {**tags, "Environment": "staging", "Stack": "topic"}
    cfn.create_stack(
        StackName="t-staging-beta-topic",
        TemplateBody=body,
        Tags=[{"Key": k, "Value": v} for k, v in staging.items()],
    )
    drop(project, TOPIC_AND_QUEUE)

    call_log.clear()
    status = project.cli("status", "--env", "dev")
    assert status.exit_code == 1, status.output  # something deployed is not in config
    # One listing finds the orphans and describes the config's stacks too.
    assert call_log.calls.count("DescribeStacks") == 1
    for sid, name in (("beta/topic", "t-dev-beta-topic"), ("beta/queue", "t-dev-beta-queue")):
        assert re.search(
            rf"{sid}\s+{name}\s+CREATE_COMPLETE\s+\S+ \S+\s+no \(not in config: pending "
            r"deletion \(`deploy --prune` or `delete --orphans`\)\)",
            status.output,
        ), status.output
    assert "hand-made" not in status.output and "t-staging-beta-topic" not in status.output
    network = r"alpha/network\s+t-dev-alpha-network\s+CREATE_COMPLETE\s+\S+ \S+\s+yes"
    assert re.search(network, status.output)

    out = tmp_path / "plan.json"
    planned = project.cli("plan", "--env", "dev", "--format", "json", "--out", str(out))
    assert planned.exit_code == 0, planned.output
    plan = json.loads(out.read_text())
    actions = {s["stack"]: s["action"] for s in plan["stacks"]}
    assert actions == {
        "alpha/network": "unchanged",
        "alpha/app": "unchanged",
        "beta/logs": "unchanged",
        "beta/topic": "delete",
        "beta/queue": "delete",
    }
    assert plan["has_changes"] is True
    queue = next(s for s in plan["stacks"] if s["stack"] == "beta/queue")
    assert [(c["action"], c["logical_id"], c["type"]) for c in queue["changes"]] == [
        ("Remove", "Queue", "AWS::SQS::Queue")
    ]
    text = project.cli("plan", "--env", "dev")
    assert "beta/topic  t-dev-beta-topic: delete (not in config: pending deletion" in text.output
    assert "0 of 3 stack(s) would change; 2 not in config would be deleted by --prune" in (
        text.output
    )
    markdown = project.cli("plan", "--env", "dev", "--format", "markdown")
    assert "| `beta/queue` | `t-dev-beta-queue` | delete | 1 | 0 |" in markdown.output
    # A plan file applies change sets only: orphans are listed, never applied from it.
    saved = tmp_path / "saved.json"
    assert project.cli("plan", "--env", "dev", "--save", str(saved)).exit_code == 0
    assert [s["stack"] for s in json.loads(saved.read_text())["stacks"]] == [
        "alpha/network",
        "alpha/app",
        "beta/logs",
    ]

    result = project.cli("deploy", "--env", "dev", "--prune")
    assert result.exit_code == 0, result.output
    # moto's ListStacks has no DeletionTime: the order is read from the progress lines.
    assert re.findall(r"\[(\S+)\] deleted", result.output) == ["beta/queue", "beta/topic"]
    assert "3 unchanged" in result.output and "2 deleted" in result.output
    assert live(cfn) == {
        "t-dev-alpha-network": "CREATE_COMPLETE",
        "t-dev-alpha-app": "CREATE_COMPLETE",
        "t-dev-beta-logs": "CREATE_COMPLETE",
        "hand-made": "CREATE_COMPLETE",
        "t-staging-beta-topic": "CREATE_COMPLETE",
    }
    again = project.cli("status", "--env", "dev")
    assert again.exit_code == 0, again.output


def test_stateful_orphan_is_refused_until_named(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    drop(project, BETA)

    status = project.cli("status", "--env", "dev")
    assert "prune refuses: it holds stateful resources: LogGroup (AWS::Logs::LogGroup)" in (
        status.output
    )
    plan = project.cli("plan", "--env", "dev")
    assert "! a stateful AWS::Logs::LogGroup" not in plan.output
    assert "prune refuses: it holds stateful resources" in plan.output

    refused = project.cli("deploy", "--env", "dev", "--prune")
    assert refused.exit_code == 1
    assert "refusing to prune; nothing was deleted:" in refused.output
    assert (
        "beta/logs (t-dev-beta-logs): it holds stateful resources: LogGroup "
        "(AWS::Logs::LogGroup)" in refused.output
    )
    assert "--allow-stateful-delete beta/logs" in refused.output
    # Refused before anything was deployed or deleted.
    assert not re.search(r"\] (unchanged|deleting)", refused.output)
    assert len([n for n in live(cfn) if n.startswith("t-dev-beta-")]) == 3

    # A name that is no orphan is only noted: CI keeps its flags after the stack is gone.
    result = project.cli(
        "delete",
        "--env",
        "dev",
        "--orphans",
        "--allow-stateful-delete",
        "beta/logs",
        "--allow-stateful-delete",
        "beta/gone",
        "--yes",
    )
    assert result.exit_code == 0, result.output
    assert "[beta/gone] --allow-stateful-delete: not a stack config no longer has" in result.output
    deleted = re.findall(r"\[(\S+)\] deleted", result.output)
    assert sorted(deleted) == ["beta/logs", "beta/queue", "beta/topic"]
    assert deleted.index("beta/queue") < deleted.index("beta/topic")
    assert sorted(live(cfn)) == ["t-dev-alpha-app", "t-dev-alpha-network"]
    again = project.cli("delete", "--env", "dev", "--orphans", "--yes")
    assert again.exit_code == 0, again.output
    assert "delete dev: nothing to do" in again.output


def test_termination_protected_orphan_is_refused_even_when_named(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    project = make_project(PROTECTED_TOPIC)
    assert project.cli("deploy", "--env", "dev", "beta/queue").exit_code == 0
    drop(project, TOPIC_AND_QUEUE)

    result = project.cli(
        "delete", "--env", "dev", "--orphans", "--allow-stateful-delete", "beta/topic", "--yes"
    )
    assert result.exit_code == 1
    assert "beta/topic (t-dev-beta-topic): termination protection is on" in result.output
    assert (
        "aws cloudformation update-termination-protection --no-enable-termination-protection"
        in result.output
    )
    assert live(cfn) == {
        "t-dev-beta-topic": "CREATE_COMPLETE",
        "t-dev-beta-queue": "CREATE_COMPLETE",
    }


def test_delete_orphans_asks_first(
    aws: str, cfn: Any, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infragen.cli import stacks

    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "beta/queue").exit_code == 0
    drop(project, TOPIC_AND_QUEUE)
    unattended = project.cli("delete", "--env", "dev", "--orphans")  # no terminal, no --yes
    assert unattended.exit_code == 2
    assert "confirm the delete of 2 stack(s) in dev on: t-dev-beta-queue" in unattended.output
    monkeypatch.setattr(stacks, "_interactive", lambda: True)
    refused = project.cli("delete", "--env", "dev", "--orphans")  # no input: the prompt says no
    assert refused.exit_code == 1
    assert "This deletes: t-dev-beta-queue, t-dev-beta-topic" in refused.output
    assert len(live(cfn)) == 2
    nothing = project.cli("delete", "--env", "dev", "--only", "--orphans", "--yes")
    assert nothing.exit_code == 2
    assert "--orphans deletes every orphan" in nothing.output


def test_failed_deploy_prunes_nothing(aws: str, cfn: Any, make_project: MakeProject) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "beta/queue").exit_code == 0
    drop(project, TOPIC_AND_QUEUE)
    # A taken log group name makes the create of beta/logs fail in the emulator.
    boto3.client("logs", region_name=REGION).create_log_group(logGroupName="/t/dev/beta")
    result = project.cli("deploy", "--env", "dev", "--prune")
    assert result.exit_code == 1
    assert "[beta/queue] not pruned: the deploy did not succeed" in result.output
    assert "t-dev-beta-queue" in live(cfn) and "t-dev-beta-topic" in live(cfn)


def test_named_stacks_prune_no_orphan_stacks(aws: str, cfn: Any, make_project: MakeProject) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "beta/queue").exit_code == 0
    drop(project, TOPIC_AND_QUEUE)
    partial = project.cli("deploy", "--env", "dev", "beta/logs", "--prune")
    assert partial.exit_code == 0, partial.output
    assert "pruned only by a deploy of the whole environment" in partial.output
    assert "infragen delete --env dev --orphans" in partial.output
    assert {"t-dev-beta-queue", "t-dev-beta-topic", "t-dev-beta-logs"} <= set(live(cfn))
    stray = project.cli("deploy", "--env", "dev", "--allow-stateful-delete", "beta/logs")
    assert stray.exit_code == 2
    assert "--allow-stateful-delete goes with --prune" in stray.output


# ---------------------------------------------------------------- rules, without AWS


def info(name: str, status: str = "CREATE_COMPLETE", **tags: str) -> StackInfo:
    protected = tags.pop("protected", "") == "yes"
    return StackInfo(name, f"arn:{name}", status, tags=tags, termination_protection=protected)


def test_only_stacks_tagged_and_named_for_the_env_are_infragens() -> None:
    tags = {"Project": "t", "Environment": "dev", "App": "beta", "Stack": "topic"}
    assert owned_stack_id(info("t-dev-beta-topic", **tags), "t", "dev") == "beta/topic"
    assert owned_stack_id(info("beta-topic", **tags), "t", "dev") is None
    assert owned_stack_id(info("t-dev-beta-topic", **tags), "t", "prod") is None
    assert owned_stack_id(info("t-dev-beta-topic", **tags), "u", "dev") is None
    no_app = {k: v for k, v in tags.items() if k != "App"}
    assert owned_stack_id(info("t-dev-beta-topic", **no_app), "t", "dev") is None


def test_refusals_name_the_reason_and_what_lifts_them() -> None:
    logs = (("LogGroup", "AWS::Logs::LogGroup"),)
    stateful = Orphan("beta/logs", REGION, info("t-dev-beta-logs"), resources=logs)
    assert stateful.refusal(()) == "it holds stateful resources: LogGroup (AWS::Logs::LogGroup)"
    assert stateful.refusal({"beta/logs"}) == ""
    assert stateful.refusal({"t-dev-beta-logs"}) == ""  # the CloudFormation name works too
    protected = Orphan("beta/topic", REGION, info("t-dev-beta-topic", protected="yes"))
    assert protected.refusal({"beta/topic"}) == "termination protection is on"
    busy = Orphan("beta/q", REGION, info("t-dev-beta-q", "UPDATE_IN_PROGRESS"))
    assert busy.refusal(()) == "an operation is running on it (UPDATE_IN_PROGRESS)"
    review = Orphan("beta/q", REGION, info("t-dev-beta-q", "REVIEW_IN_PROGRESS"))
    assert review.refusal(()) == ""  # a change set that never ran: nothing to lose
    unread = Orphan("beta/x", REGION, info("t-dev-beta-x"), unreadable="AccessDenied: no")
    assert "its template could not be read, so it may hold data" in unread.refusal(())
    assert unread.refusal({"beta/x"}) == ""

    with pytest.raises(PruneRefusedError) as raised:
        check_prunable([stateful, protected, review], ())
    text = raised.value.render()
    assert "refusing to prune; nothing was deleted:" in text
    assert "beta/logs (t-dev-beta-logs): it holds stateful" in text
    assert "beta/topic (t-dev-beta-topic): termination protection is on" in text
    assert "beta/q" not in text
    assert "--stack-name NAME` (t-dev-beta-topic)" in text
    assert "`--allow-stateful-delete beta/logs`" in text


# ------------------------------------------------ places the env no longer deploys to

WEST = """      west:
        blueprint: deploy.blueprints:Topic
        region: eu-west-1
        vars: {label: one}
      westlogs:
        blueprint: deploy.blueprints:LogStore
        region: eu-west-1
        vars: {log_group_name: /t/dev/west}
"""
# alpha/topic in the env's region, two stacks in eu-west-1 (one holding a log group).
TWO_REGIONS = f"""project: t
region: us-east-1
apps:
  alpha:
    stacks:
      topic:
        blueprint: deploy.blueprints:Topic
        vars: {{label: one}}
{WEST}"""
RETIRE_WEST = "retired: {regions: [eu-west-1]}\n"


def live_in(region: str) -> set[str]:
    return set(live(boto3.client("cloudformation", region_name=region)))


def test_stacks_left_in_a_retired_region_are_found_only_once_config_names_it(
    aws: str, make_project: MakeProject
) -> None:
    project = make_project(TWO_REGIONS)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    assert live_in("eu-west-1") == {"t-dev-alpha-west", "t-dev-alpha-westlogs"}

    # The env drops eu-west-1: orphans are looked for only where it deploys now.
    (project.config / "defaults.yaml").write_text(TWO_REGIONS.replace(WEST, ""))
    assert project.cli("render").exit_code == 0
    unseen = project.cli("status", "--env", "dev")
    assert unseen.exit_code == 0, unseen.output
    assert "t-dev-alpha-west" not in unseen.output
    assert project.cli("deploy", "--env", "dev", "--prune").exit_code == 0
    assert live_in("eu-west-1") == {"t-dev-alpha-west", "t-dev-alpha-westlogs"}

    # `retired:` names it: listed there too, with the same rules as anywhere else.
    (project.config / "defaults.yaml").write_text(TWO_REGIONS.replace(WEST, "") + RETIRE_WEST)
    assert project.cli("render").exit_code == 0
    status = project.cli("status", "--env", "dev")
    assert status.exit_code == 1, status.output
    assert re.search(
        r"alpha/west\s+t-dev-alpha-west\s+CREATE_COMPLETE\s+\S+ \S+\s+no \(not in config: "
        r"pending deletion \(`deploy --prune` or `delete --orphans`\)\)",
        status.output,
    ), status.output
    assert "prune refuses: it holds stateful resources: LogGroup" in status.output
    refused = project.cli("deploy", "--env", "dev", "--prune")
    assert refused.exit_code == 1, refused.output
    assert "alpha/westlogs (t-dev-alpha-westlogs): it holds stateful resources" in refused.output
    assert live_in("eu-west-1") == {"t-dev-alpha-west", "t-dev-alpha-westlogs"}

    pruned = project.cli(
        "deploy", "--env", "dev", "--prune", "--allow-stateful-delete", "alpha/westlogs"
    )
    assert pruned.exit_code == 0, pruned.output
    assert sorted(re.findall(r"\[(\S+)\] deleted", pruned.output)) == [
        "alpha/west",
        "alpha/westlogs",
    ]
    assert live_in("eu-west-1") == set()
    assert live_in("us-east-1") == {"t-dev-alpha-topic"}
    assert project.cli("status", "--env", "dev").exit_code == 0


def test_stacks_left_in_a_retired_account_are_listed_with_its_role_and_pruned(
    aws: str, make_project: MakeProject
) -> None:
    shop = f"""  shop:
    role_arn: {role(SHARED)}
    stacks:
      topic:
        blueprint: deploy.blueprints:Topic
        vars: {{label: two}}
"""
    home = "project: t\nregion: us-east-1\napps:\n" + TWO_REGIONS.split("apps:\n")[1].replace(
        WEST, ""
    )
    project = make_project(home + shop)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    assert live_stacks(SHARED, REGION, aws) == {"t-dev-shop-topic"}

    (project.config / "defaults.yaml").write_text(home)
    assert project.cli("render").exit_code == 0
    assert "t-dev-shop-topic" not in project.cli("status", "--env", "dev").output

    retired = f"retired:\n  accounts:\n    - role_arn: {role(SHARED)}\n"
    (project.config / "defaults.yaml").write_text(home + retired)
    assert project.cli("render").exit_code == 0
    status = project.cli("status", "--env", "dev")
    assert status.exit_code == 1, status.output
    assert re.search(r"shop/topic\s+t-dev-shop-topic\s+CREATE_COMPLETE", status.output)
    result = project.cli("delete", "--env", "dev", "--orphans", "--yes")
    assert result.exit_code == 0, result.output
    assert re.findall(r"\[(\S+)\] deleted", result.output) == ["shop/topic"]
    assert live_stacks(SHARED, REGION, aws) == set()
    assert live_in(REGION) == {"t-dev-alpha-topic"}


def test_render_writes_the_retired_places_into_the_manifest(tmp_path: Path) -> None:
    retired = f"""retired:
  regions: [eu-west-1]
  accounts:
    - role_arn: {role(SHARED)}
      external_id: ci-42
    - account_id: "333333333333"
profile: deployer
"""
    config = TWO_REGIONS.replace(WEST, "")
    project = Project(tmp_path).write(config + retired).render()
    manifest = json.loads((project.templates / "dev" / "manifest.json").read_text())
    assert manifest["retired"] == {
        "regions": ["eu-west-1"],
        "accounts": [
            {
                "account_id": SHARED,
                "role_arn": role(SHARED),
                "external_id": "ci-42",
                "profile": "deployer",
            },
            {"account_id": "333333333333", "profile": "deployer"},
        ],
    }
    from infragen.deploy.manifest import load_manifest
    from infragen.deploy.prune import _listed_targets

    listed = {
        (t.account_id, t.region, t.role_arn)
        for t in _listed_targets(load_manifest(project.templates, "dev"))
    }
    assert listed == {
        (account, region, arn)
        for account, arn in ((None, None), (SHARED, role(SHARED)), ("333333333333", None))
        for region in ("us-east-1", "eu-west-1")
    }
    # An env without `retired:` keeps the manifest it had.
    (project.config / "defaults.yaml").write_text(config)
    assert project.cli("render").exit_code == 0
    assert "retired" not in json.loads((project.templates / "dev" / "manifest.json").read_text())


@pytest.mark.parametrize(
    ("retired", "located", "message", "hint"),
    [
        (
            "retired: {regions: [eu-west-1, us-east-1]}",
            "defaults.yaml:9:32",
            "retired region us-east-1 is one the env deploys to",
            "remove it from retired.regions, or move the stacks out of us-east-1",
        ),
        (
            "retired: {regions: [eu-west-1, eu-west-1]}",
            "defaults.yaml:9:32",
            "retired region eu-west-1 is listed twice",
            "list each region once",
        ),
        (
            f"retired: {{accounts: [{{role_arn: '{role(SHARED)}'}}]}}\naccount_id: '{SHARED}'",
            "defaults.yaml:9:33",
            f"retired account {SHARED} is one the env deploys to (alpha/topic)",
            "remove it from retired.accounts",
        ),
        (
            "retired: {accounts: [{}]}",
            "defaults.yaml:9:22",
            "retired.accounts.0: name the account: account_id",
            "fix the value",
        ),
    ],
)
def test_retired_places_are_checked_against_the_current_ones(
    tmp_path: Path, retired: str, located: str, message: str, hint: str
) -> None:
    config = TWO_REGIONS.replace(WEST, "") + retired + "\n"
    result = Project(tmp_path).write(config).cli("render")
    assert result.exit_code == 2, result.output
    assert f"{located}: " in result.output and message in result.output, result.output
    assert f"hint: {hint}" in result.output
    assert not (tmp_path / "templates_out").exists()


def test_a_retired_account_the_credentials_do_not_reach_deletes_nothing(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    # The env deploys to SHARED through its role; the retired account 333333333333 is
    # listed with the caller's credentials, which the emulator puts in HOME.
    placed = f"project: t\nregion: us-east-1\nrole_arn: {role(SHARED)}\napps:\n" + (
        TWO_REGIONS.split("apps:\n")[1].replace(WEST, "")
    )
    retired = 'retired:\n  accounts:\n    - account_id: "333333333333"\n'
    project = make_project(placed + retired)
    tags = {"Project": "t", "Environment": "dev", "App": "shop", "Stack": "topic"}
    cfn.create_stack(
        StackName="t-dev-shop-topic",
        TemplateBody=json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}),
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    assert "t-dev-shop-topic" in project.cli("status", "--env", "dev").output
    for verb in (("deploy", "--env", "dev", "--prune"), ("delete", "--env", "dev", "--orphans")):
        result = project.cli(*verb, "--yes") if verb[0] == "delete" else project.cli(*verb)
        assert result.exit_code != 0, result.output
        assert (
            "refusing to write to the wrong account: shop/topic (us-east-1): expected account "
            "333333333333, but the credentials of the caller are in account 123456789012"
        ) in result.output
        assert not re.search(r"\] (created|deleting)", result.output), result.output
    assert live_in(REGION) == {"t-dev-shop-topic"}
