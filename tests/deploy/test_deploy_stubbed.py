"""Deploy decisions the emulator cannot produce, driven through a Stubber-backed gateway:
replacement of stateful resources, rollbacks with their root-cause event, stacks left in
ROLLBACK_COMPLETE by a failed first create. Real requests and responses, no HTTP; an update's
rollback also runs on the emulator (its test fault), next to its Stubber test."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from infragen.aws.gateway import Gateway
from infragen.deploy.context import Context, Target, open_context
from infragen.deploy.deploy import DeployOptions, deploy_env
from infragen.deploy.progress import PlainReporter
from infragen.deploy.result import Outcome

from .conftest import Project
from .stubs import change_set, event, events, not_found, stack, stack_id, stubbed_gateway

if TYPE_CHECKING:
    from infragen.emulator.server import Emulator

NAME = "t-dev-data-logs"
CONFIG = """
project: t
region: us-east-1
apps:
  data:
    stacks:
      logs:
        blueprint: deploy.blueprints:LogStore
        vars: {log_group_name: /t/dev/data}
      reader:
        blueprint: deploy.blueprints:Queue
        vars: {topic_arn: !stack_output data/logs::LogGroupName}
"""


@pytest.fixture
def stubbed(tmp_path: Path) -> tuple[Callable[[], Context], Stubber, io.StringIO]:
    Project(tmp_path).write(CONFIG).render()
    gateway, stubber = stubbed_gateway()
    out = io.StringIO()

    def make() -> Context:
        target = Target(tmp_path / "config", tmp_path / "templates_out", "dev")
        factory: Callable[[str], Gateway] = lambda _region: gateway  # noqa: E731
        return open_context(target, PlainReporter(out), gateway_factory=factory)

    return make, stubber, out


def expect_update_change_set(stubber: Stubber, changes: list[tuple[str, str, str, str]]) -> None:
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE", tags={"x": "y"}))
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": stack_id(NAME)})
    stubber.add_response("describe_change_set", change_set(changes))


def test_replacing_a_stateful_resource_is_refused_without_the_flag(stubbed) -> None:
    make, stubber, out = stubbed
    expect_update_change_set(stubber, [("Modify", "LogGroup", "AWS::Logs::LogGroup", "True")])
    stubber.add_response("delete_change_set", {})
    summary = deploy_env(make(), DeployOptions(stacks=("data/logs",), only=True))
    stubber.assert_no_pending_responses()  # nothing executed
    (result,) = summary.results
    assert result.outcome is Outcome.FAILED and not summary.ok
    assert "LogGroup (AWS::Logs::LogGroup, Modify)" in result.reason
    assert "--allow-replace LogGroup" in result.reason
    assert "Modify  LogGroup (AWS::Logs::LogGroup) replacement: True  [stateful]" in out.getvalue()


def test_allow_replace_names_the_resource_and_the_update_runs(stubbed) -> None:
    make, stubber, _ = stubbed
    expect_update_change_set(stubber, [("Modify", "LogGroup", "AWS::Logs::LogGroup", "True")])
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "CREATE_COMPLETE")))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE"))
    stubber.add_response(
        "describe_stack_events",
        events(
            event(NAME, 1, NAME, "CREATE_COMPLETE"), event(NAME, 2, "LogGroup", "UPDATE_COMPLETE")
        ),
    )
    options = DeployOptions(stacks=("data/logs",), only=True, allow_replace=frozenset({"LogGroup"}))
    summary = deploy_env(make(), options)
    stubber.assert_no_pending_responses()
    assert [r.outcome for r in summary.results] == [Outcome.UPDATED]


def test_a_non_stateful_replacement_needs_no_flag(stubbed) -> None:
    make, stubber, _ = stubbed
    expect_update_change_set(stubber, [("Modify", "Queue", "AWS::SQS::Queue", "True")])
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "CREATE_COMPLETE")))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_COMPLETE"))
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "CREATE_COMPLETE")))
    summary = deploy_env(make(), DeployOptions(stacks=("data/logs",), only=True))
    assert summary.ok


def test_update_rollback_is_a_failure_with_its_root_cause_and_skips_dependents(
    stubbed,
) -> None:
    make, stubber, out = stubbed
    expect_update_change_set(stubber, [("Modify", "LogGroup", "AWS::Logs::LogGroup", "False")])
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "CREATE_COMPLETE")))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_ROLLBACK_COMPLETE"))
    stubber.add_response(
        "describe_stack_events",
        events(
            event(NAME, 1, NAME, "CREATE_COMPLETE"),
            event(NAME, 2, "LogGroup", "UPDATE_FAILED", "RetentionInDays 8 is not valid"),
            event(NAME, 3, "Other", "UPDATE_FAILED", "Resource update cancelled"),
            event(NAME, 4, NAME, "UPDATE_ROLLBACK_COMPLETE", resource_type="X"),
        ),
    )
    summary = deploy_env(make(), DeployOptions())
    stubber.assert_no_pending_responses()
    logs, reader = summary.results
    assert logs.outcome is Outcome.FAILED and logs.status == "UPDATE_ROLLBACK_COMPLETE"
    assert logs.root_cause is not None and logs.root_cause.logical_id == "LogGroup"
    assert "root cause: LogGroup (AWS::Logs::LogGroup) UPDATE_FAILED: RetentionInDays 8" in (
        logs.explain()
    )
    assert reader.outcome is Outcome.SKIPPED and reader.reason == "dependency data/logs failed"
    assert "UPDATE_FAILED LogGroup (AWS::Logs::LogGroup): RetentionInDays 8" in out.getvalue()


def test_on_the_emulator_update_rollback_is_a_failure_with_its_root_cause(
    aws: str, cfn: Any, emulator: Emulator, make_project: Callable[..., Project]
) -> None:
    """The test above end to end: the emulator's test fault fails the update and rolls the
    stack back to UPDATE_ROLLBACK_COMPLETE with AWS's events."""
    project = make_project(CONFIG)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    emulator.fail_next_update(
        NAME, "LogGroup", update_reason="RetentionInDays 8 is not valid", rollback_fails=False
    )
    project.write(CONFIG.replace("/t/dev/data}", "/t/dev/data, retention_days: 14}")).render()
    result = project.cli("deploy", "--env", "dev")
    assert result.exit_code == 1
    assert cfn.describe_stacks(StackName=NAME)["Stacks"][0]["StackStatus"] == (
        "UPDATE_ROLLBACK_COMPLETE"
    )
    assert "root cause: LogGroup (AWS::Logs::LogGroup) UPDATE_FAILED: RetentionInDays 8" in (
        result.output
    )
    assert "dependency data/logs failed" in result.output

    again = project.cli("deploy", "--env", "dev")  # a rolled-back stack updates again
    assert again.exit_code == 0, again.output
    assert cfn.describe_stacks(StackName=NAME)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"


