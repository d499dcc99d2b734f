"""HTTP APIs take a JWT authorizer: routes that say `authorization: JWT` are checked by it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from infragen.blueprints.base import BuildContext
from infragen.blueprints.http_api import HttpApi
from infragen.lint.runner import lint_text

CONTEXT = BuildContext(
    project="acme", env="dev", app="shop", stack="api", region="us-east-1", production=False
)
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:acme-dev-shop-fn"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"


def _vars(**extra: Any) -> dict[str, Any]:
    return {"integration": "lambda", "function_arn": FUNCTION, **extra}


def test_jwt_routes_use_the_authorizer_and_the_template_lints_clean() -> None:
    vars_ = HttpApi.Vars.model_validate(
        _vars(
            jwt_authorizer={"issuer": ISSUER, "audience": ["shop-web"]},
            routes=[
                {"method": "GET", "path": "/health", "authorization": "NONE", "public": True},
                {"path": "/{proxy+}", "authorization": "JWT", "scopes": ["shop/read"]},
            ],
        )
    )
    template = HttpApi(vars_, CONTEXT).build().to_dict()
    resources = template["Resources"]
    authorizer = resources["JwtAuthorizer"]["Properties"]
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["JwtConfiguration"] == {"Issuer": ISSUER, "Audience": ["shop-web"]}
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    open_route, guarded = resources["Route1"]["Properties"], resources["Route2"]["Properties"]
    assert open_route["AuthorizationType"] == "NONE" and "AuthorizerId" not in open_route
    assert guarded["AuthorizationType"] == "JWT"
    assert guarded["AuthorizerId"] == {"Ref": "JwtAuthorizer"}
    assert guarded["AuthorizationScopes"] == ["shop/read"]
    findings = lint_text(yaml.safe_dump(template, sort_keys=False))
    assert [f for f in findings if f["severity"] in ("error", "warning")] == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"routes": [{"authorization": "JWT"}]},
            "authorization JWT needs the API's jwt_authorizer",
        ),
        ({"routes": [{"scopes": ["a"]}]}, "scopes need authorization: JWT"),
        (
            {"jwt_authorizer": {"issuer": "http://idp.example", "audience": ["x"]}},
            "a JWT issuer is an https:// URL",
        ),
    ],
)
def test_jwt_settings_are_validated(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        HttpApi.Vars.model_validate(_vars(**extra))


POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Example"
AUTH_FN = "arn:aws:lambda:us-east-1:123456789012:function:acme-dev-shop-authorizer"


def _rest(authorizer: dict[str, Any]) -> dict[str, Any]:
    from infragen.blueprints.rest_api import RestApi

    vars_ = RestApi.Vars.model_validate(
        {
            "function_arn": FUNCTION,
            "authorizer": authorizer,
            "cors": {"allow_origins": ["https://shop.example.com"]},
        }
    )
    return RestApi(vars_, CONTEXT).build().to_dict()


@pytest.mark.parametrize(
    ("authorizer", "kind"),
    [
        ({"type": "COGNITO_USER_POOLS", "provider_arns": [POOL]}, "COGNITO_USER_POOLS"),
        ({"type": "TOKEN", "function_arn": AUTH_FN}, "CUSTOM"),
    ],
)
def test_rest_api_methods_use_the_authorizer_and_preflights_stay_open(
    authorizer: dict[str, Any], kind: str
) -> None:
    template = _rest(authorizer)
    resources = template["Resources"]
    props = resources["Authorizer"]["Properties"]
    assert props["Type"] == authorizer["type"]
    assert props["IdentitySource"] == "method.request.header.Authorization"
    methods = {
        name: r["Properties"]
        for name, r in resources.items()
        if r["Type"] == "AWS::ApiGateway::Method"
    }
    for name, method in methods.items():
        if method["HttpMethod"] == "OPTIONS":
            assert method["AuthorizationType"] == "NONE", name
        else:
            assert method["AuthorizationType"] == kind, name
            assert method["AuthorizerId"] == {"Ref": "Authorizer"}, name
    if kind == "CUSTOM":
        permission = resources["AuthorizerInvokePermission"]["Properties"]
        assert permission["FunctionName"] == AUTH_FN
        assert permission["Principal"] == "apigateway.amazonaws.com"
    else:
        assert props["ProviderARNs"] == [POOL]
        assert "AuthorizerInvokePermission" not in resources
    findings = lint_text(yaml.safe_dump(template, sort_keys=False))
    assert [f for f in findings if f["severity"] in ("error", "warning")] == []


@pytest.mark.parametrize(
    "authorizer",
    [
        {"type": "COGNITO_USER_POOLS"},
        {"type": "COGNITO_USER_POOLS", "provider_arns": [POOL], "function_arn": AUTH_FN},
        {"type": "TOKEN"},
    ],
)
def test_rest_authorizer_settings_are_validated(authorizer: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="authorizer takes"):
        _rest(authorizer)


def test_a_rest_api_stage_can_sit_behind_a_regional_waf() -> None:
    from infragen.blueprints.rest_api import RestApi

    acl = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/acme-dev-api/abc"
    vars_ = RestApi.Vars.model_validate(
        {"function_arn": FUNCTION, "public": True, "stage": {"web_acl_arn": acl}}
    )
    template = RestApi(vars_, CONTEXT).build().to_dict()
    association = template["Resources"]["WebAclAssociation"]
    assert association["Type"] == "AWS::WAFv2::WebACLAssociation"
    assert association["Properties"]["WebACLArn"] == acl
    parts = association["Properties"]["ResourceArn"]["Fn::Join"][1]
    assert parts[1:] == [{"Ref": "RestApi"}, "/stages/", {"Ref": "Stage"}]
    findings = lint_text(yaml.safe_dump(template, sort_keys=False))
    assert [f for f in findings if f["severity"] in ("error", "warning")] == []


def test_a_rest_api_can_require_usage_plan_api_keys_whose_values_aws_generates() -> None:
    """Seed 001's AI service takes only an internal API key."""
    from infragen.blueprints.rest_api import RestApi

    vars_ = RestApi.Vars.model_validate(
        {
            "function_arn": FUNCTION,
            "api_key_required": True,
            "stage": {"api_keys": ["internal-caller"]},
        }
    )
    template = RestApi(vars_, CONTEXT).build().to_dict()
    resources = template["Resources"]
    methods = [
        r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Method"
    ]
    assert methods and all(m["ApiKeyRequired"] is True for m in methods)
    key = resources["ApiKey1"]["Properties"]
    assert key["Name"] == "acme-dev-shop-api-internal-caller"
    assert "Value" not in key  # API Gateway generates it; it never enters the template
    assert resources["UsagePlanKey1"]["Properties"] == {
        "KeyId": {"Ref": "ApiKey1"},
        "KeyType": "API_KEY",
        "UsagePlanId": {"Ref": "UsagePlan"},
    }
    findings = lint_text(yaml.safe_dump(template, sort_keys=False))
    assert [f for f in findings if f["severity"] in ("error", "warning")] == []


def test_api_keys_need_the_usage_plan() -> None:
    from infragen.blueprints.rest_api import RestApi

    with pytest.raises(ValidationError, match="api_keys belong to the usage plan"):
        RestApi.Vars.model_validate(
            {"function_arn": FUNCTION, "stage": {"api_keys": ["x"], "usage_plan": False}}
        )
