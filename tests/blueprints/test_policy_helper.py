"""IAM statements from config: awacs-checked actions, scoped resources, name placeholders."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from troposphere import Sub

from infragen.blueprints.base import BuildContext
from infragen.blueprints.helpers.naming import short_name
from infragen.blueprints.helpers.policy import (
    Permission,
    awacs_action,
    managed_policy_arn,
    resource_value,
)

CONTEXT = BuildContext(
    project="acme", env="dev", app="shop", stack="fn", region="us-east-1", production=False
)


@pytest.mark.parametrize(
    "action",
    ["s3:GetObject", "execute-api:Invoke", "lambda:InvokeFunction", "rds:DescribeDBInstances"],
)
def test_known_actions_resolve_to_awacs_constants(action: str) -> None:
    assert awacs_action(action).JSONrepr() == action


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("s3:GetObjekt", "s3 has no action 'GetObjekt'"),
        ("nope:GetObject", "unknown IAM service prefix 'nope'"),
        ("s3:Get*", "wildcards are not allowed"),
        ("*", "wildcards are not allowed"),
        ("GetObject", "not of the form service:Action"),
    ],
)
def test_bad_actions_are_refused(action: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        awacs_action(action)


def test_star_resource_only_for_actions_without_resource_level_permissions() -> None:
    Permission(actions=["rekognition:DetectLabels"], resources=["*"])
    with pytest.raises(ValidationError, match="scope s3:GetObject"):
        Permission(actions=["rekognition:DetectLabels", "s3:GetObject"], resources=["*"])


def test_placeholders_and_pseudo_parameters() -> None:
    text = "arn:${AWS::Partition}:s3:::{project}-{env}-{app}-files-${AWS::AccountId}/*"
    value = resource_value(text, CONTEXT)
    assert isinstance(value, Sub)
    assert value.to_dict() == {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::acme-dev-shop-files-${AWS::AccountId}/*"
    }
    assert resource_value("arn:aws:s3:::{app}", CONTEXT) == "arn:aws:s3:::shop"


def test_managed_policy_names_and_paths() -> None:
    assert managed_policy_arn("AWSLambdaVPCAccessExecutionRole").to_dict() == {
        "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/"
        "AWSLambdaVPCAccessExecutionRole"
    }
    assert managed_policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess") == (
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    )


def test_short_names_are_stable_and_fit() -> None:
    assert short_name("acme-dev-shop-fn", 32) == "acme-dev-shop-fn"
    long = "acme-staging-cat-detector-detector"
    assert len(short_name(long, 32)) == 32
    assert short_name(long, 32) == short_name(long, 32)
    assert short_name(long, 32) != short_name(long + "2", 32)