def test_rollback_complete_needs_replace_failed(stubbed) -> None:
    make, stubber, _ = stubbed
    stubber.add_response("describe_stacks", stack(NAME, "ROLLBACK_COMPLETE"))
    summary = deploy_env(make(), DeployOptions(stacks=("data/logs",), only=True))
    stubber.assert_no_pending_responses()  # no delete, no create
    (result,) = summary.results
    assert result.outcome is Outcome.FAILED
    assert "ROLLBACK_COMPLETE" in result.reason and "--replace-failed" in result.reason


def test_replace_failed_deletes_then_creates(stubbed) -> None:
    make, stubber, _ = stubbed
    stubber.add_response("describe_stacks", stack(NAME, "ROLLBACK_COMPLETE"))
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "ROLLBACK_COMPLETE")))
    stubber.add_response("delete_stack", {}, {"StackName": stack_id(NAME)})
    not_found(stubber, "describe_stacks", NAME)
    not_found(stubber, "describe_stack_events", NAME)
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": stack_id(NAME)})
    stubber.add_response(
        "describe_change_set", change_set([("Add", "LogGroup", "AWS::Logs::LogGroup", "")])
    )
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(NAME, "CREATE_COMPLETE"))
    stubber.add_response("describe_stack_events", events(event(NAME, 5, NAME, "CREATE_COMPLETE")))
    options = DeployOptions(stacks=("data/logs",), only=True, replace_failed=True)
    summary = deploy_env(make(), options)
    stubber.assert_no_pending_responses()
    assert [r.outcome for r in summary.results] == [Outcome.CREATED]


def test_a_stack_busy_with_another_operation_is_not_touched(stubbed) -> None:
    make, stubber, _ = stubbed
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_IN_PROGRESS"))
    summary = deploy_env(make(), DeployOptions(stacks=("data/logs",), only=True))
    stubber.assert_no_pending_responses()
    assert "another operation is running" in summary.results[0].reason


