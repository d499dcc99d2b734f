"""Faults from issue 15: out-of-band changes, hanging endpoints, lost replies, stacks
that cannot be described; and an update a resource cannot take (the emulator rolls it
back, as AWS does). Wire faults use a socket on 127.0.0.1 that accepts and never answers,
with small configured timeouts and a SIGALRM guard so a regression fails instead of
hanging."""

from __future__ import annotations

import io
import json
import re
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from infragen.aws.gateway import Gateway
from infragen.errors import AwsError

from .conftest import ONE_LOG_STORE, SMALL_DAG, CallLog, Project

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
    plan = project.cli("plan", "--env", "dev", "beta/topic", "--format", "json")
    planned = {p["stack"]: p["action"] for p in json.loads(plan.output)["stacks"]}
    assert planned["beta/topic"] == "update", plan.output  # plan decides as deploy does

    call_log.clear()
    result = project.cli("deploy", "--env", "dev", "beta/topic")
    assert result.exit_code == 0, result.output
    assert "changed outside infragen (template); putting it back" in result.output
    # status read the changed template (GetTemplate) and recorded its digest for the
    # stack's new version; deploy trusted that record rather than reading it again.
    assert "GetTemplate" not in call_log.calls
    assert "DisplayName: one" in cfn.get_template(StackName=TOPIC)["TemplateBody"]

    call_log.clear()
    again = project.cli("deploy", "--env", "dev", "beta/topic")
    assert again.exit_code == 0, again.output
    assert call_log.writes == []
    assert call_log.calls.count("GetTemplate") == 0  # the version deploy itself wrote


def test_a_stale_record_never_hides_an_outside_change(
    aws: str, cfn: Any, make_project: MakeProject, call_log: CallLog
) -> None:
    """The record of the deployed template is per stack version: an update made outside
    infragen moves LastUpdatedTime, so the next run reads the template again."""
    project = make_project(SMALL_DAG)
    assert project.cli("deploy", "--env", "dev", "beta/topic").exit_code == 0
    change_outside_infragen(cfn, TOPIC)
    call_log.clear()
    result = project.cli("deploy", "--env", "dev", "beta/topic")
    assert result.exit_code == 0, result.output
    assert call_log.calls.count("GetTemplate") == 1
    assert "changed outside infragen (template); putting it back" in result.output


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
    assert result.output.count(" ERROR ") == 6  # five stacks and the search for orphans
    assert re.search(r"\(stacks not in config\)\s+-\s+ERROR .*did not answer", result.output)


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


# ---------------------------------------------------------------- lost replies (Stubber)

LOGS = "t-dev-data-logs"


def stubbed_direct_create(tmp_path: Any, found_tags: Callable[[str], dict[str, str]]) -> tuple:
    """A direct create whose CreateStack answers AlreadyExists (what botocore's retry of a
    CreateStack with a lost reply gets), then a DescribeStacks finding `found_tags`."""
    from infragen.deploy.context import Target, open_context
    from infragen.deploy.deploy import DeployOptions, Method, deploy_env
    from infragen.deploy.fingerprint import FINGERPRINT_TAG, stack_fingerprint
    from infragen.deploy.progress import PlainReporter

    from .stubs import event, events, not_found, stack, stubbed_gateway

    Project(tmp_path).write(ONE_LOG_STORE).render()
    gateway, stubber = stubbed_gateway()
    sent: dict[str, Any] = {}
    gateway.cf.meta.events.register(
        "provide-client-params.cloudformation.CreateStack",
        lambda params, **_: sent.update(params),
    )
    out = io.StringIO()
    target = Target(tmp_path / "config", tmp_path / "templates_out", "dev")
    context = open_context(target, PlainReporter(out), gateway_factory=lambda _r: gateway)
    fingerprint = stack_fingerprint(context.manifest.stacks["data/logs"], {})
    tags = {**found_tags(fingerprint)}
    not_found(stubber, "describe_stacks", LOGS)
    stubber.add_client_error(
        "create_stack",
        service_error_code="AlreadyExistsException",
        service_message=f"Stack [{LOGS}] already exists",
        http_status_code=400,
    )
    stubber.add_response("describe_stacks", stack(LOGS, "CREATE_IN_PROGRESS", tags=tags))
    if tags.get(FINGERPRINT_TAG) == fingerprint:
        stubber.add_response("describe_stacks", stack(LOGS, "CREATE_COMPLETE", tags=tags))
        stubber.add_response(
            "describe_stack_events", events(event(LOGS, 1, LOGS, "CREATE_COMPLETE"))
        )
    options = DeployOptions(stacks=("data/logs",), method=Method.DIRECT)
    summary = deploy_env(context, options)
    stubber.assert_no_pending_responses()
    return summary, sent, out.getvalue()


