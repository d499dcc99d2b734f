"""Deploy-time tags nested in dicts, lists and optionals keep their field's Parameter type."""

from __future__ import annotations

from typing import Any

from infragen.blueprints.base import BuildContext
from infragen.blueprints.lambda_function import LambdaFunction
from infragen.config.tags import EnvTag, StackOutputTag

CONTEXT = BuildContext(
    project="acme", env="dev", app="shop", stack="fn", region="us-east-1", production=False
)


def env(name: str) -> EnvTag:
    return EnvTag(raw=name, location=None, name=name)


def parameters(vars_: dict[str, Any]) -> dict[str, dict[str, Any]]:
    base = {"zip": {"s3_bucket": "b", "s3_key": "k", "runtime": "python3.12", "handler": "h"}}
    blueprint = LambdaFunction(LambdaFunction.Vars.model_validate({**base, **vars_}), CONTEXT)
    return blueprint.build().to_dict()["Parameters"]


def test_a_plain_environment_value_is_not_no_echo() -> None:
    # Secrets reach a function by ARN (`secrets:`), tests/security/test_function_secrets.py.
    params = parameters({"environment": {"MODE": env("M")}})
    assert "NoEcho" not in params["EnvironmentMode"]


def test_optional_security_group_ids_stay_typed() -> None:
    group = StackOutputTag(
        raw="shop/db::SecurityGroupId", location=None, stack="shop/db", output="SecurityGroupId"
    )
    params = parameters(
        {
            "vpc": {
                "vpc_id": env("VPC"),
                "subnet_ids": env("SUBNETS"),
                "egress": [{"port": 5432, "description": "db", "security_group_id": group}],
            }
        }
    )
    assert params["VpcEgress0SecurityGroupId"]["Type"] == "AWS::EC2::SecurityGroup::Id"
    assert params["VpcSubnetIds"]["Type"] == "List<AWS::EC2::Subnet::Id>"
