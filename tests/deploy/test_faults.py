"""Faults from issue 15: out-of-band changes, hanging endpoints, lost replies, stacks
that cannot be described. Wire faults use a socket on 127.0.0.1 that accepts and never
answers, with small configured timeouts and a SIGALRM guard so a regression fails
instead of hanging."""

from __future__ import annotations

import re
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from infragen.aws.gateway import Gateway
from infragen.errors import AwsError

from .conftest import SMALL_DAG, CallLog, Project

MakeProject = Callable[..., Project]
TOPIC = "t-dev-beta-topic"


def change_outside_infragen(cfn: Any, name: str) -> None:
    """What a console or boto3 user does: same tags and parameters, another template."""
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    body = cfn.get_template(StackName=name)["TemplateBody"]
    assert "DisplayName: one" in body
    cfn.update_stack(
        StackName=name,
        TemplateBody=body.replace("DisplayName: one", "DisplayName: changed"),
        Parameters=[
            {"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
            for p in stack.get("Parameters", [])
        ],
        Tags=stack["Tags"],
    )
    cfn.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig={"Delay": 0.1})


def test_a_stack_changed_outside_infragen_is_put_back(
    aws: str, cfn: Any, make_project: MakeProject, call_log: CallLog
) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "beta/topic").exit_code == 0
    change_outside_infragen(cfn, TOPIC)

    status = project.cli("status", "--env", "dev", "--endpoint-url", aws)
    assert status.exit_code == 1
    assert re.search(r"beta/topic .* no \(changed outside infragen: template\)", status.output)

    call_log.clear()
    result = project.cli("deploy", "--env", "dev", "beta/topic")
    assert result.exit_code == 0, result.output
    assert "changed outside infragen (template); putting it back" in result.output
    assert "GetTemplate" in call_log.calls
    assert "DisplayName: one" in cfn.get_template(StackName=TOPIC)["TemplateBody"]

    call_log.clear()
    again = project.cli("deploy", "--env", "dev", "beta/topic")
    assert again.exit_code == 0, again.output
    assert call_log.writes == []
    assert call_log.calls.count("GetTemplate") == 1


def test_deploy_force_redeploys_although_unchanged(
    aws: str, make_project: MakeProject, call_log: CallLog
) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "beta/topic").exit_code == 0
    call_log.clear()
    result = project.cli("deploy", "--env", "dev", "beta/topic", "--force")
    assert result.exit_code == 0, result.output
    assert "CreateChangeSet" in call_log.calls
    assert "GetTemplate" not in call_log.calls


@pytest.fixture
def guard() -> Iterator[None]:
    """A regression that hangs fails after 60 s instead of hanging the suite."""

    def expire(*_: object) -> None:
        raise TimeoutError("hung: the fault was not bounded")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """http://127.0.0.1:PORT that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not done.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        done.set()
        thread.join(5)
        for connection in held:
            connection.close()
        server.close()


FAST = ("--connect-timeout", "0.2", "--read-timeout", "0.2")


def test_an_endpoint_that_never_answers_fails_each_stack_with_retry_lines(
    aws: str, make_project: MakeProject, silent_endpoint: str, guard: None
) -> None:
    project = make_project(SMALL_DAG)
    result = project.cli(
        "status", "--env", "dev", "--endpoint-url", silent_endpoint, *FAST, "--max-attempts", "2"
    )
    assert result.exit_code == 1
    assert "retrying (attempt 2 of 2)" in result.output
    assert "attempt 3" not in result.output
    assert re.search(r"beta/topic\s+t-dev-beta-topic\s+ERROR .*did not answer", result.output)
    assert result.output.count(" ERROR ") == 5


def test_timeout_ends_a_command_against_a_hanging_endpoint(
    aws: str, make_project: MakeProject, silent_endpoint: str, guard: None
) -> None:
    project = make_project(SMALL_DAG)
    result = project.cli(
        "deploy",
        "--env",
        "dev",
        "beta/topic",
        "--endpoint-url",
        silent_endpoint,
        *FAST,
        "--max-attempts",
        "20",
        "--timeout",
        "1",
    )
    assert result.exit_code == 1
    assert "--timeout passed" in result.output
    assert "Traceback" not in result.output


def test_status_shows_every_stack_when_one_cannot_be_described(
    aws: str, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev").exit_code == 0
    real = Gateway.describe_stack

    def describe(self: Gateway, name: str) -> Any:
        if name == "t-dev-beta-queue":
            raise AwsError("AccessDenied: not allowed (DescribeStacks)", stack=name)
        return real(self, name)

    def listing(self: Gateway) -> Any:
        raise AwsError("AccessDenied: not allowed to list (DescribeStacks)")

    monkeypatch.setattr(Gateway, "describe_stack", describe)
    monkeypatch.setattr(Gateway, "describe_all_stacks", listing)
    result = project.cli("status", "--env", "dev")
    assert result.exit_code == 1
    assert re.search(r"beta/queue\s+t-dev-beta-queue\s+ERROR .*AccessDenied", result.output)
    assert re.search(r"beta/topic\s+t-dev-beta-topic\s+\S+_COMPLETE .* yes", result.output)
    assert result.output.count("_COMPLETE") == 4
