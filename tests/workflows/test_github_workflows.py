"""The GitHub Actions workflows infragen ships for a project (src/infragen/templates/github/):
valid YAML of the right shape, every `infragen` command they run accepted by this CLI, the
deploy order dev -> staging -> prod with OIDC, and actionlint's verdict when it is installed."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from infragen.cli import cli

WORKFLOWS = Path(str(resources.files("infragen") / "templates" / "github" / "workflows"))
FILES = sorted(WORKFLOWS.glob("*.yaml"))


def _load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    document["on"] = document.pop(True, document.get("on"))
    return document


def _runs(document: dict[str, Any]) -> list[str]:
    return [
        step["run"]
        for job in document["jobs"].values()
        for step in job.get("steps", [])
        if "run" in step
    ]


def _infragen_commands(script: str) -> list[list[str]]:
    """Each `infragen ...` command of a run script, with expressions and variables filled in."""
    filled = re.sub(r"\$\{\{[^}]*\}\}", "dev", script)
    filled = re.sub(r"\$\{?[A-Z_]+\}?", "main", filled).replace("\\\n", " ")
    commands = []
    for line in re.split(r"\n|&&|\|\|", filled):
        words = shlex.split(line, comments=True)
        if words and words[0] == "infragen":
            commands.append(words[1:])
    return commands


def test_the_repository_runs_the_workflows_infragen_ships() -> None:
    """This repository's own CI is the example: the same files `infragen init` writes."""
    ours = Path(__file__).resolve().parents[2] / ".github" / "workflows"
    assert {p.name: p.read_text() for p in ours.glob("*.yaml")} == {
        p.name: p.read_text() for p in FILES
    }


def test_there_are_the_pr_and_deploy_workflows() -> None:
    assert {p.name for p in FILES} == {
        "infragen-pr.yaml",
        "infragen-deploy.yaml",
        "infragen-deploy-env.yaml",
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_workflow_shape(path: Path) -> None:
    document = _load(path)
    assert document["name"] and document["on"] and document["jobs"]
    for job in document["jobs"].values():
        assert ("runs-on" in job and job["steps"]) or "uses" in job


COMMANDS = [
    (path.name, args)
    for path in FILES
    for run in _runs(_load(path))
    for args in _infragen_commands(run)
]


@pytest.mark.parametrize(
    ("name", "args"), COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, list) else v
)
def test_every_infragen_command_parses(name: str, args: list[str]) -> None:
    """click parses the command line as the workflow writes it: the command and every option
    exist and take the values given (nothing runs)."""
    error = _parse_error(args)
    assert error is None, f"{name}: infragen {' '.join(args)}: {error}"


def test_a_wrong_option_is_caught() -> None:
    assert "--nope" in str(_parse_error(["plan", "--env", "dev", "--nope"]))
    assert "No such command" in str(_parse_error(["deploy-all", "--env", "dev"]))


def _parse_error(args: list[str]) -> click.UsageError | None:
    parent = click.Context(cli, info_name="infragen")
    try:
        command = cli.get_command(parent, args[0])
        if command is None:
            raise click.UsageError(f"No such command {args[0]!r}")
        command.make_context(args[0], list(args[1:]), parent=parent)
    except click.UsageError as error:
        return error
    return None


def test_the_workflows_run_the_review_and_deploy_steps() -> None:
    ran = [" ".join(a[:1]) for _, a in COMMANDS]
    for command in ("render", "lint", "cost", "plan", "deploy"):
        assert command in ran, command


def test_deploys_dev_then_staging_then_prod_with_oidc() -> None:
    chain = _load(WORKFLOWS / "infragen-deploy.yaml")["jobs"]
    assert "needs" not in chain["dev"]
    assert chain["staging"]["needs"] == "dev" and chain["prod"]["needs"] == "staging"
    assert {job["with"]["env"] for job in chain.values()} == {"dev", "staging", "prod"}
    job = _load(WORKFLOWS / "infragen-deploy-env.yaml")["jobs"]["deploy"]
    assert job["environment"] == "${{ inputs.env }}"  # prod's approval rule applies
    assert job["permissions"]["id-token"] == "write"
    oidc = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("aws-actions/"))
    assert oidc["with"]["role-to-assume"] == "${{ vars.INFRAGEN_DEPLOY_ROLE_ARN }}"


def test_pr_plan_comments_per_env() -> None:
    plan = _load(WORKFLOWS / "infragen-pr.yaml")["jobs"]["plan"]
    assert plan["strategy"]["matrix"]["env"] == ["dev", "staging", "prod"]
    assert plan["permissions"]["pull-requests"] == "write"
    assert any("gh pr comment" in step.get("run", "") for step in plan["steps"])


@pytest.mark.skipif(shutil.which("actionlint") is None, reason="actionlint is not installed")
def test_actionlint_accepts_the_workflows(tmp_path: Path) -> None:
    """actionlint resolves the local reusable workflow, so lint them where they will live."""
    target = tmp_path / ".github" / "workflows"
    shutil.copytree(WORKFLOWS, target)
    done = subprocess.run(
        ["actionlint", "-no-color", *sorted(str(p) for p in target.glob("*.yaml"))],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_deploy_keeps_and_plan_restores_the_verified_template_record() -> None:
    """The record that spares a GetTemplate per unchanged stack survives between CI runs: the
    deploy job caches it per env, the PR plan only restores it (a PR never writes it)."""
    from infragen.deploy.deployed import VERIFIED_DIR

    deploy = _load(WORKFLOWS / "infragen-deploy-env.yaml")["jobs"]["deploy"]["steps"]
    (kept,) = [s for s in deploy if s.get("uses") == "actions/cache@v4"]
    assert kept["with"]["path"] == VERIFIED_DIR.as_posix()
    assert kept["with"]["restore-keys"] == "infragen-deployed-${{ inputs.env }}-"
    steps = [s.get("uses") or s.get("run", "") for s in deploy]
    assert steps.index("actions/cache@v4") < next(
        i for i, s in enumerate(steps) if s.startswith("infragen deploy")
    )
    plan = _load(WORKFLOWS / "infragen-pr.yaml")["jobs"]["plan"]["steps"]
    assert not [s for s in plan if s.get("uses") == "actions/cache@v4"]
    (restored,) = [s for s in plan if s.get("uses") == "actions/cache/restore@v4"]
    assert restored["with"]["path"] == VERIFIED_DIR.as_posix()
    assert restored["with"]["restore-keys"] == "infragen-deployed-${{ matrix.env }}-"
