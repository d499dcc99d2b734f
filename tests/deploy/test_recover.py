"""Recovering without the console: a stack left in UPDATE_ROLLBACK_FAILED is continued
(ContinueUpdateRollback, with ResourcesToSkip) only when asked, and --disable-rollback is
for dev only. These run on botocore's Stubber (the requests checked are the ones sent); the
last one runs the same recovery on the emulator, whose test fault leaves a stack
UPDATE_ROLLBACK_FAILED."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from infragen.aws.gateway import Gateway
from infragen.aws.status import next_step
from infragen.aws.types import StackEvent
from infragen.deploy.context import Context, Target, open_context
from infragen.deploy.deploy import DeployOptions, deploy_env
from infragen.deploy.progress import PlainReporter
from infragen.deploy.recover import RollbackFlagError
from infragen.deploy.result import Outcome

from . import stubs
from .conftest import ONE_LOG_STORE, Project
from .stubs import change_set, event, events, stack, stack_id, stubbed_gateway

if TYPE_CHECKING:
    from infragen.emulator.server import Emulator

NAME = "t-dev-data-logs"
STACK = "AWS::CloudFormation::Stack"
# The failed update, then the failed rollback: LogGroup could not be put back.
STUCK_EVENTS = events(
    event(NAME, 1, NAME, "UPDATE_IN_PROGRESS", resource_type=STACK),
    event(NAME, 2, "LogGroup", "UPDATE_FAILED", "Rate exceeded"),
    event(NAME, 3, NAME, "UPDATE_ROLLBACK_IN_PROGRESS", resource_type=STACK),
    event(NAME, 4, "LogGroup", "UPDATE_FAILED", "Log group /t/dev/data was deleted"),
    event(NAME, 5, NAME, "UPDATE_ROLLBACK_FAILED", resource_type=STACK),
)


@pytest.fixture
def stubbed(tmp_path: Path) -> tuple[Callable[[], Context], Stubber, io.StringIO]:
    Project(tmp_path).write(ONE_LOG_STORE, {"dev": "{}\n", "prod": "{}\n"}).render()
    gateway, stubber = stubbed_gateway()
    out = io.StringIO()

    def make(env: str = "dev") -> Context:
        target = Target(tmp_path / "config", tmp_path / "templates_out", env)
        factory: Callable[[str], Gateway] = lambda _region: gateway  # noqa: E731
        return open_context(target, PlainReporter(out), gateway_factory=factory)

    return make, stubber, out


def expect_continued_rollback(stubber: Stubber, skip: list[str] | None) -> None:
    stubber.add_response("describe_stack_events", STUCK_EVENTS)  # newest before continuing
    request = {"StackName": stack_id(NAME), "ClientRequestToken": ANY}
    if skip:
        request["ResourcesToSkip"] = skip
    stubber.add_response("continue_update_rollback", {}, request)
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_ROLLBACK_COMPLETE"))
    stubber.add_response(
        "describe_stack_events",
        events(event(NAME, 6, NAME, "UPDATE_ROLLBACK_COMPLETE", resource_type=STACK)),
    )


def expect_update(stubber: Stubber) -> None:
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": stack_id(NAME)})
    stubber.add_response(
        "describe_change_set", change_set([("Modify", "LogGroup", "AWS::Logs::LogGroup", "False")])
    )
    stubber.add_response("describe_stack_events", events(event(NAME, 6, NAME, "X")))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE"))
    stubber.add_response("describe_stack_events", events(event(NAME, 7, NAME, "UPDATE_COMPLETE")))


def test_without_the_flag_the_deploy_names_the_failed_resources_and_the_command(stubbed) -> None:
    make, stubber, _ = stubbed
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_ROLLBACK_FAILED"))
    stubber.add_response("describe_stack_events", STUCK_EVENTS)
    summary = deploy_env(make(), DeployOptions())
    stubber.assert_no_pending_responses()  # nothing written
    (result,) = summary.results
    assert result.outcome is Outcome.FAILED and not summary.ok
    assert result.reason.startswith(
        f"{NAME} is UPDATE_ROLLBACK_FAILED: its last update failed and so did the rollback; "
        "failed to roll back: LogGroup (AWS::Logs::LogGroup): Log group /t/dev/data was deleted"
    )
    assert "RetentionInDays" not in result.reason  # the update's failure, not the rollback's
    assert "run `infragen deploy --env dev data/logs --only --continue-rollback`" in result.reason
    assert "add --skip-resources LogGroup to leave it as it is" in result.reason
    assert result.explain().count("Log group /t/dev/data was deleted") == 1


def test_continue_rollback_skips_the_named_resources_then_updates(stubbed) -> None:
    make, stubber, out = stubbed
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_ROLLBACK_FAILED"))
    expect_continued_rollback(stubber, ["LogGroup"])
    expect_update(stubber)
    options = DeployOptions(continue_rollback=True, skip_resources=frozenset({"LogGroup"}))
    summary = deploy_env(make(), options)
    stubber.assert_no_pending_responses()
    assert [r.outcome for r in summary.results] == [Outcome.UPDATED]
    assert "[data/logs] skipping LogGroup" in out.getvalue()
    assert "UPDATE_ROLLBACK_COMPLETE" in out.getvalue()


def test_a_confirmed_question_continues_without_skipping(stubbed) -> None:
    make, stubber, _ = stubbed
    asked: list[tuple[str, str, list[StackEvent]]] = []

    def confirm(sid: str, name: str, blockers: list[StackEvent]) -> bool:
        asked.append((sid, name, blockers))
        return True

    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_ROLLBACK_FAILED"))
    stubber.add_response("describe_stack_events", STUCK_EVENTS)  # for the question
    expect_continued_rollback(stubber, None)
    expect_update(stubber)
    summary = deploy_env(make(), DeployOptions(confirm_rollback=confirm))
    stubber.assert_no_pending_responses()
    assert summary.ok
    ((sid, name, blockers),) = asked
    assert (sid, name) == ("data/logs", NAME)
    assert [(e.logical_id, e.reason) for e in blockers] == [
        ("LogGroup", "Log group /t/dev/data was deleted")
    ]


def test_a_declined_question_writes_nothing(stubbed) -> None:
    make, stubber, _ = stubbed
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_ROLLBACK_FAILED"))
    stubber.add_response("describe_stack_events", STUCK_EVENTS)  # for the question
    stubber.add_response("describe_stack_events", STUCK_EVENTS)  # for the refusal
    summary = deploy_env(make(), DeployOptions(confirm_rollback=lambda *_: False))
    stubber.assert_no_pending_responses()
    assert "--continue-rollback" in summary.results[0].reason


def test_a_rollback_that_fails_again_is_a_failure_naming_what_to_skip(stubbed) -> None:
    make, stubber, _ = stubbed
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_ROLLBACK_FAILED"))
    stubber.add_response("describe_stack_events", STUCK_EVENTS)
    stubber.add_response("continue_update_rollback", {})
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_ROLLBACK_FAILED"))
    stubber.add_response(
        "describe_stack_events",
        events(
            event(NAME, 6, NAME, "UPDATE_ROLLBACK_IN_PROGRESS", resource_type=STACK),
            event(NAME, 7, "LogGroup", "UPDATE_FAILED", "still gone"),
            event(NAME, 8, NAME, "UPDATE_ROLLBACK_FAILED", resource_type=STACK),
        ),
    )
    summary = deploy_env(make(), DeployOptions(continue_rollback=True))
    stubber.assert_no_pending_responses()  # no update after a failed rollback
    (result,) = summary.results
    assert result.outcome is Outcome.FAILED and result.status == "UPDATE_ROLLBACK_FAILED"
    assert f"the continued rollback of {NAME} ended in UPDATE_ROLLBACK_FAILED" in result.reason
    assert "--skip-resources LogGroup" in result.reason
    assert result.root_cause is not None and result.root_cause.reason == "still gone"


def test_status_advice_for_a_failed_rollback_is_the_flag() -> None:
    advice = next_step("UPDATE_ROLLBACK_FAILED", NAME)
    assert "`infragen deploy --env ENV --continue-rollback`" in advice
    assert "--skip-resources" in advice


def test_disable_rollback_is_sent_with_the_execution(stubbed) -> None:
    make, stubber, _ = stubbed
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE"))
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": stack_id(NAME)})
    stubber.add_response(
        "describe_change_set", change_set([("Modify", "LogGroup", "AWS::Logs::LogGroup", "False")])
    )
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "X")))
    stubber.add_response(
        "execute_change_set", {}, stubs.execute_request(NAME, DisableRollback=True)
    )
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_FAILED"))
    stubber.add_response(
        "describe_stack_events", events(event(NAME, 2, "LogGroup", "UPDATE_FAILED", "bad"))
    )
    summary = deploy_env(make(), DeployOptions(disable_rollback=True))
    stubber.assert_no_pending_responses()
    (result,) = summary.results
    assert result.status == "UPDATE_FAILED" and "bad" in result.explain()


def test_disable_rollback_retries_an_update_failed_stack_directly(stubbed) -> None:
    from infragen.deploy.deploy import Method

    make, stubber, _ = stubbed
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_FAILED"))
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "UPDATE_FAILED")))
    stubber.add_response(
        "update_stack",
        {"StackId": stack_id(NAME)},
        stubs.update_request(NAME, DisableRollback=True),
    )
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE"))
    stubber.add_response("describe_stack_events", events(event(NAME, 2, NAME, "UPDATE_COMPLETE")))
    summary = deploy_env(make(), DeployOptions(method=Method.DIRECT, disable_rollback=True))
    stubber.assert_no_pending_responses()
    assert [r.outcome for r in summary.results] == [Outcome.UPDATED]


def test_disable_rollback_is_refused_in_production_before_any_call(stubbed) -> None:
    make, stubber, _ = stubbed
    with pytest.raises(RollbackFlagError) as raised:
        deploy_env(make("prod"), DeployOptions(disable_rollback=True))
    stubber.assert_no_pending_responses()
    assert raised.value.exit_code == 2
    assert raised.value.message.startswith("--disable-rollback is refused in prod")
    assert "dev environment" in raised.value.hint


def test_cli_without_a_tty_refuses_and_prints_the_command(
    stubbed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    make, stubber, _ = stubbed
    from infragen.deploy import context as context_module

    gateway = make().gateway("us-east-1")
    monkeypatch.setattr(context_module, "connect", lambda *a, **k: gateway)
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_ROLLBACK_FAILED"))
    stubber.add_response("describe_stack_events", STUCK_EVENTS)
    result = Project(tmp_path).cli("deploy", "--env", "dev")
    stubber.assert_no_pending_responses()
    assert result.exit_code == 1
    assert "infragen deploy --env dev data/logs --only --continue-rollback" in result.output


def test_cli_refuses_disable_rollback_in_prod(tmp_path: Path) -> None:
    Project(tmp_path).write(ONE_LOG_STORE, {"prod": "{}\n"}).render()
    result = Project(tmp_path).cli(
        "deploy",
        "--env",
        "prod",
        "--yes",
        "--disable-rollback",
        "--endpoint-url",
        "http://127.0.0.1:9",
    )
    assert result.exit_code == 2
    assert "--disable-rollback is refused in prod" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- on the emulator


def test_on_the_emulator_a_stack_stuck_in_update_rollback_failed_is_continued_then_updated(
    aws: str, cfn: Any, emulator: Emulator, make_project: Callable[..., Project]
) -> None:
    """The same recovery end to end: the emulator's test fault leaves the stack
    UPDATE_ROLLBACK_FAILED and implements ContinueUpdateRollback (ResourcesToSkip)."""
    project = make_project(ONE_LOG_STORE)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    emulator.fail_next_update(
        NAME,
        "LogGroup",
        update_reason="Rate exceeded",
        rollback_reason="Log group /t/dev/data was deleted",
        until_skipped=True,
    )
    project.write(
        ONE_LOG_STORE.replace(
            "{log_group_name: /t/dev/data}", "{log_group_name: /t/dev/data, retention_days: 14}"
        )
    ).render()

    failed = project.cli("deploy", "--env", "dev")
    assert failed.exit_code == 1
    assert cfn.describe_stacks(StackName=NAME)["Stacks"][0]["StackStatus"] == (
        "UPDATE_ROLLBACK_FAILED"
    )
    refused = project.cli("deploy", "--env", "dev")
    assert refused.exit_code == 1
    assert (
        "failed to roll back: LogGroup (AWS::Logs::LogGroup): Log group /t/dev/data was deleted"
        in refused.output
    )
    assert "infragen deploy --env dev data/logs --only --continue-rollback" in refused.output

    again = project.cli("deploy", "--env", "dev", "--continue-rollback")
    assert again.exit_code == 1  # the resource still cannot be rolled back
    assert "--skip-resources LogGroup" in again.output

    result = project.cli(
        "deploy", "--env", "dev", "--continue-rollback", "--skip-resources", "LogGroup"
    )
    assert result.exit_code == 0, result.output
    assert cfn.describe_stacks(StackName=NAME)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    group = boto3.client("logs").describe_log_groups(logGroupNamePrefix="/t/dev/data")
    assert group["logGroups"][0]["retentionInDays"] == 14
