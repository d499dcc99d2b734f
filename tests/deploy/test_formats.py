"""Pure pieces: fingerprints, stateful-change rules, plan formats, progress output."""

from __future__ import annotations

import io
import json

from rich.console import Console

from infragen.aws.types import Change, StackEvent
from infragen.deploy.changes import blocked_changes, is_destructive
from infragen.deploy.fingerprint import FINGERPRINT_TAG, fingerprint
from infragen.deploy.plan import Plan, PlanAction, StackPlan, to_json, to_markdown, to_text
from infragen.deploy.progress import LiveReporter, PlainReporter
from infragen.deploy.result import Outcome, RunSummary, StackResult

from .stubs import T0

REPLACE_BUCKET = Change("Modify", "Bucket", "AWS::S3::Bucket", "True")
REMOVE_TABLE = Change("Remove", "Table", "AWS::DynamoDB::Table")
MAYBE_DB = Change("Modify", "Db", "AWS::RDS::DBInstance", "Conditional")
MODIFY_BUCKET = Change("Modify", "Bucket", "AWS::S3::Bucket", "False")
REPLACE_QUEUE = Change("Modify", "Queue", "AWS::SQS::Queue", "True")


def test_fingerprint_covers_template_parameters_tags_and_options() -> None:
    base = fingerprint("sha", {"A": "1"}, {"T": "x"}, {"termination_protection": False})
    assert base == fingerprint("sha", {"A": "1"}, {"T": "x"}, {"termination_protection": False})
    assert base != fingerprint("sha2", {"A": "1"}, {"T": "x"}, {"termination_protection": False})
    assert base != fingerprint("sha", {"A": "2"}, {"T": "x"}, {"termination_protection": False})
    assert base != fingerprint("sha", {"A": "1"}, {"T": "y"}, {"termination_protection": False})
    assert base != fingerprint("sha", {"A": "1"}, {"T": "x"}, {"termination_protection": True})
    # the stored fingerprint tag itself never feeds the next fingerprint
    with_tag = {"T": "x", FINGERPRINT_TAG: base}
    assert base == fingerprint("sha", {"A": "1"}, with_tag, {"termination_protection": False})


def test_destructive_means_stateful_and_replaced_or_removed() -> None:
    assert is_destructive(REPLACE_BUCKET) and is_destructive(REMOVE_TABLE)
    assert is_destructive(MAYBE_DB)  # Conditional may replace: treated as replacement
    assert not is_destructive(MODIFY_BUCKET) and not is_destructive(REPLACE_QUEUE)
    changes = [REPLACE_BUCKET, REMOVE_TABLE, REPLACE_QUEUE]
    assert blocked_changes(changes, (), False) == [REPLACE_BUCKET, REMOVE_TABLE]
    assert blocked_changes(changes, ("Bucket",), False) == [REMOVE_TABLE]
    assert blocked_changes(changes, (), True) == []


PLAN = Plan(
    "prod",
    [
        StackPlan("a/data", "acme-prod-a-data", PlanAction.UPDATE, [REPLACE_BUCKET, REPLACE_QUEUE]),
        StackPlan("a/net", "acme-prod-a-net", PlanAction.UNCHANGED, detail="fingerprint matches"),
        StackPlan("a/app", "acme-prod-a-app", PlanAction.BLOCKED, detail="needs a/net::VpcId"),
    ],
)


def test_plan_markdown_is_one_section_per_changing_stack_with_replacements_flagged() -> None:
    text = to_markdown(PLAN)
    assert text.startswith("## infragen plan: `prod`")
    assert "| `a/data` | `acme-prod-a-data` | update | 2 | **1** |" in text
    assert "### `a/data` (update)" in text
    assert "### `a/net`" not in text  # unchanged stacks get no section
    assert "Replaces or removes stateful resources: `Bucket`" in text
    assert "| Modify | `Bucket` | `AWS::S3::Bucket` | **True** |" in text


def test_plan_json_is_machine_readable() -> None:
    document = json.loads(to_json(PLAN))
    assert document["has_changes"] is True
    data = document["stacks"][0]
    assert data["changes"][0] == {
        "action": "Modify",
        "logical_id": "Bucket",
        "type": "AWS::S3::Bucket",
        "replacement": "True",
        "stateful": True,
        "destructive": True,
    }
    assert data["changes"][1]["destructive"] is False


def test_plan_text_warns_what_deploy_will_refuse() -> None:
    text = to_text(PLAN)
    assert "! deploy will refuse: Bucket" in text
    assert text.endswith("1 of 3 stack(s) would change\n")


RESULTS = RunSummary(
    [
        StackResult("a/net", "acme-dev-a-net", Outcome.CREATED, elapsed=1.5),
        StackResult(
            "a/data",
            "acme-dev-a-data",
            Outcome.FAILED,
            reason="acme-dev-a-data ended in ROLLBACK_COMPLETE",
            root_cause=StackEvent("e1", T0, "Bucket", "AWS::S3::Bucket", "CREATE_FAILED", "exists"),
        ),
        StackResult("a/app", "acme-dev-a-app", Outcome.SKIPPED, reason="dependency a/data failed"),
    ]
)


def test_plain_progress_is_timestamped_lines_and_a_summary() -> None:
    out = io.StringIO()
    reporter = PlainReporter(out, clock=lambda: "T")
    reporter.started("a/net", "creating")
    reporter.event("a/net", StackEvent("e", T0, "Vpc", "AWS::EC2::VPC", "CREATE_IN_PROGRESS"))
    reporter.summary(RESULTS, "deploy dev")
    lines = out.getvalue().splitlines()
    assert lines[0] == "T [a/net] creating"
    assert lines[1] == "T [a/net] CREATE_IN_PROGRESS Vpc (AWS::EC2::VPC)"
    assert "root cause: Bucket (AWS::S3::Bucket) CREATE_FAILED: exists" in lines[4]
    assert lines[-1] == "3 stacks: 1 created, 1 failed, 1 skipped"


def test_live_table_renders_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160)
    with LiveReporter(console) as reporter:
        reporter.started("a/net", "creating")
        reporter.event("a/net", StackEvent("e", T0, "Vpc", "AWS::EC2::VPC", "CREATE_FAILED", "[x]"))
        reporter.changes("a/net", [REPLACE_BUCKET])
        reporter.finished(RESULTS.results[0])
    reporter.summary(RESULTS, "deploy dev")
    text = out.getvalue()
    assert "a/net" in text and "Bucket (AWS::S3::Bucket) replacement: True" in text
    assert "dependency a/data failed" in text
