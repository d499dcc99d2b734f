"""Builders for botocore-Stubber-driven tests: a gateway with no network, API shapes, and
the request params a deploy is expected to send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.stub import ANY, Stubber

from infragen.aws.gateway import Gateway, Waiting, connect
from infragen.deploy import context as context_module

if TYPE_CHECKING:
    import pytest

REGION = "us-east-1"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def stubbed_gateway(sleeps: list[float] | None = None) -> tuple[Gateway, Stubber]:
    """A real botocore client whose every call must be stubbed (no HTTP is possible)."""
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    client = session.client("cloudformation", endpoint_url="http://stubbed.invalid")
    stubber = Stubber(client)
    stubber.activate()
    record = sleeps if sleeps is not None else []
    waiting = Waiting(first_delay=1.0, max_delay=4.0, timeout=60, sleep=record.append)
    return Gateway(client, None, region=REGION, waiting=waiting), stubber


def stack(
    name: str,
    status: str,
    *,
    tags: dict[str, str] | None = None,
    outputs: dict[str, str] | None = None,
    protected: bool = False,
) -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": name,
                "StackId": f"arn:aws:cloudformation:{REGION}:123456789012:stack/{name}/1",
                "CreationTime": T0,
                "StackStatus": status,
                "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in (outputs or {}).items()],
                "EnableTerminationProtection": protected,
            }
        ]
    }


def stack_id(name: str) -> str:
    return f"arn:aws:cloudformation:{REGION}:123456789012:stack/{name}/1"


def event(
    name: str,
    n: int,
    logical_id: str,
    status: str,
    reason: str = "",
    resource_type: str = "AWS::Logs::LogGroup",
) -> dict[str, Any]:
    """Event number n (higher = newer)."""
    return {
        "StackId": stack_id(name),
        "EventId": f"e{n}",
        "StackName": name,
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "Timestamp": T0 + timedelta(seconds=n),
        "ResourceStatus": status,
        "ResourceStatusReason": reason,
    }


def events(*items: dict[str, Any]) -> dict[str, Any]:
    """DescribeStackEvents answers newest first."""
    return {"StackEvents": sorted(items, key=lambda e: e["Timestamp"], reverse=True)}


def change_set(changes: list[tuple[str, str, str, str]], status: str = "CREATE_COMPLETE") -> dict:
    """changes: (action, logical id, type, replacement)."""
    return {
        "ChangeSetName": "cs",
        "ChangeSetId": "arn:cs",
        "StackName": "s",
        "Status": status,
        "ExecutionStatus": "AVAILABLE",
        "Changes": [
            {
                "Type": "Resource",
                "ResourceChange": {
                    "Action": action,
                    "LogicalResourceId": logical,
                    "ResourceType": type_,
                    **({"Replacement": replacement} if replacement else {}),
                },
            }
            for action, logical, type_, replacement in changes
        ],
    }


# Expected params of the mutating calls as a deploy sends them (infragen.aws.requests), so
# a test names only what it is about in `extra`: a key there replaces the default. Template,
# parameters, capabilities, tags and tokens are ANY: these tests are about the call, and a
# key the call sends that the dict lacks (or the reverse) still fails the Stubber.


def _template_request(name: str) -> dict[str, Any]:
    return {
        "StackName": name,
        "Parameters": ANY,
        "Capabilities": ANY,
        "Tags": ANY,
        "TemplateBody": ANY,
    }


def change_set_request(name: str, change_set_type: str = "UPDATE", **extra: Any) -> dict[str, Any]:
    """CreateChangeSet."""
    return {
        **_template_request(name),
        "ChangeSetName": ANY,
        "ChangeSetType": change_set_type,
        "Description": ANY,
        "ClientToken": ANY,
        **extra,
    }


def update_request(name: str, **extra: Any) -> dict[str, Any]:
    """UpdateStack (--method direct)."""
    return {**_template_request(name), "ClientRequestToken": ANY, **extra}


def create_request(name: str, **extra: Any) -> dict[str, Any]:
    """CreateStack (--method direct)."""
    defaults = {"EnableTerminationProtection": False, "OnFailure": "ROLLBACK"}
    return {**update_request(name), **defaults, **extra}


def execute_request(name: str, **extra: Any) -> dict[str, Any]:
    """ExecuteChangeSet; the change set's name is the deploy's own unless a test pins it."""
    return {"StackName": name, "ChangeSetName": ANY, "ClientRequestToken": ANY, **extra}


def sent_requests(monkeypatch: pytest.MonkeyPatch, operation: str) -> list[dict[str, Any]]:
    """The params of every `operation` call (e.g. CreateChangeSet) the CLI's deploys send from
    now on: for checking requests against the emulator, which accepts what it does not model."""
    sent: list[dict[str, Any]] = []

    def recording(*args: Any, **kwargs: Any) -> Gateway:
        created = connect(*args, **kwargs)
        created.cf.meta.events.register(
            f"provide-client-params.cloudformation.{operation}",
            lambda params, **_: sent.append(dict(params)),
        )
        return created

    monkeypatch.setattr(context_module, "connect", recording)
    return sent


def not_found(stubber: Stubber, method: str, name: str) -> None:
    stubber.add_client_error(
        method,
        service_error_code="ValidationError",
        service_message=f"Stack with id {name} does not exist",
        http_status_code=400,
    )
