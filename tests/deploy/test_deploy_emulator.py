"""deploy / plan / delete / status / outputs / diff against infragen's emulator (moto's
server plus infragen's models and fixes, `infragen.emulator`), with the default method
(change sets) unless a test is about `--method direct`.

Emulator gaps left are named where they shape a test; see README "Emulator coverage".
Where the emulator cannot produce a state, test_deploy_stubbed.py drives the gateway with
botocore's Stubber instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from .conftest import PROTECTED_TOPIC, REGION, SMALL_DAG, CallLog, Project

if TYPE_CHECKING:
    from infragen.emulator.server import Emulator

MakeProject = Callable[..., Project]


def stack_order(cfn: Any) -> list[str]:
    """Stack names in creation order, from the emulator itself."""
    summaries = cfn.list_stacks()["StackSummaries"]
    return [s["StackName"] for s in sorted(summaries, key=lambda s: s["CreationTime"])]


def outputs_of(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


@pytest.mark.parametrize("method", ["changeset", "direct"])
def test_first_deploy_runs_in_dependency_order_and_outputs_flow_into_parameters(
    aws: str, cfn: Any, make_project: MakeProject, method: str
) -> None:
    project = make_project(SMALL_DAG)
    result = project.cli("deploy", "--env", "dev", "--method", method)
    assert result.exit_code == 0, result.output
    order = stack_order(cfn)
    assert order.index("t-dev-alpha-network") < order.index("t-dev-alpha-app")
    assert order.index("t-dev-beta-topic") < order.index("t-dev-beta-queue")
    network = outputs_of(cfn, "t-dev-alpha-network")
    app = cfn.describe_stacks(StackName="t-dev-alpha-app")["Stacks"][0]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in app["Parameters"]}
    assert params == {"VpcId": network["VpcId"]}
    assert outputs_of(cfn, "t-dev-alpha-app")["VpcId"] == network["VpcId"]
    assert (
        outputs_of(cfn, "t-dev-beta-queue")["TopicArn"]
        == outputs_of(cfn, "t-dev-beta-topic")["TopicArn"]
    )
    tags = {t["Key"]: t["Value"] for t in app["Tags"]}
    assert re.fullmatch(r"[0-9a-f]{64}", tags["infragen:fingerprint"])
    assert tags["Owner"] == "tests"
    assert "5 created" in result.output


def test_noop_redeploy_reads_the_env_once_and_no_template_it_has_seen(
    aws: str, cfn: Any, make_project: MakeProject, call_log: CallLog
) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    call_log.clear()
    result = project.cli("deploy", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert call_log.writes == []
    # One paginated listing for the five stacks of the region and nothing else: each
    # template's digest was recorded when deploy wrote it, for that stack version.
    assert call_log.calls == ["DescribeStacks"]
    assert "5 unchanged" in result.output

    # Without the record (another machine, a cleared cache): one GetTemplate per stack
    # whose fingerprint tag matches (issue 15: decided from what is deployed).
    shutil.rmtree(project.root / ".infragen-cache" / "deployed")
    call_log.clear()
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    assert call_log.calls == ["DescribeStacks"] + ["GetTemplate"] * 5


def test_changed_var_updates_that_stack_and_its_consumer_through_change_sets(
    aws: str, cfn: Any, make_project: MakeProject, call_log: CallLog
) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    first_arn = outputs_of(cfn, "t-dev-beta-topic")["TopicArn"]
    (project.config / "defaults.yaml").write_text(
        SMALL_DAG.replace("vars: {label: one}", "vars: {label: two}")
    )
    assert project.cli("render").exit_code == 0
    call_log.clear()
    result = project.cli("deploy", "--env", "dev")
    assert result.exit_code == 0, result.output
    # moto replaces an SNS topic on any update (AWS changes DisplayName in place), so the
    # topic's ARN changes and the queue, which takes it as a parameter, is updated too.
    assert "2 updated" in result.output and "3 unchanged" in result.output
    assert "Modify  Topic (AWS::SNS::Topic)" in result.output
    assert call_log.writes == ["CreateChangeSet", "ExecuteChangeSet"] * 2
    topic = cfn.describe_stacks(StackName="t-dev-beta-topic")["Stacks"][0]
    assert topic["StackStatus"] == "UPDATE_COMPLETE"
    new_arn = outputs_of(cfn, "t-dev-beta-topic")["TopicArn"]
    assert new_arn != first_arn
    assert outputs_of(cfn, "t-dev-beta-queue")["TopicArn"] == new_arn
    # The executed change sets' tags (the new fingerprints) are the stacks': a no-op now.
    again = project.cli("deploy", "--env", "dev")
    assert "5 unchanged" in again.output, again.output


@pytest.mark.parametrize("method", ["changeset", "direct"])
def test_failure_in_the_middle_skips_dependents_and_finishes_independents(
    aws: str, cfn: Any, make_project: MakeProject, method: str
) -> None:
    # A taken log group name makes the emulator fail the create: with either method it
    # rolls the stack back (ROLLBACK_COMPLETE, the reason in a CREATE_FAILED event).
    boto3.client("logs", region_name=REGION).create_log_group(logGroupName="/t/dev/taken")
    config = SMALL_DAG.replace("log_group_name: /t/dev/beta", "log_group_name: /t/dev/taken")
    config += """
      after:
        blueprint: deploy.blueprints:Queue
        vars: {topic_arn: !stack_output beta/logs::LogGroupName}
