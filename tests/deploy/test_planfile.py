"""Approve, then apply: plans of large templates, plan files written by `plan --save` and
executed exactly by `deploy --plan`, and each refusal when the world moved since the plan.
Real change sets on the emulator; Stubber pins exact requests, with an emulator variant
where the emulator produces the same state (an update since the plan)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from infragen.deploy.context import Context, Target, open_context
from infragen.deploy.deploy import DeployOptions, deploy_env
from infragen.deploy.planfile import DeployedState, PlanFile, PlanMismatchError, PlannedStack
from infragen.deploy.progress import PlainReporter
from infragen.deploy.result import Outcome

from . import stubs
from .conftest import ONE_LOG_STORE, REGION, Project
from .stubs import T0, change_set, event, events, stack, stack_id, stubbed_gateway

MakeProject = Callable[..., Project]

LARGE = """
project: t
region: us-east-1
{bucket}
apps:
  big:
    stacks:
      topics:
        blueprint: deploy.blueprints:ManyTopics
        vars: {{count: 300}}
"""


def test_plan_uploads_a_large_template_under_the_env_prefix(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=aws)
    s3.create_bucket(Bucket="t-templates")
    project = make_project(LARGE.format(bucket="template_bucket: t-templates"))
    body = (project.templates / "dev" / "big" / "topics.yaml").read_bytes()
    assert len(body) > 51_200
    result = project.cli("plan", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert "big/topics  t-dev-big-topics: create" in result.output
    assert "Add     Topic0299 (AWS::SNS::Topic)" in result.output
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="t-templates")["Contents"]]
    (key,) = keys
    assert key.startswith("infragen/t/dev/big/topics-") and key.endswith(".yaml")
    assert s3.get_object(Bucket="t-templates", Key=key)["Body"].read() == body
    assert cfn.describe_stacks()["Stacks"] == []  # the plan left no stack behind


def test_plan_of_a_large_template_without_a_bucket_says_what_to_set(
    aws: str, make_project: MakeProject
) -> None:
    project = make_project(LARGE.format(bucket=""))
    result = project.cli("plan", "--env", "dev")
    assert result.exit_code == 1
    assert "over CloudFormation's 51200-byte inline limit, and no template_bucket" in (
        result.output
    )
    assert "set `template_bucket: <bucket>`" in result.output


# ---------------------------------------------------------------- plan files

PLANNED = """
project: t
region: us-east-1
apps:
  beta:
    stacks:
      topic:
        blueprint: deploy.blueprints:Topic
        vars: {label: one}
      queue:
        blueprint: deploy.blueprints:Queue
        vars: {topic_arn: !env QUEUE_TOPIC}
