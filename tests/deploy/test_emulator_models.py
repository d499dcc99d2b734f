"""infragen's emulator models (src/infragen/emulator/models): one test per resource type.

Each case deploys a tiny template with the type (and whatever it needs) through a moto
server with the models loaded, and checks CREATE_COMPLETE, the shapes of `Ref` and of
every GetAtt attribute in Outputs, an update (same physical id unless a create-only
property changed) and a delete (the resource is gone from the emulator).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

pytest.importorskip("moto.server", reason="moto[server] is not installed")

import boto3

from infragen.emulator import models

REGION = "us-east-1"
ACCOUNT = "123456789012"
ARN = rf"arn:aws:{{}}:{REGION}:{ACCOUNT}:"

Check = Callable[[Any, str], bool]  # (boto3 session, Ref) -> does the resource exist?


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """moto's server on 127.0.0.1 with infragen's models registered."""
    from moto.cloudformation import parsing
    from moto.server import ThreadedMotoServer

    models.load()
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        moto.stop()


@pytest.fixture
def session(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> boto3.Session:
    """A reset emulator and a boto3 session that can only talk to it."""
    reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=30) as response:
        assert response.status == 200
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


def in_store(resource_type: str) -> Check:
    """The resource is in the models' own store (the server runs in this process)."""

    def check(_: Any, ref: str) -> bool:
        from infragen.emulator.models._base import backend

        return ref in backend(ACCOUNT, REGION).resources[resource_type]

    return check


@dataclass
class Case:
    """One resource type: its properties, an update, and what Ref/GetAtt must look like."""

    type: str
    properties: dict[str, Any]
    update: dict[str, Any]  # merged into properties for the update
    shapes: dict[str, str]  # "Ref" or a GetAtt attribute -> regex of its value
    replaces: bool = False  # the update changes a create-only property
    extra: dict[str, Any] = field(default_factory=dict)  # resources it needs
    exists: Check | None = None  # default: in_store(type)

    @property
    def id(self) -> str:
        return self.type.removeprefix("AWS::")

    def template(self, properties: dict[str, Any]) -> str:
        outputs: dict[str, Any] = {}
        for name in self.shapes:
            key = re.sub(r"[^A-Za-z0-9]", "", name)
            value = {"Ref": "R"} if name == "Ref" else {"Fn::GetAtt": ["R", name]}
            outputs[key] = {"Value": value}
        resources = {"R": {"Type": self.type, "Properties": properties}, **self.extra}
        return json.dumps({"Resources": resources, "Outputs": outputs})