"""
    project = make_project(config)
    result = project.cli("deploy", "--env", "dev", "--method", method)
    assert result.exit_code == 1
    rows = dict(re.findall(r"^  (\S+)\s+\S+\s+(created|failed|skipped)", result.output, re.M))
    assert rows == {
        "alpha/network": "created",
        "alpha/app": "created",
        "beta/topic": "created",
        "beta/queue": "created",
        "beta/logs": "failed",
        "beta/after": "skipped",
    }
    assert "dependency beta/logs failed" in result.output
    assert "log group already exists" in result.output  # moto's reason
    # The root cause is the resource's event, as on AWS.
    assert "LogGroup (AWS::Logs::LogGroup) CREATE_FAILED" in result.output
    names = {s["StackName"] for s in cfn.list_stacks()["StackSummaries"]}
    assert "t-dev-beta-after" not in names


def test_stale_templates_are_refused(aws: str, make_project: MakeProject) -> None:
    project = make_project(SMALL_DAG)
    (project.config / "defaults.yaml").write_text(SMALL_DAG.replace("label: one}", "label: two}"))
    result = project.cli("deploy", "--env", "dev")
    assert result.exit_code == 1
    assert "out of date" in result.output and "infragen render" in result.output


def test_missing_env_variable_is_named_before_anything_deploys(
    aws: str, cfn: Any, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_TOPIC_LABEL", raising=False)
    config = SMALL_DAG.replace(
        "vars: {topic_arn: !stack_output beta/topic::TopicArn}",
        "vars: {topic_arn: !env TEST_TOPIC_ARN}",
    )
    project = make_project(config)
    result = project.cli("deploy", "--env", "dev")
    assert result.exit_code == 2
    assert "beta/queue" in result.output and "$TEST_TOPIC_ARN" in result.output
    assert cfn.list_stacks()["StackSummaries"] == []


def test_named_stack_brings_its_dependencies_and_only_skips_them(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    project = make_project(SMALL_DAG)
    result = project.cli("deploy", "--env", "dev", "alpha/app")
    assert result.exit_code == 0, result.output
    assert sorted(s["StackName"] for s in cfn.list_stacks()["StackSummaries"]) == [
        "t-dev-alpha-app",
        "t-dev-alpha-network",
    ]
    only = project.cli("deploy", "--env", "dev", "beta/queue", "--only")
    assert only.exit_code == 1
    assert "beta/topic, which is not deployed" in only.output


def test_delete_goes_consumers_first_and_asks_first(
    aws: str, cfn: Any, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infragen.cli import stacks

    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "beta/queue").exit_code == 0
    # Without a terminal (CI, a pipe) nobody can answer: refused as a production deploy is.
    refused = project.cli("delete", "--env", "dev")
    assert refused.exit_code == 2, refused.output
    assert (
        "there is no terminal to confirm the delete of 2 stack(s) in dev on: "
        "t-dev-beta-topic, t-dev-beta-queue" in refused.output
    )
    assert "then pass --yes; nothing was deleted" in refused.output
    assert "Aborted" not in refused.output
    monkeypatch.setattr(stacks, "_interactive", lambda: True)
    declined = project.cli("delete", "--env", "dev")  # at a terminal, no input: the prompt says no
    assert declined.exit_code == 1
    assert "This deletes: t-dev-beta-topic, t-dev-beta-queue" in declined.output
    assert (
        len([s for s in cfn.list_stacks()["StackSummaries"] if "DELETE" not in s["StackStatus"]])
        == 2
    )
    result = project.cli("delete", "--env", "dev", "beta/topic", "--yes")
    assert result.exit_code == 0, result.output
    deleted = re.findall(r"\[(\S+)\] deleted", result.output)
    assert deleted == ["beta/queue", "beta/topic"]
    summaries = cfn.list_stacks()["StackSummaries"]
    assert {s["StackStatus"] for s in summaries} == {"DELETE_COMPLETE"}
    by_deletion = sorted(summaries, key=lambda s: s["DeletionTime"])  # the account agrees
    assert [s["StackName"] for s in by_deletion] == ["t-dev-beta-queue", "t-dev-beta-topic"]


def test_delete_refuses_termination_protected_stacks(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    project = make_project(PROTECTED_TOPIC)
    assert project.cli("deploy", "--env", "dev", "beta/topic").exit_code == 0
    assert cfn.describe_stacks(StackName="t-dev-beta-topic")["Stacks"][0][
        "EnableTerminationProtection"
    ]
    result = project.cli("delete", "--env", "dev", "--yes")
    assert result.exit_code == 1
    assert "termination-protected" in result.output and "nothing was deleted" in result.output
    assert (
        cfn.describe_stacks(StackName="t-dev-beta-topic")["Stacks"][0]["StackStatus"]
        == "CREATE_COMPLETE"
    )


def test_plan_json_and_markdown_leave_the_account_untouched(
    aws: str, cfn: Any, make_project: MakeProject, tmp_path: Path
) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "beta/topic").exit_code == 0
    (project.config / "defaults.yaml").write_text(
        SMALL_DAG.replace("vars: {label: one}", "vars: {label: two}")
    )
    project.cli("render")
    out = tmp_path / "plan.json"
    result = project.cli("plan", "--env", "dev", "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    actions = {s["stack"]: s["action"] for s in plan["stacks"]}
    assert actions == {
        "alpha/network": "create",
        "alpha/app": "blocked",  # needs the VpcId of a network not deployed yet
        "beta/topic": "update",
        "beta/queue": "create",
        "beta/logs": "create",
    }
    topic = next(s for s in plan["stacks"] if s["stack"] == "beta/topic")
    assert [(c["action"], c["logical_id"]) for c in topic["changes"]] == [("Modify", "Topic")]
    markdown = project.cli("plan", "--env", "dev", "--format", "markdown")
    assert markdown.exit_code == 0
    assert "### `beta/topic` (update)" in markdown.output
    assert "| Modify | `Topic` | `AWS::SNS::Topic` |" in markdown.output
    # Nothing executed, no change set or review stack left behind.
    live = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert [(s["StackName"], s["StackStatus"]) for s in live] == [
        ("t-dev-beta-topic", "CREATE_COMPLETE")
    ]
    assert cfn.list_change_sets(StackName="t-dev-beta-topic")["Summaries"] == []


def test_diff_status_and_outputs(aws: str, make_project: MakeProject) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "beta/topic").exit_code == 0
    same = project.cli("diff", "--env", "dev", "beta/topic")
    assert same.exit_code == 0, same.output
    different = project.cli("diff", "--env", "dev")
    assert different.exit_code == 1
    assert "--- alpha/network (not deployed)" in different.output
    (project.config / "defaults.yaml").write_text(
        SMALL_DAG.replace("vars: {label: one}", "vars: {label: two}")
    )
    project.cli("render")
    changed = project.cli("diff", "--env", "dev", "beta/topic")
    assert changed.exit_code == 1
    assert (
        "-      DisplayName: one" in changed.output and "+      DisplayName: two" in changed.output
    )
    status = project.cli("status", "--env", "dev")
    assert status.exit_code == 1  # stale and not-deployed stacks
    assert re.search(
        r"beta/topic\s+t-dev-beta-topic\s+CREATE_COMPLETE\s+\S+ \S+\s+no \(templates or "
        r"parameters changed since its deploy; `infragen deploy --env dev` updates it\)",
        status.output,
    )
    assert re.search(
        r"alpha/network\s+t-dev-alpha-network\s+NOT_DEPLOYED\s+-\s+"
        r"no \(`infragen deploy --env dev` creates it\)",
        status.output,
    )
    # A named stack alone, as outputs and diff take them.
    one = project.cli("status", "--env", "dev", "alpha/network")
    assert one.exit_code == 1
    assert "alpha/network" in one.output and "beta/topic" not in one.output
    drifted = project.cli("drift", "--env", "dev", "beta/topic")
    assert drifted.exit_code == 0, drifted.output
    assert drifted.output == "beta/topic: IN_SYNC\n"
    unknown = project.cli("status", "--env", "dev", "beta/topc")
    assert unknown.exit_code == 2 and "did you mean 'beta/topic'" in unknown.output
    outputs = project.cli("outputs", "--env", "dev", "--format", "json")
    assert list(json.loads(outputs.output)) == ["beta/topic"]
    assert json.loads(outputs.output)["beta/topic"]["TopicArn"].startswith("arn:aws:sns:")


def test_drift_detection_that_fails_is_a_failure_never_in_sync(
    aws: str, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The emulator detects drift (infragen.emulator.drift); broken here in-process, as moto
    # without it answers DetectStackDrift (HTTP 500): infragen must say detection failed
    # (exit 1), never "in sync". Real drift results: test_diff_drift.py.
    from moto.cloudformation.responses import CloudFormationResponse

    def broken(self: object) -> None:
        raise NotImplementedError("The detect_stack_drift action has not been implemented")

    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "beta/topic").exit_code == 0
    monkeypatch.setattr(CloudFormationResponse, "detect_stack_drift", broken)
    result = project.cli("drift", "--env", "dev")
    assert result.exit_code == 1
    assert "beta/topic: drift detection failed" in result.output


# ---------------------------------------------------------------- the example `dev`

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_APPS = sorted(
    {
        sid.split("/")[0]
        for sid in json.loads((REPO / "templates_out/dev/manifest.json").read_text())["stacks"]
    }
)
# Stacks of the example `dev` the emulator cannot create yet, and why; their dependents
# are skipped. Empty when every type the example uses is emulated (README "Emulator
# coverage"): an entry is a gap to close, never a failure to hide.
EXAMPLE_DEV_NOT_YET_EMULATED: dict[str, str] = {}


@dataclass
class Example:
    """The repository's config/, copied and rendered once for the module."""

    project: Project
    manifest: dict[str, Any]

    def stacks_of(self, app: str) -> list[str]:
        return [sid for sid in self.manifest["order"] if sid.split("/")[0] == app]

    def name(self, sid: str) -> str:
        return str(self.manifest["stacks"][sid]["name"])


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Example:
    project = Project(tmp_path_factory.mktemp("example"))
    shutil.copytree(REPO / "config", project.config)
    copy_hook_files(project.root)
    result = project.cli("render", "--env", "dev")
    assert result.exit_code == 0, result.output
    manifest = json.loads((project.templates / "dev" / "manifest.json").read_text())
    return Example(project, manifest)


