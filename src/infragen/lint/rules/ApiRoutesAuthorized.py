"""W9104: every API route or method has an authorizer (or an API key), or says it is public."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.facts.network import PUBLIC_API_KEY
from infragen.lint._shared import resource_infragen_metadata

OPEN = (None, "NONE")


class ApiRoutesAuthorized(CloudFormationLintRule):
    id = "W9104"
    shortdesc = "API routes and methods have an authorizer, or are declared public"
    description = (
        "An HTTP API route (AWS::ApiGatewayV2::Route) with AuthorizationType NONE, or a REST "
        "API method (AWS::ApiGateway::Method, CORS preflights aside) with neither an "
        "authorizer nor ApiKeyRequired, is open to the internet. Give it one, or declare it "
        "open on purpose with `public: true` in config (Metadata.infragen.public)."
    )
    source_url = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html"
    tags = ["infragen", "apigateway", "exposure"]

    def match(self, cfn):
        matches = []
        kinds = ["AWS::ApiGatewayV2::Route", "AWS::ApiGateway::Method"]
        for name, resource in cfn.get_resources(kinds).items():
            if resource_infragen_metadata(resource).get(PUBLIC_API_KEY) is True:
                continue
            properties = resource.get("Properties") or {}
            if not isinstance(properties, dict) or properties.get("AuthorizationType") not in OPEN:
                continue
            is_rest = resource.get("Type") == "AWS::ApiGateway::Method"
            if is_rest and (
                properties.get("HttpMethod") == "OPTIONS" or properties.get("ApiKeyRequired")
            ):
                continue
            matches.append(
                RuleMatch(
                    ["Resources", name, "Properties"],
                    f"{name}: anyone on the internet can call it (no authorizer"
                    + (", no API key" if is_rest else "")
                    + "); add authorization, or say `public: true` in config if it is meant "
                    "to be open",
                )
            )
        return matches