CASES = [
    Case(
        "AWS::AppRunner::Service",
        {"ServiceName": "web", "SourceConfiguration": {"ImageRepository": {}}},
        {"InstanceConfiguration": {"Cpu": "1 vCPU"}},
        {
            "Ref": ARN.format("apprunner") + r"service/web/[0-9a-f]{32}",
            "ServiceArn": ARN.format("apprunner") + r"service/web/[0-9a-f]{32}",
            "ServiceId": r"[0-9a-f]{32}",
            "ServiceUrl": rf"[a-z0-9]{{10}}\.{REGION}\.awsapprunner\.com",
            "Status": "RUNNING",
        },
    ),
    Case(
        "AWS::AppRunner::VpcConnector",
        {"Subnets": ["subnet-1"], "SecurityGroups": ["sg-1"]},
        {"Subnets": ["subnet-2"]},
        {
            "Ref": ARN.format("apprunner") + r"vpcconnector/[\w-]+/1/[0-9a-f]{32}",
            "VpcConnectorArn": ARN.format("apprunner") + r"vpcconnector/[\w-]+/1/[0-9a-f]{32}",
            "VpcConnectorRevision": "1",
        },
        replaces=True,
    ),
    Case(
        "AWS::AppRunner::AutoScalingConfiguration",
        {"AutoScalingConfigurationName": "web", "MinSize": 1, "MaxSize": 2},
        {"MaxSize": 5},
        {
            "Ref": ARN.format("apprunner") + r"autoscalingconfiguration/web/\d+/[0-9a-f]{32}",
            "AutoScalingConfigurationArn": ARN.format("apprunner")
            + r"autoscalingconfiguration/web/\d+/[0-9a-f]{32}",
            "AutoScalingConfigurationRevision": r"\d+",
            "Latest": "true",
        },
        replaces=True,
    ),
    Case(
        "AWS::AppRunner::ObservabilityConfiguration",
        {"TraceConfiguration": {"Vendor": "AWSXRAY"}},
        {"Tags": [{"Key": "a", "Value": "b"}]},
        {
            "Ref": ARN.format("apprunner") + r"observabilityconfiguration/[\w-]+/1/[0-9a-f]{32}",
            "ObservabilityConfigurationArn": ARN.format("apprunner")
            + r"observabilityconfiguration/[\w-]+/1/[0-9a-f]{32}",
            "ObservabilityConfigurationRevision": "1",
            "Latest": "true",
        },
        replaces=True,
    ),
    Case(
        "AWS::AppRunner::VpcIngressConnection",
        {
            "ServiceArn": "arn:aws:apprunner:us-east-1:123456789012:service/web/0123",
            "IngressVpcConfiguration": {"VpcId": "vpc-1", "VpcEndpointId": "vpce-1"},
        },
        {"IngressVpcConfiguration": {"VpcId": "vpc-1", "VpcEndpointId": "vpce-2"}},
        {
            "Ref": ARN.format("apprunner") + r"vpcingressconnection/[\w-]+/[0-9a-f]{32}",
            "VpcIngressConnectionArn": ARN.format("apprunner")
            + r"vpcingressconnection/[\w-]+/[0-9a-f]{32}",
            "DomainName": rf"[a-z0-9]{{10}}\.[a-z0-9]{{10}}\.{REGION}\.awsapprunner\.com",
            "Status": "AVAILABLE",
        },
    ),
]


def outputs(cfn: Any, stack: str) -> dict[str, str]:
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def assert_shapes(case: Case, values: dict[str, str]) -> None:
    for name, pattern in case.shapes.items():
        value = values.get(re.sub(r"[^A-Za-z0-9]", "", name))
        assert value is not None, f"{case.type} {name}: no output"
        assert re.fullmatch(pattern, value), f"{case.type} {name}: {value!r} !~ {pattern!r}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_type_creates_updates_and_deletes(case: Case, session: boto3.Session) -> None:
    cfn = session.client("cloudformation")
    exists = case.exists or in_store(case.type)
    stack = "emu-" + re.sub(r"[^A-Za-z0-9]", "-", case.id)

    cfn.create_stack(StackName=stack, TemplateBody=case.template(case.properties))
    status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE"
    created = outputs(cfn, stack)
    assert_shapes(case, created)
    ref = created["Ref"]
    resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    assert {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}["R"] == ref
    assert exists(session, ref)

    cfn.update_stack(StackName=stack, TemplateBody=case.template(case.properties | case.update))
    status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    assert status == "UPDATE_COMPLETE"
    updated = outputs(cfn, stack)
    assert_shapes(case, updated)
    if case.replaces:
        assert updated["Ref"] != ref
        assert not exists(session, ref)
    else:
        assert updated["Ref"] == ref
    assert exists(session, updated["Ref"])

    cfn.delete_stack(StackName=stack)
    stacks = cfn.describe_stacks(StackName=created_id(cfn, stack))["Stacks"]
    assert stacks[0]["StackStatus"] == "DELETE_COMPLETE"
    assert not exists(session, updated["Ref"])


def created_id(cfn: Any, name: str) -> str:
    """A deleted stack is described by its id only."""
    summaries = cfn.list_stacks()["StackSummaries"]
    return next(s["StackId"] for s in summaries if s["StackName"] == name)
