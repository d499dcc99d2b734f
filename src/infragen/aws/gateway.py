"""The one module that talks to CloudFormation (and S3 for large templates).

One place for client creation, retries (botocore adaptive mode), error-code mapping and
waiting. botocore is imported inside `connect()` so that importing this module is cheap and
`infragen --help` stays fast. Request kwargs come from pure functions in `aws.requests`,
values returned are the types of `aws.types`. No printing: callers pass an `on_event`
callback and decide how to show progress.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infragen.aws import status as st
from infragen.aws.requests import backoff_delays, template_url
from infragen.aws.types import (
    Change,
    ChangeSet,
    DriftResult,
    InstanceResult,
    ResourceDrift,
    StackEvent,
    StackInfo,
    StackInstance,
    StackSetInfo,
    StackSetOperation,
)
from infragen.errors import EXIT_USAGE, AwsError

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from infragen.aws.credentials import CredentialsTarget


# ---------------------------------------------------------------- errors


class StackNotFoundError(AwsError):
    """The stack does not exist (or was deleted)."""


class ThrottledError(AwsError):
    """Still throttled after botocore's adaptive retries gave up."""


class AccessDeniedError(AwsError):
    """The credentials lack a permission."""


class CredentialsError(AwsError):
    """No usable AWS credentials were found."""


class EndpointError(AwsError):
    """The endpoint did not answer, or answered with something that is not CloudFormation."""


class AlreadyExistsError(AwsError):
    """CreateStack or CreateChangeSet found the name taken: by another caller, or by this
    very call when its first reply was lost and botocore retried it."""


class OperationInProgressError(AwsError):
    """Another operation (a concurrent deploy, the console) is running on the stack."""


class DeadlineError(AwsError):
    """The command's overall --timeout passed."""


class EndpointUrlError(AwsError):
    """--endpoint-url / AWS_ENDPOINT_URL is not a URL."""

    exit_code = EXIT_USAGE


class NoChangesError(AwsError):
    """An update or change set would change nothing; callers treat this as success."""

    exit_code = 0


class ChangeSetFailedError(AwsError):
    """A change set could not be created (bad template, bad parameter...)."""


class DriftDetectionError(AwsError):
    """Drift detection did not complete."""


_CODE_TO_ERROR: dict[str, type[AwsError]] = {
    "Throttling": ThrottledError,
    "ThrottlingException": ThrottledError,
    "RequestLimitExceeded": ThrottledError,
    "AccessDenied": AccessDeniedError,
    "AccessDeniedException": AccessDeniedError,
    "UnauthorizedOperation": AccessDeniedError,
    "ExpiredToken": CredentialsError,
    "ExpiredTokenException": CredentialsError,
    "InvalidClientTokenId": CredentialsError,
    "SignatureDoesNotMatch": CredentialsError,
    "ChangeSetNotFound": StackNotFoundError,
    "AlreadyExistsException": AlreadyExistsError,
    "InvalidChangeSetStatus": OperationInProgressError,
    "InvalidChangeSetStatusException": OperationInProgressError,
    "OperationInProgressException": OperationInProgressError,
    "ChangeSetNotFoundException": StackNotFoundError,
    "StackSetNotFoundException": StackNotFoundError,
    "StackInstanceNotFoundException": StackNotFoundError,
    "NameAlreadyExistsException": AlreadyExistsError,
    "OperationIdAlreadyExistsException": AlreadyExistsError,
}

_HINTS: dict[type[AwsError], str] = {
    ThrottledError: "too many API calls: lower --max-parallel or retry later",
    AccessDeniedError: "the role running infragen needs this CloudFormation/S3 permission",
    CredentialsError: "check AWS_PROFILE / --profile and that the session has not expired",
    StackNotFoundError: "run `infragen status --env ENV` to see what is deployed",
    OperationInProgressError: "another deploy or a console operation is running on this "
    "stack: wait for it to finish (`infragen status`), then deploy again",
}