@pytest.mark.parametrize("app", EXAMPLE_APPS)
def test_example_app_deploys_redeploys_unchanged_and_deletes_in_dev(
    aws: str,
    cfn: Any,
    emulator: Emulator,
    example: Example,
    app: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every stack of the app created with change sets, every `!stack_output` fed from the
    producer's real output, a redeploy that changes nothing, a delete that leaves
    nothing (no stack, no VPC)."""
    from infragen.dag import Graph

    seed_example_artifacts(emulator, example.project.templates / "dev")
    # The hooks' `python3` is this interpreter, as in an activated virtualenv.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    stacks = example.stacks_of(app)
    result = example.project.cli("deploy", "--env", "dev", *stacks)
    if "cat-detector/function" in stacks:
        # its before_deploy hook packed the code and uploaded it where the stack reads it
        assert "[cat-detector/function] before_deploy hook 1/1> build/" in result.output
        s3 = boto3.client("s3", region_name=REGION, endpoint_url=aws)
        uploaded = s3.get_object(Bucket="acme-artifacts", Key="cat-detector/lambda.zip")
        built = example.project.root / "build" / "cat-detector-function.zip"
        assert uploaded["Body"].read() == built.read_bytes()
    graph = Graph({sid: s["depends_on"] for sid, s in example.manifest["stacks"].items()})
    gaps = {sid: why for sid, why in EXAMPLE_DEV_NOT_YET_EMULATED.items() if sid in stacks}
    blocked = {d for gap in gaps for d in graph.reversed().closure([gap])} - set(gaps)
    rows = dict(re.findall(r"^  (\S+)\s+\S+\s+(created|failed|skipped)", result.output, re.M))
    expected = {
        sid: "failed" if sid in gaps else "skipped" if sid in blocked else "created"
        for sid in stacks
    }
    assert rows == expected, result.output
    assert result.exit_code == (1 if gaps else 0), result.output
    created = [sid for sid in stacks if expected[sid] == "created"]
    live = {s["StackName"]: s for s in cfn.describe_stacks()["Stacks"]}
    for sid in created:
        stack = live[example.name(sid)]
        assert stack["StackStatus"] == "CREATE_COMPLETE", sid
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        missing = set(example.manifest["stacks"][sid]["outputs"]) - set(outputs)
        assert not missing, f"{sid} lacks outputs {sorted(missing)}"
        assert not [k for k, v in outputs.items() if "Fn::" in v or v in ("", "None")], outputs
        params = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
        for key, spec in example.manifest["stacks"][sid]["parameters"].items():
            source = spec["source"]
            if source["kind"] == "stack_output":
                producer = live[example.name(source["stack"])]
                value = {o["OutputKey"]: o["OutputValue"] for o in producer["Outputs"]}
                assert _flat(params[key]) == _flat(value[source["output"]]), (sid, key)

    again = example.project.cli("deploy", "--env", "dev", *created, "--only")
    assert f"{len(created)} unchanged" in again.output, again.output
    assert again.exit_code == 0, again.output

    removed = example.project.cli("delete", "--env", "dev", *stacks, "--only", "--yes")
    assert removed.exit_code == 0, removed.output
    statuses = {s["StackName"]: s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"]}
    assert {example.name(sid): statuses[example.name(sid)] for sid in created} == dict.fromkeys(
        (example.name(sid) for sid in created), "DELETE_COMPLETE"
    )
    vpcs = boto3.client("ec2", region_name=REGION).describe_vpcs()["Vpcs"]
    assert [v["VpcId"] for v in vpcs if not v["IsDefault"]] == []


def _flat(value: Any) -> str:
    """A parameter or output as text: moto reports List<...> parameters as lists."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return ",".join(part.strip() for part in str(value).split(","))


def test_example_gaps_name_real_stacks(example: Example) -> None:
    """The not-yet-emulated list shrinks with the emulator; it never names a stack the
    example does not have."""
    assert set(EXAMPLE_DEV_NOT_YET_EMULATED) <= set(example.manifest["stacks"])


def copy_hook_files(root: Path) -> None:
    """What the example's hooks run, from the project root: cat-detector/function's
    before_deploy packs examples/cat-detector/function with scripts/lambda_zip.py."""
    (root / "scripts").mkdir(exist_ok=True)
    shutil.copy2(REPO / "scripts" / "lambda_zip.py", root / "scripts" / "lambda_zip.py")
    shutil.copytree(REPO / "examples", root / "examples", dirs_exist_ok=True)


def seed_example_artifacts(emulator: Emulator, templates: Path) -> None:
    """What the example expects to exist before deploy, as in a real account: the same
    seeding `make demo` and bench/deploy.py do (scripts/example_artifacts.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "example_artifacts", REPO / "scripts" / "example_artifacts.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.seed(emulator, templates)