"""
ENVS = {"dev": "{}\n", "prod": "{}\n"}
SECRETISH = "arn:aws:sns:us-east-1:123456789012:do-not-leak-me"


@pytest.fixture
def planned(aws: str, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("QUEUE_TOPIC", SECRETISH)
    return make_project(PLANNED, ENVS)


def save_plan(project: Project, env: str = "prod") -> Path:
    path = project.root / "plan.json"
    result = project.cli("plan", "--env", env, "--save", str(path))
    assert result.exit_code == 0, result.output
    assert f"`infragen deploy --env {env} --plan {path}` applies it" in result.output
    return path


def test_plan_file_round_trip_executes_the_planned_change_sets(planned: Project, cfn: Any) -> None:
    path = save_plan(planned)
    text = path.read_text()
    document = json.loads(text)
    assert (document["format"], document["version"], document["env"]) == (
        "infragen-plan",
        1,
        "prod",
    )
    by_id = {s["stack"]: s for s in document["stacks"]}
    manifest = json.loads((planned.templates / "prod" / "manifest.json").read_text())
    for sid, entry in by_id.items():
        assert entry["action"] == "create" and entry["change_set_id"].startswith("arn:")
        assert entry["template_sha256"] == manifest["stacks"][sid]["sha256"]
        assert entry["deployed"]["status"] == "REVIEW_IN_PROGRESS"
    assert [c["logical_id"] for c in by_id["beta/queue"]["changes"]] == ["Queue"]
    assert set(by_id["beta/queue"]["parameters"]) == {"TopicArn"}
    assert SECRETISH not in text  # parameters are digests, never values

    # A production env, no terminal, no --yes: the plan file is the approval.
    result = planned.cli("deploy", "--env", "prod", "--plan", str(path))
    assert result.exit_code == 0, result.output
    for entry in by_id.values():
        executed = cfn.describe_change_set(ChangeSetName=entry["change_set_id"])
        assert executed["ExecutionStatus"] == "EXECUTE_COMPLETE"
        (stack,) = cfn.describe_stacks(StackName=entry["name"])["Stacks"]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
    # Deployed from the plan's change sets, the stacks carry the fingerprint a plain deploy
    # expects: nothing left to do.
    again = planned.cli("deploy", "--env", "prod", "--yes")
    assert again.exit_code == 0 and "2 unchanged" in again.output, again.output


def test_a_changed_template_refuses_and_deploys_nothing(planned: Project, cfn: Any) -> None:
    path = save_plan(planned)
    planned.write(PLANNED.replace("label: one", "label: two"), ENVS).render()
    result = planned.cli("deploy", "--env", "prod", "--plan", str(path))
    assert result.exit_code == 1
    assert "no longer matches what would be deployed; nothing was deployed" in result.output
    assert "beta/topic: its template changed since the plan (sha256" in result.output
    assert "infragen plan --env prod --save" in result.output
    assert {s["StackStatus"] for s in cfn.describe_stacks()["Stacks"]} == {"REVIEW_IN_PROGRESS"}


def test_a_changed_parameter_is_named(
    planned: Project, cfn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save_plan(planned)
    monkeypatch.setenv("QUEUE_TOPIC", SECRETISH + "-2")
    result = planned.cli("deploy", "--env", "prod", "--plan", str(path))
    assert result.exit_code == 1
    assert "beta/queue: Parameter TopicArn changed since the plan" in result.output
    assert SECRETISH not in result.output
    assert {s["StackStatus"] for s in cfn.describe_stacks()["Stacks"]} == {"REVIEW_IN_PROGRESS"}


def test_a_stack_deployed_by_someone_else_since_the_plan_is_refused(
    planned: Project, cfn: Any
) -> None:
    assert planned.cli("deploy", "--env", "dev").exit_code == 0
    planned.write(PLANNED.replace("label: one", "label: two"), ENVS).render()
    path = save_plan(planned, "dev")
    assert planned.cli("deploy", "--env", "dev").exit_code == 0  # someone else's deploy
    result = planned.cli("deploy", "--env", "dev", "--plan", str(path))
    assert result.exit_code == 1
    assert (
        "beta/topic: the stack is UPDATE_COMPLETE since the plan (was CREATE_COMPLETE): "
        "someone deployed it" in result.output
    )


def test_a_deleted_change_set_is_refused(planned: Project, cfn: Any) -> None:
    path = save_plan(planned)
    topic = next(s for s in json.loads(path.read_text())["stacks"] if s["stack"] == "beta/topic")
    cfn.delete_change_set(ChangeSetName=topic["change_set_id"])
    result = planned.cli("deploy", "--env", "prod", "--plan", str(path))
    assert result.exit_code == 1
    assert f"beta/topic: its change set {topic['change_set_id']} is gone" in result.output


def test_a_plan_of_another_env_is_a_usage_error(planned: Project) -> None:
    path = save_plan(planned, "dev")
    result = planned.cli("deploy", "--env", "prod", "--plan", str(path))
    assert result.exit_code == 2
    assert f"{path} is a plan of t/dev, not of t/prod" in result.output
    assert "hint: pass --env dev" in result.output


def test_plan_takes_no_stack_selection(planned: Project) -> None:
    path = planned.root / "plan.json"
    result = planned.cli("deploy", "--env", "dev", "--plan", str(path), "beta/topic")
    assert result.exit_code == 2
    assert "--plan deploys the plan file's stacks by their change sets" in result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{\n  "format": "infragen-plan",\n  oops\n}', "plan.json:3:3: not valid JSON"),
        ('{"env": "dev", "stacks": []}', "plan.json:1:1: " + "{path} is not an infragen plan file"),
        (
            '{\n  "format": "infragen-plan",\n  "version": 7\n}',
            "plan.json:3:1: {path} is a version 7 plan file; this infragen reads version 1",
        ),
        (
            '{\n  "format": "infragen-plan",\n  "version": 1,\n  "project": "t",\n'
            '  "env": "dev",\n  "stacks": [\n    {\n      "stack": "beta/topic"\n    }\n  ]\n}',
            "plan.json:6:1: stacks.0.name: Field required",
        ),
    ],
)
def test_a_bad_plan_file_is_located(tmp_path: Path, content: str, expected: str) -> None:
    Project(tmp_path).write(PLANNED.replace("!env QUEUE_TOPIC", "x"), ENVS).render()
    path = tmp_path / "plan.json"
    path.write_text(content)
    result = Project(tmp_path).cli("deploy", "--env", "dev", "--plan", str(path))
    assert result.exit_code == 2
    assert expected.format(path=path) in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- Stubber: what moto cannot do

NAME = "t-dev-data-logs"
UPDATE = [("Modify", "LogGroup", "AWS::Logs::LogGroup", "False")]


@pytest.fixture
def stubbed(tmp_path: Path) -> tuple[Context, Stubber]:
    Project(tmp_path).write(ONE_LOG_STORE).render()
    gateway, stubber = stubbed_gateway()
    target = Target(tmp_path / "config", tmp_path / "templates_out", "dev")
    context = open_context(
        target, PlainReporter(io.StringIO()), gateway_factory=lambda _region: gateway
    )
    return context, stubber


def plan_of(context: Context) -> PlanFile:
    stack = context.manifest.stacks["data/logs"]
    deployed = DeployedState(
        stack_id=stack_id(NAME), status="UPDATE_COMPLETE", last_updated=T0.isoformat()
    )
    planned = PlannedStack(
        stack="data/logs",
        name=NAME,
        region=REGION,
        action="update",
        template_sha256=stack.sha256,
        change_set_id="arn:cs",
        deployed=deployed,
    )
    return PlanFile(format="infragen-plan", version=1, project="t", env="dev", stacks=[planned])


def test_the_planned_change_set_is_executed_by_its_id(stubbed) -> None:
    context, stubber = stubbed
    stubber.add_response("describe_change_set", change_set(UPDATE))
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE"))
    stubber.add_response("describe_change_set", change_set(UPDATE))  # again, at its turn
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "UPDATE_COMPLETE")))
    stubber.add_response(
        "execute_change_set", {}, stubs.execute_request(NAME, ChangeSetName="arn:cs")
    )
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE"))
    stubber.add_response("describe_stack_events", events(event(NAME, 2, NAME, "UPDATE_COMPLETE")))
    summary = deploy_env(context, DeployOptions(plan=plan_of(context)))
    stubber.assert_no_pending_responses()
    assert [r.outcome for r in summary.results] == [Outcome.UPDATED]


def test_a_stack_updated_since_the_plan_is_refused_by_its_last_update(stubbed) -> None:
    context, stubber = stubbed
    moved = stack(NAME, "UPDATE_COMPLETE")
    moved["Stacks"][0]["LastUpdatedTime"] = T0 + timedelta(hours=1)
    stubber.add_response("describe_change_set", change_set(UPDATE))
    stubber.add_response("describe_stacks", moved)
    with pytest.raises(PlanMismatchError) as raised:
        deploy_env(context, DeployOptions(plan=plan_of(context), plan_path="plan.json"))
    stubber.assert_no_pending_responses()  # nothing executed
    assert raised.value.exit_code == 1
    assert (
        "data/logs: the stack was updated at 2026-01-01T01:00:00+00:00 since the plan "
        "(last updated 2026-01-01T00:00:00+00:00): someone deployed it" in raised.value.message
    )


def test_an_obsolete_change_set_is_refused(stubbed) -> None:
    context, stubber = stubbed
    obsolete = change_set(UPDATE)
    obsolete["ExecutionStatus"] = "OBSOLETE"
    stubber.add_response("describe_change_set", obsolete)
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE"))
    with pytest.raises(PlanMismatchError) as raised:
        deploy_env(context, DeployOptions(plan=plan_of(context), plan_path="plan.json"))
    stubber.assert_no_pending_responses()
    assert "data/logs: its change set is OBSOLETE: the stack was updated by other means since" in (
        raised.value.message
    )


def test_on_the_emulator_an_update_since_the_plan_is_refused_by_time_and_obsolete_change_set(
    planned: Project, cfn: Any
) -> None:
    """The two refusals above, end to end: the emulator moves LastUpdatedTime and makes the
    plan's change set OBSOLETE when someone else updates the stack."""
    assert planned.cli("deploy", "--env", "dev").exit_code == 0
    planned.write(PLANNED.replace("label: one", "label: two"), ENVS).render()
    assert planned.cli("deploy", "--env", "dev").exit_code == 0  # UPDATE_COMPLETE
    planned.write(PLANNED.replace("label: one", "label: three"), ENVS).render()
    path = save_plan(planned, "dev")
    topic = next(s for s in json.loads(path.read_text())["stacks"] if s["stack"] == "beta/topic")
    before = topic["deployed"]["last_updated"]
    assert before

    planned.write(PLANNED.replace("label: one", "label: four"), ENVS).render()
    assert planned.cli("deploy", "--env", "dev").exit_code == 0  # someone else's deploy
    planned.write(PLANNED.replace("label: one", "label: three"), ENVS).render()
    after = cfn.describe_stacks(StackName=topic["name"])["Stacks"][0]["LastUpdatedTime"]
    change_set = cfn.describe_change_set(ChangeSetName=topic["change_set_id"])
    assert change_set["ExecutionStatus"] == "OBSOLETE"

    result = planned.cli("deploy", "--env", "dev", "--plan", str(path))
    assert result.exit_code == 1
    assert f"beta/topic: the stack was updated at {after.isoformat()} since the plan " in (
        result.output
    )
    assert f"(last updated {before}): someone deployed it" in result.output
    assert "beta/topic: its change set is OBSOLETE: the stack was updated by other means" in (
        result.output
    )
    with pytest.raises(ClientError) as refused:  # and CloudFormation would refuse it too
        cfn.execute_change_set(ChangeSetName=topic["change_set_id"])
    assert refused.value.response["Error"]["Code"] == "InvalidChangeSetStatus"


