"""A secret reaches a Lambda function by ARN, never as a value in its configuration
(GetFunctionConfiguration shows environment variables in clear)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from infragen.blueprints.base import BuildContext
from infragen.blueprints.lambda_function import LambdaFunction
from infragen.config.tags import EnvTag, StackOutputTag
from infragen.lint.runner import lint_text

CONTEXT = BuildContext(
    project="acme", env="dev", app="shop", stack="fn", region="us-east-1", production=False
)
ZIP = {"zip": {"s3_bucket": "b", "s3_key": "k", "runtime": "python3.12", "handler": "h"}}
DB_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:acme/db-AbCdEf"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _template(vars_: dict[str, Any]) -> dict[str, Any]:
    blueprint = LambdaFunction(LambdaFunction.Vars.model_validate({**ZIP, **vars_}), CONTEXT)
    return blueprint.build().to_dict()


def _statements(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    policies = template["Resources"]["Role"]["Properties"]["Policies"]
    return {s["Sid"]: s for p in policies for s in p["PolicyDocument"]["Statement"] if "Sid" in s}


def test_secrets_by_arn_render_the_arn_and_a_role_that_may_read_exactly_it() -> None:
    producer = StackOutputTag(raw="shop/token::SecretArn", location=None, stack="shop/token")
    template = _template(
        {
            "secrets": {"DB_SECRET": DB_ARN, "API_TOKEN": producer},
            "secrets_kms_key_arns": [KEY_ARN],
        }
    )
    variables = template["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
    assert variables["DB_SECRET"] == DB_ARN
    assert variables["API_TOKEN"] == {"Ref": "SecretsApiTokenArn"}
    statements = _statements(template)
    assert statements["ReadSecrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert statements["ReadSecrets"]["Resource"] == [DB_ARN, {"Ref": "SecretsApiTokenArn"}]
    assert statements["DecryptSecrets"]["Action"] == ["kms:Decrypt"]
    assert statements["DecryptSecrets"]["Resource"] == [KEY_ARN]
    assert "NoEcho" not in str(template.get("Parameters"))
    assert "{{resolve:" not in str(template)


@pytest.mark.parametrize(
    ("vars_", "where", "message"),
    [
        (
            {"secret_environment": {"DB_PASSWORD": EnvTag("DB_PW", None, name="DB_PW")}},
            ("secret_environment", "DB_PASSWORD"),
            "shown in clear by GetFunctionConfiguration",
        ),
        (
            {"environment": {"CONN": EnvTag("DB_PASSWORD", None, name="DB_PASSWORD")}},
            ("environment", "CONN"),
            "!env DB_PASSWORD is a secret",
        ),
        (
            {"environment": {"UPSTREAM": "{{resolve:secretsmanager:acme/api}}"}},
            ("environment", "UPSTREAM"),
            "!secret would resolve the value",
        ),
        (
            {"environment": {"DB_PASSWORD": EnvTag("V", None, name="V")}},
            ("environment", "DB_PASSWORD"),
            "DB_PASSWORD looks like a secret",
        ),
    ],
)
def test_a_secret_value_in_the_function_environment_is_refused(
    vars_: dict[str, Any], where: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        LambdaFunction.Vars.model_validate({**ZIP, **vars_})
    (error,) = caught.value.errors()
    inner = error["ctx"]["error"]
    assert (*error["loc"], *inner.path)[: len(where)] == where
    assert message in str(inner)


def test_lint_flags_a_secret_value_in_function_environment() -> None:
    """What the old secret_environment rendered: a NoEcho parameter and a dynamic reference."""
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ApiToken: {Type: String, NoEcho: true}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/fn"
      Code: {ZipFile: "def handler(event, context):\\n    return event\\n"}
      Environment:
        Variables:
          API_TOKEN: !Ref ApiToken
          DB: "{{resolve:secretsmanager:acme/db:SecretString:password}}"
"""
    found = {(f["rule"], f["path"]) for f in lint_text(text) if f["rule"] == "E9704"}
    assert found == {
        ("E9704", "Resources/Fn/Properties/Environment/Variables/API_TOKEN"),
        ("E9704", "Resources/Fn/Properties/Environment/Variables/DB"),
    }