def test_cli_exit_code_and_summary_for_a_rollback(
    stubbed,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    make, stubber, _ = stubbed
    from infragen.deploy import context as context_module

    gateway = make().gateway("us-east-1")
    monkeypatch.setattr(context_module, "connect", lambda *a, **k: gateway)
    stubber.add_response("describe_stacks", stack(NAME, "CREATE_COMPLETE", tags={"x": "y"}))
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": stack_id(NAME)})
    stubber.add_response(
        "describe_change_set", change_set([("Modify", "LogGroup", "AWS::Logs::LogGroup", "False")])
    )
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "CREATE_COMPLETE")))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_ROLLBACK_COMPLETE"))
    stubber.add_response(
        "describe_stack_events",
        events(event(NAME, 2, "LogGroup", "UPDATE_FAILED", "Access denied for logs:PutRetention")),
    )
    result = Project(tmp_path).cli("deploy", "--env", "dev", "data/logs", "--only")
    assert result.exit_code == 1
    assert "failed" in result.output and "Access denied for logs:PutRetention" in result.output
    assert "1 failed" in result.output


def test_ctrl_c_with_cancel_on_interrupt_cancels_the_running_update(
    stubbed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C arrives while the update runs: CancelUpdateStack is sent, the update's end
    (a rollback) is still waited for and reported, and the run counts as interrupted."""
    import threading

    from infragen.deploy import walker

    make, stubber, out = stubbed
    context = make()
    client = context.gateway("us-east-1").cf
    executing, cancelled = threading.Event(), threading.Event()

    def hold_execute(**_: object) -> None:  # the update is "running" until cancelled
        executing.set()
        assert cancelled.wait(10)

    # provide-client-params comes before the Stubber's handlers, which check call order;
    # the update is released only after CancelUpdateStack has really been answered.
    client.meta.events.register(
        "provide-client-params.cloudformation.ExecuteChangeSet", hold_execute
    )
    client.meta.events.register(
        "after-call.cloudformation.CancelUpdateStack", lambda **_: cancelled.set()
    )
    real_wait = walker.wait
    calls = {"n": 0}

    def wait_then_ctrl_c(*args: object, **kwargs: object):
        calls["n"] += 1
        if calls["n"] == 1:
            assert executing.wait(10), out.getvalue()
            raise KeyboardInterrupt
        return real_wait(*args, **kwargs)

    monkeypatch.setattr(walker, "wait", wait_then_ctrl_c)
    expect_update_change_set(stubber, [("Modify", "LogGroup", "AWS::Logs::LogGroup", "False")])
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "CREATE_COMPLETE")))
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_IN_PROGRESS"))  # cancel()
    stubber.add_response("cancel_update_stack", {}, {"StackName": NAME})
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(NAME, "UPDATE_ROLLBACK_COMPLETE"))
    stubber.add_response(
        "describe_stack_events",
        events(event(NAME, 2, NAME, "UPDATE_ROLLBACK_COMPLETE", resource_type="X")),
    )
    options = DeployOptions(cancel_on_interrupt=True)
    summary = deploy_env(context, options)
    stubber.assert_no_pending_responses()
    assert summary.interrupted and not summary.ok
    logs, reader = summary.results
    assert logs.outcome is Outcome.FAILED and logs.status == "UPDATE_ROLLBACK_COMPLETE"
    assert reader.outcome is Outcome.SKIPPED
    assert "CancelUpdateStack sent" in out.getvalue()


def test_change_set_create_then_sets_termination_protection(tmp_path: Path) -> None:
    """CreateChangeSet cannot enable protection, so it is set once the stack exists."""
    config = CONFIG.replace(
        "blueprint: deploy.blueprints:LogStore", "blueprint: deploy.blueprints:LogStore\n"
        "        termination_protection: true"
    )  # fmt: skip
    Project(tmp_path).write(config).render()
    gateway, stubber = stubbed_gateway()
    context = open_context(
        Target(tmp_path / "config", tmp_path / "templates_out", "dev"),
        PlainReporter(io.StringIO()),
        gateway_factory=lambda _region: gateway,
    )
    not_found(stubber, "describe_stacks", NAME)
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": stack_id(NAME)})
    stubber.add_response(
        "describe_change_set", change_set([("Add", "LogGroup", "AWS::Logs::LogGroup", "")])
    )
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stacks", stack(NAME, "CREATE_COMPLETE", protected=False))
    stubber.add_response("describe_stack_events", events(event(NAME, 1, NAME, "CREATE_COMPLETE")))
    stubber.add_response(
        "update_termination_protection",
        {"StackId": stack_id(NAME)},
        {"StackName": NAME, "EnableTerminationProtection": True},
    )
    summary = deploy_env(context, DeployOptions(stacks=("data/logs",), only=True))
    stubber.assert_no_pending_responses()
    assert [r.outcome for r in summary.results] == [Outcome.CREATED]