def _validation_quirk(message: str) -> type[AwsError] | None:
    """CloudFormation's one ambiguous code: `ValidationError` covers bad input, a missing
    stack and "nothing to update" alike, with no finer code. These two are told apart by
    message, here and nowhere else.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html
    """
    if "does not exist" in message:
        return StackNotFoundError
    # UpdateStack says "No updates are to be performed."; moto says the same for
    # CreateChangeSet, where AWS instead returns a FAILED change set (see `_no_changes`).
    if "No updates are to be performed" in message:
        return NoChangesError
    # "Stack:arn:... is in UPDATE_IN_PROGRESS state and can not be updated."
    if "_IN_PROGRESS state and can not be updated" in message:
        return OperationInProgressError
    return None


def _no_changes(change_set: Mapping[str, Any]) -> bool:
    """A FAILED change set whose only fault is having nothing to do. CloudFormation gives no
    code for this, only StatusReason text ("The submitted information didn't contain
    changes..." or "No updates are to be performed.")."""
    reason = str(change_set.get("StatusReason", ""))
    return change_set.get("Status") == "FAILED" and (
        "didn't contain changes" in reason or "No updates are to be performed" in reason
    )


def translate(exc: Exception, *, stack: str | None = None, action: str = "") -> AwsError:
    """A botocore exception as an infragen error, classified by error code."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )
    from botocore.parsers import ResponseParserError

    doing = f" ({action})" if action else ""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", "")) or code
        cls = _CODE_TO_ERROR.get(code)
        if cls is None and code == "ValidationError":
            cls = _validation_quirk(message)
        cls = cls or AwsError
        return cls(f"{code}: {message}{doing}", _HINTS.get(cls, ""), stack=stack)
    if isinstance(exc, NoCredentialsError):
        return CredentialsError("no AWS credentials found", _HINTS[CredentialsError], stack=stack)
    if isinstance(exc, EndpointConnectionError):
        return EndpointError(
            f"cannot reach the AWS endpoint{doing}: {exc}",
            "check --endpoint-url / AWS_ENDPOINT_URL and the network",
            stack=stack,
        )
    if isinstance(exc, (ReadTimeoutError, ConnectTimeoutError)):
        return EndpointError(
            f"the AWS endpoint did not answer{doing}: {exc}",
            "the endpoint may be hanging: check it, or raise --read-timeout / "
            "--connect-timeout / --max-attempts",
            stack=stack,
        )
    if isinstance(exc, ResponseParserError):
        # Emulators answer some errors with a JSON body on CloudFormation's XML API: the
        # error is still the service's, so it is classified like any other.
        parsed = _json_error(str(exc))
        if parsed is not None:
            code, message = parsed
            cls = _CODE_TO_ERROR.get(code) or (
                _validation_quirk(message) if code == "ValidationError" else None
            )
            cls = cls or AwsError
            return cls(f"{code}: {message}{doing}", _HINTS.get(cls, ""), stack=stack)
        # Calls they do not implement, or resources they fail to create, come back as an
        # HTML 500 page: only then is the emulator to blame.
        body = _response_clue(str(exc))
        return EndpointError(
            f"the endpoint sent a response that is not CloudFormation's{doing}: {body}",
            "the AWS emulator may not implement this call or resource; see README "
            "'Emulator coverage'",
            stack=stack,
        )
    if isinstance(exc, BotoCoreError):
        return AwsError(f"{type(exc).__name__}: {exc}{doing}", stack=stack)
    raise exc


def _raw_body(text: str) -> str:
    """The body botocore quotes in its parser error, without the bytes literal around it."""
    import ast

    body = text.split("invalid XML received.", 1)[-1].replace("Further retries may succeed:", "")
    body = body.strip()
    if body.startswith(("b'", 'b"')):
        try:
            value = ast.literal_eval(body)
        except (ValueError, SyntaxError):
            return body
        return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return body


def _json_error(text: str) -> tuple[str, str] | None:
    """(code, message) of a JSON error body ({"__type": ..., "message": ...}), else None."""
    import json

    try:
        data = json.loads(_raw_body(text))
    except ValueError:
        return None
    if not isinstance(data, dict) or not data.get("__type"):
        return None
    code = str(data["__type"]).rsplit("#", 1)[-1]
    message = str(data.get("message") or data.get("Message") or code)
    return code, message


def _response_clue(text: str) -> str:
    """The raw body is the only clue to what the endpoint disliked: an HTML page's title,
    or the first 200 characters of anything else."""
    import re

    body = _raw_body(text)
    title = re.search(r"<title>(.*?)</title>", body, re.IGNORECASE | re.DOTALL)
    if title:
        return f"HTTP error page '{title.group(1).strip()}'"
    return " ".join(body.split())[:200]


# ---------------------------------------------------------------- connection


@dataclass(frozen=True)
class AwsSettings:
    """Where to connect and how long to wait. None means: whatever boto3 finds (env vars,
    config files).

    botocore's defaults (60 s read timeout, up to 10 attempts) let an endpoint that
    accepts and never answers hang a command for 15 minutes; CloudFormation's API calls
    answer in about a second, so the defaults here are tighter. `deadline` is a
    `time.monotonic()` value after which no call starts and no wait goes on.
    """

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    max_attempts: int = 4
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    deadline: float | None = None

    def resolved_endpoint(self) -> str | None:
        import os

        return self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None


@dataclass(frozen=True)
class Waiting:
    """Polling cadence. The first check is immediate; then capped exponential backoff."""

    first_delay: float = 1.0
    max_delay: float = 10.0
    timeout: float = 3 * 3600.0
    sleep: Callable[[float], None] = time.sleep


class Gateway:
    """CloudFormation (+ S3 upload) for one region. boto3 clients are thread-safe, so one
    gateway is shared by every worker of a deploy."""

    def __init__(
        self,
        cloudformation: BaseClient,
        s3: Callable[[], BaseClient] | None = None,
        *,
        region: str = "",
        endpoint_url: str | None = None,
        waiting: Waiting | None = None,
        deadline: float | None = None,
        sts: Callable[[], BaseClient] | None = None,
    ) -> None:
        self.cf = cloudformation
        self.deadline = deadline
        # S3 is only needed for templates over the inline limit; creating its client costs
        # ~35 ms, a tenth of a no-op deploy, so it is made on first use (under a lock:
        # boto3 sessions are not thread-safe).
        self._s3_factory = s3
        self._s3: BaseClient | None = None
        self._s3_lock = threading.Lock()
        self.region = region
        self.endpoint_url = endpoint_url
        self.waiting = waiting or Waiting()
        # STS, for the account guard only: made on first use, like S3.
        self._sts_factory = sts
        self._sts: BaseClient | None = None

    # -- reads

    def describe_stack(self, name: str) -> StackInfo | None:
        """The stack, or None when it does not exist (or is DELETE_COMPLETE)."""
        response = self._call_unless_missing(
            "DescribeStacks", name, self.cf.describe_stacks, StackName=name
        )
        if response is None:
            return None
        stacks = response.get("Stacks", [])
        if not stacks or st.is_deleted(stacks[0]["StackStatus"]):
            return None
        return StackInfo.from_api(stacks[0])

    def describe_all_stacks(self) -> dict[str, StackInfo]:
        """Every live stack of the region by name, from one paginated DescribeStacks.

        For a whole environment one listing is cheaper than a call per stack: a no-op
        redeploy of 30 stacks spent a third of its time on those calls.
        """
        found: dict[str, StackInfo] = {}
        kwargs: dict[str, Any] = {}
        while True:
            page = self._call("DescribeStacks", "*", self.cf.describe_stacks, **kwargs)
            for raw in page.get("Stacks", []):
                if not st.is_deleted(raw["StackStatus"]):
                    found[raw["StackName"]] = StackInfo.from_api(raw)
            if not page.get("NextToken"):
                return found
            kwargs["NextToken"] = page["NextToken"]

    def recent_events(self, name: str, stop_at: str | None = None) -> list[StackEvent]:
        """Events newest first, down to (not including) event id `stop_at`."""
        found: list[StackEvent] = []
        kwargs: dict[str, Any] = {"StackName": name}
        while True:
            page = self._call("DescribeStackEvents", name, self.cf.describe_stack_events, **kwargs)
            for raw in page.get("StackEvents", []):
                if raw["EventId"] == stop_at:
                    return found
                found.append(StackEvent.from_api(raw))
            token = page.get("NextToken")
            # Without a marker, the first page (the newest 100) is all a caller needs.
            if not token or stop_at is None:
                return found
            kwargs["NextToken"] = token

    def latest_event_id(self, name: str) -> str | None:
        events = self.recent_events(name)
        return events[0].event_id if events else None

    def get_template(self, name: str) -> str:
        response = self._call(
            "GetTemplate", name, self.cf.get_template, StackName=name, TemplateStage="Original"
        )
        body = response.get("TemplateBody", "")
        if not isinstance(body, str):
            # botocore parses JSON bodies into dicts; the comparison wants text.
            import json

            body = json.dumps(body, indent=2, sort_keys=False)
        return body

    # -- change sets

    def create_change_set(self, request: Mapping[str, Any]) -> ChangeSet:
        """Create, wait until it is ready, and describe it. An empty change set comes back
        with `empty=True` (and is already deleted)."""
        name = request["StackName"]
        cs_name = request["ChangeSetName"]
        try:
            self.cf.create_change_set(**request)
        except Exception as exc:
            error = translate(exc, stack=name, action="CreateChangeSet")
            if isinstance(error, NoChangesError):
                return ChangeSet(cs_name, name, "", "FAILED", [], str(error), empty=True)
            # Change set names are unique per run, so a taken name is this call's own
            # change set, created by an attempt whose reply was lost: use it.
            if not isinstance(error, AlreadyExistsError):
                raise error from exc
        change_set = self._wait_change_set(name, cs_name)
        if change_set.empty:
            self.delete_change_set(name, cs_name)
        elif change_set.status != "CREATE_COMPLETE":
            raise ChangeSetFailedError(
                f"change set {cs_name} failed: {change_set.status_reason}",
                "fix the template or parameters; `infragen lint` may point at the cause",
                stack=name,
            )
        return change_set

    def _wait_change_set(self, name: str, cs_name: str) -> ChangeSet:
        for _ in self._poll(name, "change set"):
            described = self._describe_change_set(name, cs_name)
            if described.status in ("CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE"):
                return described
        raise AssertionError("unreachable")  # _poll raises on timeout

    def _describe_change_set(self, name: str, cs_name: str) -> ChangeSet:
        changes: list[Change] = []
        # Property values before and after, for plan's review: CloudFormation returns them
        # only when asked (it masks NoEcho parameters and dynamic references itself).
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html
        kwargs: dict[str, Any] = {
            "StackName": name,
            "ChangeSetName": cs_name,
            "IncludePropertyValues": True,
        }
        while True:
            page = self._call("DescribeChangeSet", name, self.cf.describe_change_set, **kwargs)
            changes.extend(
                Change.from_api(c) for c in page.get("Changes", []) if c.get("Type") == "Resource"
            )
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        return ChangeSet(
            name=cs_name,
            stack_name=name,
            change_set_id=page.get("ChangeSetId", ""),
            status=page.get("Status", ""),
            changes=changes,
            status_reason=page.get("StatusReason", "") or "",
            empty=_no_changes(page),
            execution_status=page.get("ExecutionStatus", "") or "",
        )

    def describe_change_set(self, name: str, change_set_id: str) -> ChangeSet | None:
        """A change set made earlier (a saved plan's), by its ARN; None when it is gone
        (deleted, or deleted with its stack)."""
        try:
            return self._describe_change_set(name, change_set_id)
        except StackNotFoundError:
            return None

    def execute_change_set(
        self, name: str, cs_name: str, token: str = "", *, disable_rollback: bool = False
    ) -> None:
        """Execute; when botocore's retry of an execute whose reply was lost finds the
        change set already executing (InvalidChangeSetStatus), that is this call's own
        execution: change set names are unique per run."""
        extra: dict[str, Any] = {"ClientRequestToken": token} if token else {}
        if disable_rollback:
            extra["DisableRollback"] = True
        try:
            self.cf.execute_change_set(StackName=name, ChangeSetName=cs_name, **extra)
        except Exception as exc:
            error = translate(exc, stack=name, action="ExecuteChangeSet")
            if not isinstance(error, OperationInProgressError) or not self._executing(
                name, cs_name
            ):
                raise error from exc

    def _executing(self, name: str, cs_name: str) -> bool:
        page = self._call(
            "DescribeChangeSet",
            name,
            self.cf.describe_change_set,
            StackName=name,
            ChangeSetName=cs_name,
        )
        return page.get("ExecutionStatus") in ("EXECUTE_IN_PROGRESS", "EXECUTE_COMPLETE")

    def delete_change_set(self, name: str, cs_name: str) -> None:
        self._call_unless_missing(
            "DeleteChangeSet",
            name,
            self.cf.delete_change_set,
            StackName=name,
            ChangeSetName=cs_name,
        )

    # -- direct stack operations

    def create_stack(self, request: Mapping[str, Any]) -> None:
        self._call("CreateStack", request["StackName"], self.cf.create_stack, **request)

    def update_stack(self, request: Mapping[str, Any]) -> bool:
        """False when there was nothing to update."""
        try:
            self.cf.update_stack(**request)
        except Exception as exc:
            error = translate(exc, stack=request["StackName"], action="UpdateStack")
            if isinstance(error, NoChangesError):
                return False
            raise error from exc
        return True

    def delete_stack(self, name: str) -> None:
        self._call("DeleteStack", name, self.cf.delete_stack, StackName=name)

    def cancel_update(self, name: str) -> None:
        self._call("CancelUpdateStack", name, self.cf.cancel_update_stack, StackName=name)

    def continue_update_rollback(self, name: str, skip: list[str], token: str = "") -> None:
        """Resume a rollback that failed (UPDATE_ROLLBACK_FAILED); `skip` names resources
        CloudFormation should mark rolled back without touching them."""
        extra: dict[str, Any] = {"ResourcesToSkip": skip} if skip else {}
        if token:
            extra["ClientRequestToken"] = token
        self._call(
            "ContinueUpdateRollback",
            name,
            self.cf.continue_update_rollback,
            StackName=name,
            **extra,
        )

    def set_stack_policy(self, name: str, body: str) -> None:
        self._call(
            "SetStackPolicy", name, self.cf.set_stack_policy, StackName=name, StackPolicyBody=body
        )

    def physical_ids(self, name: str, resource_type: str) -> dict[str, str]:
        """Logical id -> physical id of the stack's resources of one type that exist now
        (from a paginated ListStackResources; failed or deleted ones left out)."""
        found: dict[str, str] = {}
        kwargs: dict[str, Any] = {"StackName": name}
        while True:
            page = self._call("ListStackResources", name, self.cf.list_stack_resources, **kwargs)
            for raw in page.get("StackResourceSummaries", []):
                status = raw.get("ResourceStatus", "")
                if (
                    raw.get("ResourceType") == resource_type
                    and raw.get("PhysicalResourceId")
                    and status.endswith("_COMPLETE")
                    and not status.startswith("DELETE")
                ):
                    found[raw["LogicalResourceId"]] = raw["PhysicalResourceId"]
            if not page.get("NextToken"):
                return found
            kwargs["NextToken"] = page["NextToken"]

    def set_termination_protection(self, name: str, enabled: bool) -> None:
        self._call(
            "UpdateTerminationProtection",
            name,
            self.cf.update_termination_protection,
            StackName=name,
            EnableTerminationProtection=enabled,
        )

    # -- waiting

    def wait_for_stack(
        self,
        name: str,
        *,
        since_event: str | None = None,
        on_event: Callable[[StackEvent], None] | None = None,
    ) -> tuple[StackInfo | None, list[StackEvent]]:
        """Poll until the stack leaves IN_PROGRESS; return its final state (None when it was
        deleted) and the events of this operation, oldest first. `since_event` is the newest
        event id before the operation started, so older events are not replayed."""
        seen: set[str] = set()
        collected: list[StackEvent] = []
        for _ in self._poll(name, "stack operation"):
            info = self.describe_stack(name)
            try:
                fresh = self.recent_events(info.stack_id if info else name, stop_at=since_event)
            except StackNotFoundError:
                fresh = []
            for event in reversed(fresh):
                if event.event_id not in seen:
                    seen.add(event.event_id)
                    collected.append(event)
                    if on_event:
                        on_event(event)
            if info is None or not st.is_in_progress(info.status):
                return info, collected
        raise AssertionError("unreachable")

    def _poll(self, name: str, what: str) -> Iterator[None]:
        """Yield immediately, then after each backoff delay, until the timeout."""
        waited = 0.0
        delays = backoff_delays(self.waiting.first_delay, self.waiting.max_delay)
        yield
        while waited < self.waiting.timeout:
            delay = next(delays)
            check_deadline(self.deadline, f"waiting for the {what}", name)
            self.waiting.sleep(delay)
            waited += delay
            yield
        raise AwsError(
            f"gave up waiting for the {what} after {int(waited)}s",
            "the operation may still be running; check `infragen status`",
            stack=name,
        )

    # -- drift

    def detect_drift(self, name: str) -> DriftResult:
        started = self._call("DetectStackDrift", name, self.cf.detect_stack_drift, StackName=name)
        detection_id = started["StackDriftDetectionId"]
        for _ in self._poll(name, "drift detection"):
            state = self._call(
                "DescribeStackDriftDetectionStatus",
                name,
                self.cf.describe_stack_drift_detection_status,
                StackDriftDetectionId=detection_id,
            )
            if state["DetectionStatus"] != "DETECTION_IN_PROGRESS":
                break
        if state["DetectionStatus"] == "DETECTION_FAILED":
            raise DriftDetectionError(
                f"drift detection failed: {state.get('DetectionStatusReason', '')}", stack=name
            )
        drifted: list[ResourceDrift] = []
        if state.get("StackDriftStatus") == "DRIFTED":
            drifted = self._resource_drifts(name)
        return DriftResult(name, state.get("StackDriftStatus", "UNKNOWN"), drifted)

    def _resource_drifts(self, name: str) -> list[ResourceDrift]:
        """Every MODIFIED or DELETED resource with its property differences, page by page
        (botocore has no paginator for this call)."""
        drifted: list[ResourceDrift] = []
        page: dict[str, Any] = {}
        while True:
            response = self._call(
                "DescribeStackResourceDrifts",
                name,
                self.cf.describe_stack_resource_drifts,
                StackName=name,
                StackResourceDriftStatusFilters=["MODIFIED", "DELETED"],
                **page,
            )
            drifted += [ResourceDrift.from_api(d) for d in response.get("StackResourceDrifts", [])]
            if not response.get("NextToken"):
                return drifted
            page = {"NextToken": response["NextToken"]}

    # -- StackSets (the StackSet lives in this gateway's account and region; its instances
    # in the target accounts and regions)

    def describe_stack_set(self, name: str) -> StackSetInfo | None:
        """The StackSet, or None when there is none (or it was deleted)."""
        response = self._call_unless_missing(
            "DescribeStackSet", name, self.cf.describe_stack_set, StackSetName=name
        )
        if response is None:
            return None
        info = StackSetInfo.from_api(response["StackSet"])
        return None if info.status == "DELETED" else info

    def create_stack_set(self, request: Mapping[str, Any]) -> None:
        self._call("CreateStackSet", request["StackSetName"], self.cf.create_stack_set, **request)

    def update_stack_set(self, request: Mapping[str, Any]) -> str:
        """Start updating the StackSet and every instance; the operation's id."""
        name = request["StackSetName"]
        return str(
            self._call("UpdateStackSet", name, self.cf.update_stack_set, **request)["OperationId"]
        )

    def create_stack_instances(self, request: Mapping[str, Any]) -> str:
        name = request["StackSetName"]
        response = self._call(
            "CreateStackInstances", name, self.cf.create_stack_instances, **request
        )
        return str(response["OperationId"])

    def delete_stack_instances(self, request: Mapping[str, Any]) -> str:
        """Delete instances and their stacks (RetainStacks false): the StackSet's resources go
        from those accounts and regions."""
        name = request["StackSetName"]
        response = self._call(
            "DeleteStackInstances",
            name,
            self.cf.delete_stack_instances,
            RetainStacks=False,
            **request,
        )
        return str(response["OperationId"])

    def list_stack_instances(self, name: str) -> list[StackInstance]:
        found: list[StackInstance] = []
        kwargs: dict[str, Any] = {"StackSetName": name}
        while True:
            page = self._call("ListStackInstances", name, self.cf.list_stack_instances, **kwargs)
            found.extend(StackInstance.from_api(raw) for raw in page.get("Summaries", []))
            if not page.get("NextToken"):
                return found
            kwargs["NextToken"] = page["NextToken"]

    def wait_for_stack_set_operation(self, name: str, operation_id: str) -> StackSetOperation:
        """Poll until the operation ends; its status and what it did per account and region."""
        for _ in self._poll(name, "StackSet operation"):
            operation = self._call(
                "DescribeStackSetOperation",
                name,
                self.cf.describe_stack_set_operation,
                StackSetName=name,
                OperationId=operation_id,
            )["StackSetOperation"]
            if operation["Status"] not in ("RUNNING", "QUEUED", "STOPPING"):
                break
        results: list[InstanceResult] = []
        kwargs: dict[str, Any] = {"StackSetName": name, "OperationId": operation_id}
        while True:
            page = self._call(
                "ListStackSetOperationResults",
                name,
                self.cf.list_stack_set_operation_results,
                **kwargs,
            )
            results.extend(InstanceResult.from_api(raw) for raw in page.get("Summaries", []))
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        return StackSetOperation(
            operation_id=operation_id,
            action=operation.get("Action", ""),
            status=operation["Status"],
            status_reason=operation.get("StatusReason", "") or "",
            results=results,
        )

    def detect_stack_set_drift(
        self, name: str, preferences: Mapping[str, Any], operation_id: str
    ) -> StackSetOperation:
        """Drift detection on every instance; read the outcome from describe_stack_set and
        list_stack_instances afterwards."""
        extra = {"OperationPreferences": dict(preferences)} if preferences else {}
        started = self._call(
            "DetectStackSetDrift",
            name,
            self.cf.detect_stack_set_drift,
            StackSetName=name,
            OperationId=operation_id,
            **extra,
        )
        return self.wait_for_stack_set_operation(name, started["OperationId"])

    def delete_stack_set(self, name: str) -> None:
        """Only an empty StackSet can be deleted: delete its instances first."""
        self._call("DeleteStackSet", name, self.cf.delete_stack_set, StackSetName=name)

    # -- S3

    def upload_template(self, bucket: str, key: str, body: str) -> str:
        if self._s3_factory is None:
            raise AwsError("no S3 client configured for template upload")
        with self._s3_lock:
            if self._s3 is None:
                self._s3 = self._s3_factory()
        try:
            self._s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
        except Exception as exc:
            raise translate(exc, action=f"PutObject s3://{bucket}/{key}") from exc
        return template_url(bucket, key, self.region)

    # -- who

    def caller_account(self) -> str:
        """The account these credentials act in (STS GetCallerIdentity)."""
        with self._s3_lock:
            if self._sts is None:
                if self._sts_factory is None:
                    raise CredentialsError(
                        "this gateway cannot tell its account (no STS client)",
                        "run without the account check (--no-account-check)",
                    )
                self._sts = self._sts_factory()
        try:
            return str(self._sts.get_caller_identity()["Account"])
        except Exception as exc:
            raise translate(exc, action="GetCallerIdentity") from exc

    # -- plumbing

    def _call(self, action: str, stack: str, method: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except Exception as exc:
            raise translate(exc, stack=stack, action=action) from exc

    def _call_unless_missing(
        self, action: str, stack: str, method: Callable[..., Any], **kwargs: Any
    ) -> Any | None:
        """`_call`, but None when what it names (stack, change set, StackSet) does not exist."""
        try:
            return self._call(action, stack, method, **kwargs)
        except StackNotFoundError:
            return None


def check_deadline(deadline: float | None, doing: str, stack: str | None = None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise DeadlineError(
            f"--timeout passed while {doing}",
            "an operation CloudFormation already started goes on: check `infragen status`; "
            "raise --timeout if the command needs longer",
            stack=stack,
        )


class RetryWatch:
    """botocore event handlers: report each retry (with its cause) through `notify`, and
    start no call or retry after the deadline. botocore retries silently otherwise."""

    def __init__(
        self, notify: Callable[[str, str], None] | None, max_attempts: int, deadline: float | None
    ) -> None:
        self.notify = notify
        self.max_attempts = max_attempts
        self.deadline = deadline
        self._local = threading.local()

    def register(self, client: BaseClient) -> None:
        events = client.meta.events
        events.register("before-call.cloudformation", self.before_call)
        events.register("needs-retry.cloudformation", self.needs_retry)
        events.register("request-created.cloudformation", self.request_created)

    def before_call(self, model: Any, params: Mapping[str, Any], **_: Any) -> None:
        check_deadline(self.deadline, f"about to call {model.name}", params.get("StackName"))

    def needs_retry(
        self,
        request_dict: Mapping[str, Any],
        response: Any = None,
        caught_exception: Exception | None = None,
        **_: Any,
    ) -> None:
        """Observes only (returns None): remembers why the next attempt would happen."""
        body = request_dict.get("body")
        self._local.stack = body.get("StackName", "") if isinstance(body, Mapping) else ""
        if caught_exception is not None:
            self._local.cause = f"{type(caught_exception).__name__}: {caught_exception}"
        elif response is not None:
            code = response[1].get("Error", {}).get("Code", "")
            self._local.cause = f"HTTP {response[0].status_code} {code}".strip()

    def request_created(self, request: Any, operation_name: str, **_: Any) -> None:
        attempt = request.context.get("retries", {}).get("attempt", 1)
        if attempt <= 1:
            return
        stack = getattr(self._local, "stack", "")
        check_deadline(self.deadline, f"retrying {operation_name}", stack or None)
        if self.notify is not None:
            cause = getattr(self._local, "cause", "no answer")
            self.notify(
                stack or operation_name,
                f"{operation_name}: {cause}; retrying (attempt {attempt} of {self.max_attempts})",
            )


def connect(
    settings: AwsSettings,
    where: str | CredentialsTarget,
    waiting: Waiting | None = None,
    notify: Callable[[str, str], None] | None = None,
    *,
    session_name: str = "infragen",
) -> Gateway:
    """A Gateway with clients for a region, or for a target (region, account, role,
    profile; see aws.credentials). settings.region overrides the region.

    botocore's session is used directly: `import boto3` also imports s3transfer, ~50 ms
    that a no-op deploy (~400 ms) would pay for nothing. Credentials, profiles and
    AWS_ENDPOINT_URL are resolved by botocore exactly as boto3 does.
    """
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    from infragen.aws.credentials import CredentialsTarget, make_session

    target = where if isinstance(where, CredentialsTarget) else CredentialsTarget(where)
    region = settings.region or target.region
    config = Config(
        region_name=region,
        retries={"mode": "adaptive", "total_max_attempts": settings.max_attempts},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        user_agent_extra="infragen",
    )
    endpoint = settings.resolved_endpoint()
    try:
        session = make_session(
            target,
            profile=settings.profile,
            region=region,
            endpoint_url=endpoint,
            config=config,
            name=session_name,
        )
        cf = session.create_client("cloudformation", config=config, endpoint_url=endpoint)
        RetryWatch(notify, settings.max_attempts, settings.deadline).register(cf)
    except ProfileNotFound as exc:
        raise CredentialsError(
            str(exc), "check --profile / AWS_PROFILE and the env's `profile:` in config"
        ) from exc
    except ValueError as exc:  # botocore: "Invalid endpoint: notaurl"
        raise EndpointUrlError(
            f"--endpoint-url / AWS_ENDPOINT_URL {endpoint!r} is not a URL: {exc}",
            "give scheme, host and port, e.g. http://127.0.0.1:5000",
        ) from exc
    except BotoCoreError as exc:
        raise translate(exc) from exc

    def s3() -> BaseClient:
        return session.create_client("s3", config=config, endpoint_url=endpoint)

    def sts() -> BaseClient:
        return session.create_client("sts", config=config, endpoint_url=endpoint)

    return Gateway(
        cf,
        s3,
        region=region,
        endpoint_url=endpoint,
        waiting=waiting,
        deadline=settings.deadline,
        sts=sts,
    )