def test_a_create_whose_reply_was_lost_is_recognised_as_ours(tmp_path: Any) -> None:
    from infragen.deploy.fingerprint import FINGERPRINT_TAG

    summary, sent, out = stubbed_direct_create(tmp_path, lambda fp: {FINGERPRINT_TAG: fp})
    assert summary.ok, summary.results
    assert summary.results[0].outcome.value == "created"
    assert sent["ClientRequestToken"].startswith("infragen-")
    assert "CreateStack was received (its reply was lost)" in out


def test_a_stack_created_meanwhile_by_someone_else_is_a_clear_failure(tmp_path: Any) -> None:
    from infragen.deploy.fingerprint import FINGERPRINT_TAG

    summary, _, _ = stubbed_direct_create(tmp_path, lambda fp: {FINGERPRINT_TAG: "other"})
    assert not summary.ok
    assert "was created by someone else meanwhile (CREATE_IN_PROGRESS)" in summary.results[0].reason


# ---------------------------------------------------------------- error bodies


def _parser_error(body: bytes) -> Exception:
    """What botocore raises when an XML API answers with another format (its own text)."""
    from botocore.parsers import ResponseParserError

    return ResponseParserError(
        "Unable to parse response (syntax error: line 1, column 0), invalid XML received. "
        f"Further retries may succeed:\n{body!r}"
    )


def test_a_json_error_body_is_read_as_the_service_error_not_raw_bytes() -> None:
    from infragen.aws.gateway import AlreadyExistsError, translate

    body = b'{"__type": "AlreadyExistsException", "message": "Stack [s] already exists"}'
    error = translate(_parser_error(body), stack="s", action="CreateStack")
    assert isinstance(error, AlreadyExistsError)
    assert error.message == "AlreadyExistsException: Stack [s] already exists (CreateStack)"
    assert "b'" not in error.message and "emulator" not in error.hint


def test_an_html_error_page_still_names_the_emulator_gap() -> None:
    from infragen.aws.gateway import EndpointError, translate

    body = b"<html><title>500 Internal Server Error</title></html>"
    error = translate(_parser_error(body), action="DetectStackDrift")
    assert isinstance(error, EndpointError)
    assert "HTTP error page '500 Internal Server Error'" in error.message
    assert "emulator" in error.hint


# ---------------------------------------------------------------- failed and in-between states


