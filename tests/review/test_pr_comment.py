"""Issue 13's "done when": a PR that changes one var gets one Markdown comment with the
property's old and new value, the cost delta and the risks (the AWS side stubbed)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from infragen.aws.types import Change
from infragen.deploy import plan as plan_module
from infragen.deploy.plan import Plan, PlanAction, StackPlan
from infragen.review.values import resource_values

REPO = Path(__file__).resolve().parents[2]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
    )


def _db_class_change() -> dict[str, object]:
    """The change set CloudFormation describes for the DB class edit, with values."""
    rc = {
        "Action": "Modify",
        "LogicalResourceId": "Database",
        "ResourceType": "AWS::RDS::DBInstance",
        "Replacement": "False",
        "BeforeContext": json.dumps({"Properties": {"DBInstanceClass": "db.t3.micro"}}),
        "AfterContext": json.dumps({"Properties": {"DBInstanceClass": "db.t3.small"}}),
        "Details": [
            {
                "Target": {
                    "Attribute": "Properties",
                    "Name": "DBInstanceClass",
                    "RequiresRecreation": "Never",
                    "Path": "/Properties/DBInstanceClass",
                },
                "Evaluation": "Static",
                "ChangeSource": "DirectModification",
            }
        ],
    }
    return {"Type": "Resource", "ResourceChange": rc}


def test_one_var_change_makes_one_reviewable_comment(
    project: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> None:
    shutil.copytree(REPO / "templates_out" / "dev", project / "templates_out" / "dev")
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "config", "templates_out")
    _git(project, "commit", "-q", "-m", "main")
    defaults = project / "config" / "defaults.yaml"
    text = defaults.read_text()
    start = text.index(
        "      database:\n        blueprint: rds-postgres", text.index("tsdevstack:")
    )
    at = text.index("instance_class: db.t3.micro", start)
    defaults.write_text(text[:at] + "instance_class: db.t3.small" + text[at + 27 :])
    assert invoke("render", "--env", "dev").exit_code == 0

    change = _db_class_change()
    stack = StackPlan(
        "tsdevstack/database",
        "acme-dev-tsdevstack-database",
        PlanAction.UPDATE,
        [Change.from_api(change)],
        values=[resource_values(change)],
    )
    import infragen.cli.stacks

    monkeypatch.setattr(infragen.cli.stacks, "deploy_context", lambda *args, **kwargs: None)
    monkeypatch.setattr(plan_module, "plan_env", lambda context, stacks, **_: Plan("dev", [stack]))
    result = invoke(
        "plan", "--env", "dev", "--format", "markdown", "--cost-base", "HEAD", "--detailed-exitcode"
    )
    assert result.exit_code == 2, result.output
    comment = result.output
    assert "| `Database` | `DBInstanceClass` | `db.t3.micro` | `db.t3.small` | Never |" in comment
    delta = 730 * (0.036 - 0.018)  # db.t3.micro -> db.t3.small; storage and alarms unchanged
    assert f"| `tsdevstack/database` | $15.64 | $28.78 | +${delta:.2f} |" in comment
    assert "<details><summary>Diagram: tsdevstack</summary>" in comment
    assert "```mermaid\nflowchart LR" in comment
    assert "to review before merging" not in comment  # a class change is not a risk
