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
                {"method": "GET", "path": "/health", "authorization": "NONE"},
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