def test_a_kept_production_change_set_carries_the_rollback_triggers(
    aws: str, make_project: MakeProject, cfn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """deploy --plan creates no change set of its own, so the one plan kept must already
    carry what deploy would send: the stack's alarms as rollback triggers."""
    sent = stubs.sent_requests(monkeypatch, "CreateChangeSet")
    config = "project: t\nregion: us-east-1\napps:\n  work:\n    stacks:\n      queue:\n"
    project = make_project(config + "        blueprint: deploy.blueprints:AlarmedQueue\n", ENVS)
    assert project.cli("deploy", "--env", "prod", "--yes").exit_code == 0
    (project.config / "prod.yaml").write_text(
        "apps: {work: {stacks: {queue: {vars: {depth_threshold: 50}}}}}\n"
    )
    project.render()
    sent.clear()
    path = save_plan(project)
    (planned_request,) = sent
    triggers = planned_request["RollbackConfiguration"]["RollbackTriggers"]
    assert len(triggers) == 2 and all(t["Type"] == "AWS::CloudWatch::Alarm" for t in triggers)
    result = project.cli("deploy", "--env", "prod", "--plan", str(path))
    assert result.exit_code == 0, result.output
    assert len(sent) == 1  # the deploy executed the plan's change set, made none
    (queue,) = cfn.describe_stacks(StackName="t-prod-work-queue")["Stacks"]
    assert queue["StackStatus"] == "UPDATE_COMPLETE"
