"""Deploy-time CLI commands: exit codes and one-line hints, no AWS needed for these."""

from __future__ import annotations

import re
from collections.abc import Callable

from .conftest import SMALL_DAG, Project


def test_help_lists_the_deploy_commands_and_aws_options(make_project: Callable) -> None:
    project: Project = make_project(SMALL_DAG)
    top = project.cli("--help")
    for command in ("deploy", "plan", "delete", "status", "outputs", "diff", "drift"):
        assert re.search(rf"^  {command}\b", top.output, re.M), command
    deploy = project.cli("deploy", "--help")
    for option in ("--endpoint-url", "--profile", "--region", "--allow-replace", "--only"):
        assert option in deploy.output


def test_bad_usage_exits_2(make_project: Callable) -> None:
    project: Project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "--method", "sideways").exit_code == 2
    assert project.cli("deploy", "--env", "dev", "--max-parallel", "0").exit_code == 2
    unknown_env = project.cli("deploy", "--env", "nope")
    assert unknown_env.exit_code == 2
    assert "unknown environment 'nope'" in unknown_env.output


def test_unknown_stack_is_a_usage_error_with_a_hint(aws: str, make_project: Callable) -> None:
    project: Project = make_project(SMALL_DAG)
    result = project.cli("deploy", "--env", "dev", "alpha/nope")
    assert result.exit_code == 2
    assert "unknown stack(s) in dev: alpha/nope" in result.output
    assert "stack ids are app/name; run `infragen list --env dev`" in result.output


def test_a_misspelt_stack_gets_a_suggestion(aws: str, make_project: Callable) -> None:
    project: Project = make_project(SMALL_DAG)
    result = project.cli("deploy", "--env", "dev", "alpha/netwrok")
    assert result.exit_code == 2
    assert "hint: did you mean 'alpha/network'? stack ids are app/name" in result.output


def test_hand_edited_template_is_refused(aws: str, make_project: Callable) -> None:
    project: Project = make_project(SMALL_DAG)
    template = project.templates / "dev" / "beta" / "topic.yaml"
    template.write_text(template.read_text() + "# edited\n")
    result = project.cli("status", "--env", "dev")  # status does not re-render, but hashes
    assert result.exit_code == 1
    assert "does not match its sha256 in manifest.json" in result.output
    assert "Traceback" not in result.output


def test_plan_only_plans_the_named_stacks_as_deploy_only_deploys_them(
    aws: str, make_project: Callable
) -> None:
    project: Project = make_project(SMALL_DAG)
    with_dependencies = project.cli("plan", "--env", "dev", "beta/queue")
    assert with_dependencies.exit_code == 0, with_dependencies.output
    assert "beta/topic" in with_dependencies.output
    only = project.cli("plan", "--env", "dev", "beta/queue", "--only")
    assert only.exit_code == 0, only.output
    assert "beta/queue" in only.output and "beta/topic" not in only.output.replace(
        "output TopicArn of beta/topic", ""
    )


def test_options_that_would_silently_do_nothing_or_everything_are_refused(
    make_project: Callable,
) -> None:
    project: Project = make_project(SMALL_DAG)
    for verb in ("deploy", "plan", "delete"):
        result = project.cli(verb, "--env", "dev", "--only")
        assert result.exit_code == 2, (verb, result.output)
        assert "--only needs the APP/STACK names" in result.output
    # No terminal here: --skip-resources alone would be ignored.
    result = project.cli("deploy", "--env", "dev", "--skip-resources", "Queue")
    assert result.exit_code == 2
    assert "--skip-resources goes with --continue-rollback" in result.output
