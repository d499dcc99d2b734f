"""Nonsense vars are refused by the CLI with file:line:col, a clear message and exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from project_support import new_project, override

DEFAULTS = """\
project: acme
region: us-east-1
apps:
  shop:
    stacks:
      network:
        blueprint: network
        vars:
          cidr: 10.0.0.0/16
          subnets:
            public: [10.0.0.0/24, 10.0.1.0/24]
            private_app: [10.0.10.0/24, 10.0.11.0/24]
            private_data: [10.0.20.0/24, 10.0.21.0/24]
      fn:
        blueprint: lambda-function
        vars:
          zip: {s3_bucket: artifacts, s3_key: fn.zip, runtime: python3.12, handler: app.handler}
          policy:
            - actions: [s3:GetObject]
              resources: ["arn:${AWS::Partition}:s3:::{project}-{env}-{app}-data/*"]
      api:
        blueprint: rest-api
        vars:
          function_arn: !stack_output shop/fn::FunctionArn
          stage: {name: v1, throttling: {rate: 10, burst: 20}}
      db:
        blueprint: rds-postgres
        vars:
          vpc_id: !stack_output shop/network::VpcId
          subnet_ids: !stack_output shop/network::PrivateDataSubnetIds
          database_name: shop
      lb:
        blueprint: alb
        vars:
          vpc_id: !stack_output shop/network::VpcId
          subnet_ids: !stack_output shop/network::PrivateAppSubnetIds
          ingress: [{port: 80, cidr: 10.0.0.0/16, description: from the VPC}]
          listeners: [{port: 80, target_group: fn}]
          target_groups:
            - {id: fn, target_type: lambda, function_arn: !stack_output shop/fn::FunctionArn}
"""


# (id, dev.yaml, expected "file:line:col: message" start)
CASES = [
    (
        "public-rest-api-with-an-api-key",
        override("api", "          api_key_required: true\n          public: true\n"),
        "config/dev.yaml:7:19: public: public: true is for methods without an authorizer or "
        "API key; this API has api_key_required",
    ),
    (
        "zip-and-image",
        override("fn", "          image: {repository_uri: r, tag: '1'}\n"),
        "config/dev.yaml:6:18: image: give exactly one of zip or image",
    ),
    (
        "rule-with-two-peers",
        override(
            "lb",
            "          ingress:\n            - {port: 80, cidr: 10.0.0.0/16, "
            "prefix_list: pl-123, description: both}\n",
        ),
        "config/dev.yaml:7:58: ingress.0.prefix_list: give exactly one of cidr, prefix_list "
        "or security_group_id",
    ),
    (
        "memory-too-small",
        override("fn", "          memory_mb: 64\n"),
        "config/dev.yaml:6:22: memory_mb: memory_mb 64 is outside Lambda's 128-10240 MB",
    ),
    (
        "memory-too-large",
        override("fn", "          memory_mb: 20000\n"),
        "config/dev.yaml:6:22: memory_mb: memory_mb 20000 is outside Lambda's 128-10240 MB",
    ),
    (
        "timeout-over-15-minutes",
        override("fn", "          timeout_seconds: 901\n"),
        "config/dev.yaml:6:28: timeout_seconds: timeout_seconds 901 is outside Lambda's 1-900 s",
    ),
    (
        "unknown-iam-action",
        override(
            "fn",
            "          policy:\n            - actions: [s3:GetObjekt]\n"
            "              resources: ['arn:aws:s3:::b/*']\n",
        ),
        "config/dev.yaml:7:24: policy.0.actions: 's3:GetObjekt': s3 has no action 'GetObjekt'",
    ),
    (
        "unknown-iam-service",
        override(
            "fn",
            "          policy:\n            - actions: [s4:GetObject]\n"
            "              resources: ['arn:aws:s3:::b/*']\n",
        ),
        "config/dev.yaml:7:24: policy.0.actions: 's4:GetObject': unknown IAM service prefix 's4'",
    ),
    (
        "iam-wildcard-action",
        override(
            "fn",
            "          policy:\n            - actions: ['s3:*']\n"
            "              resources: ['arn:aws:s3:::b/*']\n",
        ),
        "config/dev.yaml:7:24: policy.0.actions: 's3:*': wildcards are not allowed",
    ),
    (
        "star-resource-on-a-scoped-action",
        override(
            "fn",
            "          policy:\n            - actions: [s3:GetObject]\n"
            "              resources: ['*']\n",
        ),
        "config/dev.yaml:8:27: policy.0.resources.0: resource '*' is only allowed for actions "
        "without resource-level permissions; scope s3:GetObject",
    ),
    (
        "literal-secret-in-lambda-env",
        override("fn", "          secrets:\n            DB_PASSWORD: hunter2\n"),
        "config/dev.yaml:7:26: secrets.DB_PASSWORD: this is not a Secrets Manager secret ARN",
    ),
    (
        "reserved-lambda-env",
        override("fn", "          environment:\n            AWS_REGION: eu-west-1\n"),
        "config/dev.yaml:7:25: environment.AWS_REGION: AWS_REGION is reserved",
    ),
    (
        "throttling-burst-below-rate",
        override("api", "          stage: {throttling: {rate: 100, burst: 10}}\n"),
        "config/dev.yaml:6:50: stage.throttling.burst: burst 10 is below rate 100",
    ),
    (
        "unknown-http-method",
        override("api", "          methods: [GET, FETCH]\n"),
        "config/dev.yaml:6:26: methods.1: Input should be 'ANY', 'GET', 'POST'",
    ),
    (
        "cors-wildcard-origin",
        override("api", "          cors: {allow_origins: ['*']}\n"),
        "config/dev.yaml:6:34: cors.allow_origins.0: '*' is not an origin",
    ),
    (
        "data-trace-without-logging",
        override("api", "          stage: {logging_level: 'OFF', data_trace: true}\n"),
        "config/dev.yaml:6:53: stage.data_trace: data_trace needs logging_level ERROR or INFO",
    ),
    (
        "literal-database-password",
        override("db", "          master_password: hunter2\n"),
        "config/dev.yaml:6:28: master_password: the master password must not be written",
    ),
    (
        "world-ingress-to-internal-alb",
        override("lb", "          ingress: [{port: 80, cidr: 0.0.0.0/0, description: anyone}]\n"),
        "config/dev.yaml:6:38: ingress.0.cidr: 0.0.0.0/0 ingress is only for internet-facing "
        "load balancers on 80/443",
    ),
    (
        "listener-to-unknown-target-group",
        override("lb", "          listeners: [{port: 80, target_group: fnn}]\n"),
        "config/dev.yaml:6:48: listeners.0.target_group: target_group 'fnn' is not one of",
    ),
]


@pytest.fixture
def serverless_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    new_project(tmp_path, monkeypatch, DEFAULTS)
    return tmp_path


def test_the_base_project_renders(serverless_project: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("render")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("dev_yaml", "where"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_nonsense_vars_are_located(
    serverless_project: Path, invoke: Callable[..., Result], dev_yaml: str, where: str
) -> None:
    (serverless_project / "config" / "dev.yaml").write_text(dev_yaml)

    result = invoke("render")

    assert result.exit_code == 2, result.output
    assert where in result.stderr, result.stderr
    assert any(line.startswith("  hint: ") for line in result.stderr.splitlines())
    assert not (serverless_project / "templates_out").exists()
