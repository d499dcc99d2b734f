"""`infragen lint` runs the team rules `.cfnlintrc` appends, as plain cfn-lint does (issue 16)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from infragen.cli import cli
from infragen.lint.runner import run_lint

INFRAGEN_RULES = Path(__file__).parents[2] / "src" / "infragen" / "lint" / "rules"
CFN_LINT = Path(sys.executable).parent / "cfn-lint"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Dlq:
    Type: AWS::SQS::Queue
    Properties:
      SqsManagedSseEnabled: true
      MessageRetentionPeriod: 1209600
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      SqsManagedSseEnabled: true
"""

TEAM_RULE = """\
from cfnlint.rules import CloudFormationLintRule, RuleMatch


class QueueRetention(CloudFormationLintRule):
    id = "{rule_id}"
    shortdesc = "SQS queues keep messages for the team's 14 days"
    description = "Set MessageRetentionPeriod on every queue"
    source_url = "https://example.com/team/lint"
    tags = ["team"]

    def match(self, cfn):
        for name, queue in cfn.get_resources(["AWS::SQS::Queue"]).items():
            if "MessageRetentionPeriod" not in (queue.get("Properties") or {{}}):
                yield RuleMatch(["Resources", name], "{message}".format(name=name))
"""


def write_rule(project: Path, rule_id: str = "W9950", message: str = "{name}: set retention"):
    rules = project / "team_rules"
    rules.mkdir(exist_ok=True)
    (rules / "QueueRetention.py").write_text(TEAM_RULE.format(rule_id=rule_id, message=message))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with one rendered template and a team rule directory, no .cfnlintrc yet."""
    app = tmp_path / "templates_out" / "dev" / "app"
    app.mkdir(parents=True)
    (app / "queues.yaml").write_text(TEMPLATE)
    write_rule(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint_json(*args: str):
    return CliRunner().invoke(cli, ["lint", "--format", "json", *args], catch_exceptions=False)


def test_without_append_rules_the_team_rule_does_not_run(project: Path) -> None:
    result = lint_json("--no-cache")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []


def test_team_rules_run_under_infragen_lint_exactly_as_under_cfn_lint(project: Path) -> None:
    # The infragen rules directory too, as a team writes it so plain cfn-lint has both: infragen
    # already has those rules and must not load them twice.
    (project / ".cfnlintrc").write_text(f"append_rules:\n  - team_rules\n  - {INFRAGEN_RULES}\n")
    result = lint_json("--no-cache")
    assert result.exit_code == 1, result.output
    ours = json.loads(result.output)
    assert [(f["rule"], f["line"], f["message"]) for f in ours] == [
        ("W9950", 8, "Orders: set retention")
    ]

    env = {**os.environ, "PYTHONPATH": str(INFRAGEN_RULES.parents[2])}
    plain = subprocess.run(
        [str(CFN_LINT), "--format", "json", "--", "templates_out/dev/app/queues.yaml"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert plain.returncode != 0, plain.stderr
    theirs = json.loads(plain.stdout)
    assert sorted((m["Rule"]["Id"], m["Location"]["Start"]["LineNumber"]) for m in theirs) == [
        (f["rule"], f["line"]) for f in ours
    ]


def test_editing_a_team_rule_invalidates_the_lint_cache(project: Path) -> None:
    (project / ".cfnlintrc").write_text("append_rules: [team_rules]\n")
    cache = project / "cache"
    first = run_lint(cache_dir=cache, jobs=1)
    assert (first.linted, first.cached) == (1, 0)
    assert [f.message for f in first.findings] == ["Orders: set retention"]
    assert run_lint(cache_dir=cache, jobs=1).cached == 1

    write_rule(project, message="{name}: keep messages 14 days")
    edited = run_lint(cache_dir=cache, jobs=1)
    assert (edited.linted, edited.cached) == (1, 0)
    assert [f.message for f in edited.findings] == ["Orders: keep messages 14 days"]


def test_an_entry_that_cannot_be_loaded_is_a_usage_error(project: Path) -> None:
    (project / ".cfnlintrc").write_text("append_rules: [no_such_rules]\n")
    result = CliRunner().invoke(cli, ["lint", "--no-cache"])
    assert result.exit_code == 2
    assert "append_rules entry 'no_such_rules' cannot be loaded" in result.output
    assert "hint: name a directory of rule files" in result.output
    assert "Traceback" not in result.output


def test_a_team_rule_reusing_an_infragen_id_is_refused(project: Path) -> None:
    write_rule(project, rule_id="E9101")
    (project / ".cfnlintrc").write_text("append_rules: [team_rules]\n")
    result = CliRunner().invoke(cli, ["lint", "--no-cache"])
    assert result.exit_code == 2
    assert "rule id E9101 of QueueRetention is already" in result.output
    assert "give the team rule an unused id" in result.output


#: cfn-lint's custom rules format: one rule a line, its id 9000 + the line number (E9002 here).
CUSTOM_RULES = """\
# queues keep messages for the team's 4 days
AWS::SQS::Queue MessageRetentionPeriod == 345600 WARN "Keep messages 4 days"
"""


def test_custom_rules_run_under_infragen_lint_exactly_as_under_cfn_lint(project: Path) -> None:
    (project / "custom_rules.txt").write_text(CUSTOM_RULES)
    (project / ".cfnlintrc").write_text("custom_rules: custom_rules.txt\n")
    result = lint_json("--no-cache")
    assert result.exit_code == 1, result.output
    ours = json.loads(result.output)
    assert [(f["rule"], f["severity"], f["line"]) for f in ours] == [("W9002", "warning", 7)]
    assert ours[0]["message"].startswith("Keep messages 4 days")

    plain = subprocess.run(
        [str(CFN_LINT), "--format", "json", "--", "templates_out/dev/app/queues.yaml"],
        capture_output=True,
        text=True,
        check=False,
    )
    theirs = json.loads(plain.stdout)
    assert [
        (m["Rule"]["Id"], m["Location"]["Start"]["LineNumber"], m["Message"]) for m in theirs
    ] == [(f["rule"], f["line"], f["message"]) for f in ours]


def test_editing_the_custom_rules_file_invalidates_the_lint_cache(project: Path) -> None:
    rules = project / "custom_rules.txt"
    rules.write_text(CUSTOM_RULES)
    (project / ".cfnlintrc").write_text("custom_rules: custom_rules.txt\n")
    cache = project / "cache"
    first = run_lint(cache_dir=cache, jobs=1)
    assert [f.rule for f in first.findings] == ["W9002"]
    assert run_lint(cache_dir=cache, jobs=1).cached == 1

    rules.write_text(CUSTOM_RULES.replace("WARN", "ERROR"))
    edited = run_lint(cache_dir=cache, jobs=1)
    assert (edited.linted, edited.cached) == (1, 0)
    assert [(f.rule, f.severity) for f in edited.findings] == [("E9002", "error")]


def test_a_custom_rules_file_that_cannot_be_read_is_a_usage_error(project: Path) -> None:
    (project / ".cfnlintrc").write_text("custom_rules: no_such_file.txt\n")
    result = CliRunner().invoke(cli, ["lint", "--no-cache"])
    assert result.exit_code == 2
    assert "custom_rules file 'no_such_file.txt' cannot be read (No such file" in result.output
    assert "hint: give the path of a cfn-lint custom rules file" in result.output
    assert "Traceback" not in result.output