def test_a_stack_left_in_review_is_not_matched_and_direct_deploy_recreates_it(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    project = make_project(SMALL_DAG)
    body = (project.templates / "dev" / "beta" / "topic.yaml").read_text()
    cfn.create_change_set(
        StackName=TOPIC, ChangeSetName="never-run", ChangeSetType="CREATE", TemplateBody=body
    )
    status = project.cli("status", "--env", "dev")
    assert status.exit_code == 1
    assert re.search(r"beta/topic\s+t-dev-beta-topic\s+REVIEW_IN_PROGRESS .* no", status.output)
    result = project.cli("deploy", "--env", "dev", "beta/topic", "--method", "direct")
    assert result.exit_code == 0, result.output
    assert cfn.describe_stacks(StackName=TOPIC)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_a_concurrent_operation_on_the_stack_is_named_as_such(tmp_path: Any) -> None:
    from infragen.deploy.context import Target, open_context
    from infragen.deploy.deploy import DeployOptions, Method, deploy_env
    from infragen.deploy.progress import PlainReporter

    from .stubs import event, events, stack, stubbed_gateway

    Project(tmp_path).write(ONE_LOG_STORE).render()
    gateway, stubber = stubbed_gateway()
    target = Target(tmp_path / "config", tmp_path / "templates_out", "dev")
    out = io.StringIO()
    context = open_context(target, PlainReporter(out), gateway_factory=lambda _r: gateway)
    stubber.add_response("describe_stacks", stack(LOGS, "UPDATE_COMPLETE", tags={"x": "old"}))
    stubber.add_response("describe_stack_events", events(event(LOGS, 1, LOGS, "UPDATE_COMPLETE")))
    stubber.add_client_error(
        "update_stack",
        service_error_code="ValidationError",
        service_message=f"Stack:{LOGS} is in UPDATE_IN_PROGRESS state and can not be updated.",
        http_status_code=400,
    )
    summary = deploy_env(context, DeployOptions(stacks=("data/logs",), method=Method.DIRECT))
    stubber.assert_no_pending_responses()
    (result,) = summary.results
    assert not summary.ok
    assert "another deploy or a console operation is running on this stack" in result.reason


@pytest.mark.parametrize(
    "state",
    [
        "ROLLBACK_COMPLETE",
        "ROLLBACK_FAILED",
        "DELETE_FAILED",
        "CREATE_IN_PROGRESS",
        "UPDATE_IN_PROGRESS",
    ],
)
def test_status_and_deploy_give_one_working_advice_per_failed_state(
    tmp_path: Any, state: str
) -> None:
    from infragen.aws.status import next_step
    from infragen.deploy.context import Target, open_context
    from infragen.deploy.deploy import DeployOptions, deploy_env
    from infragen.deploy.fingerprint import FINGERPRINT_TAG, stack_fingerprint
    from infragen.deploy.progress import PlainReporter
    from infragen.deploy.status import status_env

    from .stubs import stack, stubbed_gateway

    Project(tmp_path).write(ONE_LOG_STORE).render()
    target = Target(tmp_path / "config", tmp_path / "templates_out", "dev")
    advice = next_step(state, LOGS, "dev")
    assert advice

    gateway, stubber = stubbed_gateway()
    context = open_context(target, PlainReporter(io.StringIO()), gateway_factory=lambda _r: gateway)
    fingerprint = stack_fingerprint(context.manifest.stacks["data/logs"], {})
    tags = {FINGERPRINT_TAG: fingerprint}  # the tag matches: the state alone must decide
    stubber.add_response("describe_stacks", stack(LOGS, state, tags=tags))
    (row,) = status_env(context)
    assert not row.ok and row.match_text == f"no ({advice})"

    gateway, stubber = stubbed_gateway()
    context = open_context(target, PlainReporter(io.StringIO()), gateway_factory=lambda _r: gateway)
    stubber.add_response("describe_stacks", stack(LOGS, state, tags=tags))
    summary = deploy_env(context, DeployOptions(stacks=("data/logs",)))
    stubber.assert_no_pending_responses()  # refused before any write
    assert not summary.ok
    assert summary.results[0].reason.endswith(f"(hint: {advice})")
    if "--replace-failed" in advice:
        assert state in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED")


def test_an_execute_whose_reply_was_lost_is_not_a_failure() -> None:
    from infragen.aws.gateway import OperationInProgressError

    from .stubs import change_set, stubbed_gateway

    gateway, stubber = stubbed_gateway()
    for execution in ("EXECUTE_IN_PROGRESS", "AVAILABLE"):
        stubber.add_client_error(
            "execute_change_set",
            service_error_code="InvalidChangeSetStatus",
            service_message="ChangeSet [cs] cannot be executed in its current status",
            http_status_code=400,
            expected_params={"StackName": LOGS, "ChangeSetName": "cs", "ClientRequestToken": "t1"},
        )
        stubber.add_response(
            "describe_change_set", {**change_set([]), "ExecutionStatus": execution}
        )
    gateway.execute_change_set(LOGS, "cs", "t1")  # our own execution: carry on waiting
    with pytest.raises(OperationInProgressError):
        gateway.execute_change_set(LOGS, "cs", "t1")  # not executing: someone else's doing
    stubber.assert_no_pending_responses()


def test_an_endpoint_url_that_is_not_a_url_is_a_usage_error(make_project: MakeProject) -> None:
    project = make_project(SMALL_DAG)
    result = project.cli("status", "--env", "dev", "--endpoint-url", "notaurl")
    assert result.exit_code == 2
    assert "'notaurl' is not a URL" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- a fault-injecting proxy


@pytest.fixture
def dropping_proxy(aws: str) -> Iterator[tuple[str, list[str]]]:
    """http://127.0.0.1:PORT forwarding to the emulator, except that the reply to the first
    CreateStack is dropped after the emulator handled it (the connection just closes).
    Yields the URL and the list of actions it dropped."""
    import http.client
    import http.server
    from urllib.parse import urlsplit

    upstream = urlsplit(aws)
    dropped: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            connection.request("POST", self.path, body, headers)
            reply = connection.getresponse()
            data = reply.read()
            connection.close()
            if b"Action=CreateStack" in body and not dropped:
                dropped.append("CreateStack")
                self.close_connection = True
                return  # the request worked; its reply is lost
            self.send_response(reply.status)
            for key, value in reply.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", dropped
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_lost_create_stack_reply_on_the_wire_ends_created(
    aws: str, cfn: Any, make_project: MakeProject, dropping_proxy: tuple, guard: None
) -> None:
    proxy, dropped = dropping_proxy
    project = make_project(SMALL_DAG)
    result = project.cli(
        "deploy", "--env", "dev", "beta/topic", "--method", "direct", "--endpoint-url", proxy
    )
    assert dropped == ["CreateStack"]
    assert result.exit_code == 0, result.output
    assert "CreateStack was received (its reply was lost)" in result.output
    assert cfn.describe_stacks(StackName=TOPIC)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


@pytest.mark.parametrize("method", ["changeset", "direct"])
def test_an_update_a_resource_cannot_take_fails_the_stack_and_a_fixed_config_deploys(
    aws: str, cfn: Any, make_project: MakeProject, method: str
) -> None:
    # A real moto failure, no injected fault: the new log group name is taken. As on AWS
    # the update rolls back (the API call itself succeeds) and deploy names the cause.
    import boto3

    boto3.client("logs", region_name="us-east-1").create_log_group(logGroupName="/t/dev/taken")
    project = make_project(ONE_LOG_STORE)
    assert project.cli("deploy", "--env", "dev", "--method", method).exit_code == 0
    project.write(ONE_LOG_STORE.replace("/t/dev/data}", "/t/dev/taken}")).render()
    result = project.cli("deploy", "--env", "dev", "--method", method)
    assert result.exit_code == 1, result.output
    assert re.search(r"^  data/logs\s+\S+\s+failed", result.output, re.M), result.output
    assert "root cause: LogGroup (AWS::Logs::LogGroup) UPDATE_FAILED: " in result.output
    assert "log group already exists" in result.output
    assert "Traceback" not in result.output and "InternalFailure" not in result.output
    stack = cfn.describe_stacks(StackName=LOGS)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert stack["Outputs"][0]["OutputValue"] == "/t/dev/data"  # the previous stack's

    project.write(ONE_LOG_STORE.replace("/t/dev/data}", "/t/dev/fixed}")).render()
    again = project.cli("deploy", "--env", "dev", "--method", method)
    assert again.exit_code == 0, again.output
    stack = cfn.describe_stacks(StackName=LOGS)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert stack["Outputs"][0]["OutputValue"] == "/t/dev/fixed"
