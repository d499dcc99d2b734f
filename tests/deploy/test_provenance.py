"""Provenance tags (infragen:commit, infragen:dirty), `--allow-dirty` for production, and
`--refresh-secrets`, on the emulator."""

from __future__ import annotations

import io
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infragen.deploy.context import Context, Target, open_context
from infragen.deploy.deploy import DeployOptions, deploy_env
from infragen.deploy.fingerprint import FINGERPRINT_TAG, stack_fingerprint
from infragen.deploy.progress import PlainReporter
from infragen.deploy.result import Outcome

from .conftest import Project
from .stubs import (
    change_set,
    change_set_request,
    event,
    events,
    stack,
    stack_id,
    stubbed_gateway,
)

MakeProject = Callable[..., Project]

TWO_STACKS = """
project: t
region: us-east-1
apps:
  beta:
    stacks:
      topic:
        blueprint: deploy.blueprints:Topic
        vars: {label: one}
      logs:
        blueprint: deploy.blueprints:LogStore
        vars: {log_group_name: /t/dev/beta}
"""


def git(project: Project, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def commit_all(project: Project, message: str) -> str:
    git(project, "add", "-A")
    git(project, "commit", "-q", "--allow-empty", "-m", message)
    return git(project, "rev-parse", "HEAD")


def tags_of(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {t["Key"]: t["Value"] for t in stack["Tags"]}


@pytest.fixture
def repo(make_project: MakeProject) -> Project:
    project = make_project(TWO_STACKS)
    git(project, "init", "-q")
    return project


def test_deployed_stacks_record_the_commit_and_a_new_commit_alone_does_not_redeploy(
    aws: str, cfn: Any, repo: Project
) -> None:
    first = commit_all(repo, "first")
    assert repo.cli("deploy", "--env", "dev").exit_code == 0
    assert tags_of(cfn, "t-dev-beta-topic")["infragen:commit"] == first
    assert tags_of(cfn, "t-dev-beta-topic")["infragen:dirty"] == "false"
    status = repo.cli("status", "--env", "dev")
    assert status.exit_code == 0, status.output
    assert "deployed from" in status.output and first[:12] in status.output

    commit_all(repo, "a commit that changes nothing deployed")
    result = repo.cli("deploy", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert "2 unchanged" in result.output
    assert tags_of(cfn, "t-dev-beta-topic")["infragen:commit"] == first

    # a real change: the stack written gets the new commit, the other keeps its own
    defaults = repo.config / "defaults.yaml"
    defaults.write_text(defaults.read_text().replace("{label: one}", "{label: two}"))
    repo.render()
    third = commit_all(repo, "label two")
    result = repo.cli("deploy", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output
    assert tags_of(cfn, "t-dev-beta-topic")["infragen:commit"] == third
    assert tags_of(cfn, "t-dev-beta-logs")["infragen:commit"] == first


def test_a_deploy_from_a_plan_file_records_the_commit_too(
    aws: str, cfn: Any, repo: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`deploy --plan` executes the change sets plan made: they carry the provenance tags,
    or the stacks it updates would lose theirs (status: deployed from `-`)."""
    commit_all(repo, "first")
    assert repo.cli("deploy", "--env", "dev").exit_code == 0
    defaults = repo.config / "defaults.yaml"
    defaults.write_text(defaults.read_text().replace("{label: one}", "{label: two}"))
    repo.render()
    second = commit_all(repo, "label two")
    plan_file = str(tmp_path_factory.mktemp("ci") / "plan.json")  # the tree stays clean
    assert repo.cli("plan", "--env", "dev", "--save", plan_file).exit_code == 0
    result = repo.cli("deploy", "--env", "dev", "--plan", plan_file)
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output
    assert tags_of(cfn, "t-dev-beta-topic")["infragen:commit"] == second
    assert tags_of(cfn, "t-dev-beta-topic")["infragen:dirty"] == "false"
    assert second[:12] in repo.cli("status", "--env", "dev").output


def test_a_plan_file_saved_in_the_tree_does_not_make_production_dirty(
    aws: str, cfn: Any, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README "Approve, then apply" as written: `plan --save plan.json` in the project, then
    `deploy --plan plan.json`. The untracked plan file is the deploy's input, not a change to
    what it deploys; any other change still refuses."""
    project = make_project(TWO_STACKS, {"dev": "production: true\n"})
    git(project, "init", "-q")
    first = commit_all(project, "first")
    monkeypatch.chdir(project.root)
    assert project.cli("plan", "--env", "dev", "--save", "plan.json").exit_code == 0
    (project.root / "notes.txt").write_text("not committed\n")
    refused = project.cli("deploy", "--env", "dev", "--plan", "plan.json")
    assert refused.exit_code == 2
    assert "uncommitted or untracked changes" in refused.output
    (project.root / "notes.txt").unlink()
    result = project.cli("deploy", "--env", "dev", "--plan", "plan.json")
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    assert tags_of(cfn, "t-dev-beta-topic")["infragen:commit"] == first
    assert tags_of(cfn, "t-dev-beta-topic")["infragen:dirty"] == "false"


def test_production_from_a_dirty_tree_needs_allow_dirty(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    project = make_project(TWO_STACKS, {"dev": "production: true\n"})
    git(project, "init", "-q")
    commit_all(project, "first")
    (project.root / "notes.txt").write_text("not committed\n")
    result = project.cli("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 2
    assert "refusing to deploy production env 'dev'" in result.output
    assert "uncommitted or untracked changes" in result.output
    assert "--allow-dirty" in result.output
    assert cfn.describe_stacks()["Stacks"] == []

    # refused before the plan a terminal deploy shows
    assert "refusing to deploy" in project.cli("deploy", "--env", "dev").output
    result = project.cli("deploy", "--env", "dev", "--allow-dirty", "--yes")
    assert result.exit_code == 0, result.output
    assert tags_of(cfn, "t-dev-beta-topic")["infragen:dirty"] == "true"
    status = project.cli("status", "--env", "dev")
    assert "(dirty)" in status.output


def test_outside_git_a_deploy_is_tagged_without_a_commit(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    project = make_project(TWO_STACKS)
    result = project.cli("deploy", "--env", "dev", "beta/topic")
    assert result.exit_code == 0, result.output
    tags = tags_of(cfn, "t-dev-beta-topic")
    assert (tags["infragen:commit"], tags["infragen:dirty"]) == ("none", "unknown")


SECRET_QUEUE = """
project: t
region: us-east-1
apps:
  beta:
    stacks:
      queue:
        blueprint: deploy.blueprints:Queue
        vars: {topic_arn: !env QUEUE_PASSWORD}
"""


def test_refresh_secrets_redeploys_a_rotated_no_echo_value(
    aws: str, cfn: Any, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(textwrap.dedent(SECRET_QUEUE))
    manifest = (project.templates / "dev" / "manifest.json").read_text()
    assert '"no_echo": true' in manifest
    monkeypatch.setenv("QUEUE_PASSWORD", "first-value")
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    monkeypatch.setenv("QUEUE_PASSWORD", "rotated-value")
    result = project.cli("deploy", "--env", "dev", "--refresh-secrets")
    assert result.exit_code == 0, result.output
    assert "--refresh-secrets: passing its NoEcho values again" in result.output
    assert "1 updated" in result.output
    assert "rotated-value" not in result.output
    queue = cfn.describe_stacks(StackName="t-dev-beta-queue")["Stacks"][0]
    assert {o["OutputKey"]: o["OutputValue"] for o in queue["Outputs"]}["TopicArn"] == (
        "rotated-value"
    )


def test_on_the_emulator_a_rotated_no_echo_value_waits_for_refresh_secrets(
    aws: str, cfn: Any, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stubbed test below, end to end: the emulator masks NoEcho values as AWS does."""
    project = make_project(textwrap.dedent(SECRET_QUEUE))
    monkeypatch.setenv("QUEUE_PASSWORD", "first-value")
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    queue = cfn.describe_stacks(StackName="t-dev-beta-queue")["Stacks"][0]
    assert queue["Parameters"] == [{"ParameterKey": "TopicArn", "ParameterValue": "****"}]

    monkeypatch.setenv("QUEUE_PASSWORD", "rotated-value")
    unchanged = project.cli("deploy", "--env", "dev")
    assert unchanged.exit_code == 0, unchanged.output
    assert "1 unchanged" in unchanged.output
    outputs = cfn.describe_stacks(StackName="t-dev-beta-queue")["Stacks"][0]["Outputs"]
    assert {o["OutputKey"]: o["OutputValue"] for o in outputs}["TopicArn"] == "first-value"

    refreshed = project.cli("deploy", "--env", "dev", "--refresh-secrets")
    assert refreshed.exit_code == 0, refreshed.output
    assert "1 updated" in refreshed.output
    outputs = cfn.describe_stacks(StackName="t-dev-beta-queue")["Stacks"][0]["Outputs"]
    assert {o["OutputKey"]: o["OutputValue"] for o in outputs}["TopicArn"] == "rotated-value"


def test_refresh_secrets_leaves_stacks_without_no_echo_values_alone(
    aws: str, make_project: MakeProject
) -> None:
    project = make_project(TWO_STACKS)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    result = project.cli("deploy", "--env", "dev", "--refresh-secrets")
    assert result.exit_code == 0, result.output
    assert "2 unchanged" in result.output


def masked_queue(context: Context, fingerprint_of: str) -> dict[str, Any]:
    """DescribeStacks as AWS answers for the deployed queue: its NoEcho value masked."""
    queue = context.manifest.stacks["beta/queue"]
    fingerprint = stack_fingerprint(queue, {"TopicArn": fingerprint_of})
    answer = stack(queue.name, "UPDATE_COMPLETE", tags={**queue.tags, FINGERPRINT_TAG: fingerprint})
    answer["Stacks"][0]["Parameters"] = [{"ParameterKey": "TopicArn", "ParameterValue": "****"}]
    return answer


def test_a_rotated_no_echo_value_is_unchanged_without_refresh_secrets_and_sent_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Project(tmp_path).write(SECRET_QUEUE).render()
    gateway, stubber = stubbed_gateway()
    out = io.StringIO()
    target = Target(tmp_path / "config", tmp_path / "templates_out", "dev")
    monkeypatch.setenv("QUEUE_PASSWORD", "rotated-value")

    def context() -> Context:
        return open_context(target, PlainReporter(out), gateway_factory=lambda _r: gateway)

    first = context()
    body = first.manifest.stacks["beta/queue"].body()
    name = first.manifest.stacks["beta/queue"].name
    stubber.add_response("describe_stacks", masked_queue(first, "first-value"))
    stubber.add_response("get_template", {"TemplateBody": body})
    summary = deploy_env(first, DeployOptions())
    stubber.assert_no_pending_responses()  # no write: NoEcho values are masked, never compared
    assert [r.outcome for r in summary.results] == [Outcome.UNCHANGED]

    second = context()
    stubber.add_response("describe_stacks", masked_queue(second, "first-value"))
    # No GetTemplate: the first run recorded the template's digest for this stack version.
    stubber.add_response(
        "create_change_set",
        {"Id": "arn:cs", "StackId": stack_id(name)},
        change_set_request(
            name,
            TemplateBody=body,
            Parameters=[{"ParameterKey": "TopicArn", "ParameterValue": "rotated-value"}],
        ),
    )
    stubber.add_response(
        "describe_change_set", change_set([("Modify", "Queue", "AWS::SQS::Queue", "False")])
    )
    stubber.add_response("describe_stack_events", events(event(name, 1, name, "CREATE_COMPLETE")))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(name, "UPDATE_COMPLETE"))
    stubber.add_response("describe_stack_events", events(event(name, 1, name, "CREATE_COMPLETE")))
    summary = deploy_env(second, DeployOptions(refresh_secrets=True))
    stubber.assert_no_pending_responses()
    assert [r.outcome for r in summary.results] == [Outcome.UPDATED]
    assert "rotated-value" not in out.getvalue()
