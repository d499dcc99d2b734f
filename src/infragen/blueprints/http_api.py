"""An API Gateway HTTP API: routes to a private ALB through a VPC link (or to a Lambda),
access logs, throttling, and an optional custom domain with its certificate and DNS alias."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from troposphere import GetAtt, Join, Ref, apigatewayv2, route53
from troposphere import certificatemanager as acm

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    OutputSpec,
    SubnetIdsValue,
    VarError,
    VpcIdValue,
)
from infragen.blueprints.helpers.invoke import execute_api_arn, invoke_permission
from infragen.blueprints.helpers.log_group import RetentionDays, log_group
from infragen.blueprints.helpers.rule_vars import RuleVars
from infragen.blueprints.helpers.security_group import security_group
from infragen.blueprints.helpers.throttling import Throttling
from infragen.facts.network import PUBLIC_API_KEY as PUBLIC_KEY

HttpMethod = Literal["ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
ROUTE_PATH_RE = re.compile(
    r"^/([A-Za-z0-9._~-]+|\{[A-Za-z0-9_]+\+?\})?(/([A-Za-z0-9._~-]+|\{[A-Za-z0-9_]+\+?\}))*$"
)
DOMAIN_RE = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$")
# One JSON line per request; requestId ties it to the Lambda's logs.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "integrationError": "$context.integrationErrorMessage",
    },
    sort_keys=True,
)


class Route(BlueprintVars):
    method: HttpMethod = "ANY"
    path: str = "/{proxy+}"
    # JWT: the API's `jwt_authorizer` validates a bearer token before the integration runs.
    authorization: Literal["NONE", "AWS_IAM", "JWT"] = "NONE"
    scopes: list[str] = Field(default_factory=list)  # JWT: any of these scopes is required
    # Open to anyone on purpose: recorded on the route so lint (W9104) and reviewers see a
    # decision rather than a forgotten authorizer.
    public: bool = False

    @model_validator(mode="after")
    def _scopes(self) -> Route:
        if self.scopes and self.authorization != "JWT":
            raise VarError("scopes need authorization: JWT", "scopes")
        if self.public and self.authorization != "NONE":
            raise VarError(
                f"public: true is for routes without authorization, and this one has "
                f"authorization: {self.authorization}",
                "public",
            )
        return self

    @field_validator("path")
    @classmethod
    def _path(cls, path: str) -> str:
        if not ROUTE_PATH_RE.match(path):
            raise ValueError(f"{path!r} is not a route path such as /items/{{id}} or /{{proxy+}}")
        return path

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


class VpcLink(BlueprintVars):
    vpc_id: VpcIdValue
    subnet_ids: SubnetIdsValue
    egress: list[RuleVars] = Field(min_length=1)  # to the load balancer's listener


class Domain(BlueprintVars):
    name: str
    hosted_zone_id: str = Field(pattern=r"^Z[A-Z0-9]{1,31}$")
    # None: a DNS-validated ACM certificate is created in this stack.
    certificate_arn: DeployStr | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not DOMAIN_RE.match(name):
            raise ValueError(f"{name!r} is not a lowercase DNS name such as api.example.com")
        return name


class Cors(BlueprintVars):
    allow_origins: list[str] = Field(min_length=1)
    allow_methods: list[HttpMethod] = Field(default_factory=lambda: ["GET", "POST", "OPTIONS"])
    allow_headers: list[str] = Field(default_factory=lambda: ["Content-Type", "Authorization"])
    max_age_seconds: int = Field(default=300, ge=0, le=86400)


class JwtAuthorizer(BlueprintVars):
    """A JWT authorizer (an OIDC issuer such as Cognito, Auth0, Entra ID): API Gateway checks
    the token's signature, issuer, audience and expiry before a route's integration runs."""

    issuer: DeployStr  # https://cognito-idp.<region>.amazonaws.com/<pool-id>, ...
    audience: list[DeployStr] = Field(min_length=1)
    identity_source: str = "$request.header.Authorization"

    @field_validator("issuer")
    @classmethod
    def _https(cls, issuer: Any) -> Any:
        if isinstance(issuer, str) and not issuer.startswith("https://"):
            raise ValueError("a JWT issuer is an https:// URL")
        return issuer


class HttpApiVars(BlueprintVars):
    description: str = ""
    integration: Literal["alb", "lambda"]
    listener_arn: DeployStr | None = None  # alb: the private listener, reached via vpc_link
    vpc_link: VpcLink | None = None
    function_arn: DeployStr | None = None  # lambda: proxy integration, payload 2.0
    routes: list[Route] = Field(default_factory=lambda: [Route()], min_length=1)
    jwt_authorizer: JwtAuthorizer | None = None
    throttling: Throttling | None = None
    access_log_retention_days: RetentionDays = 30
    domain: Domain | None = None
    cors: Cors | None = None
    disable_default_endpoint: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> HttpApiVars:
        if self.integration == "alb":
            if self.listener_arn is None or self.vpc_link is None:
                raise VarError("integration alb needs listener_arn and vpc_link", "integration")
            if self.function_arn is not None:
                raise VarError("function_arn is for integration lambda", "function_arn")
        else:
            if self.function_arn is None:
                raise VarError("integration lambda needs function_arn", "function_arn")
            if self.listener_arn is not None or self.vpc_link is not None:
                raise VarError("listener_arn and vpc_link are for integration alb", "integration")
        keys = [r.key for r in self.routes]
        if len(set(keys)) != len(keys):
            raise VarError("a route is listed twice", "routes")
        for index, route in enumerate(self.routes):
            if route.authorization == "JWT" and self.jwt_authorizer is None:
                raise VarError(
                    "authorization JWT needs the API's jwt_authorizer (issuer, audience)",
                    "routes",
                    index,
                    "authorization",
                )
        if self.disable_default_endpoint and self.domain is None:
            raise VarError(
                "without a domain, disabling the default endpoint makes the API unreachable",
                "disable_default_endpoint",
            )
        return self


class HttpApi(Blueprint):
    description = "API Gateway HTTP API: VPC link to an ALB or Lambda, logs, custom domain"
    Vars = HttpApiVars
    outputs = {
        "ApiId": "Id of the HTTP API",
        "ApiEndpoint": "Default endpoint URL of the API",
        "InvokeResourceArn": "execute-api ARN covering every stage and route (for IAM policies)",
        "CustomDomainUrl": OutputSpec(
            "https URL of the custom domain", when=lambda v: v.domain is not None
        ),
        "VpcLinkSecurityGroupId": OutputSpec(
            "Security group of the VPC link's ENIs", when=lambda v: v.vpc_link is not None
        ),
    }
    vars: HttpApiVars

    def build(self):
        v = self.vars
        t = self.template
        target = "private ALB via VPC link" if v.integration == "alb" else "Lambda"
        t.set_description(f"{self.context.stack_id}: HTTP API -> {target}")
        props: dict[str, Any] = {
            "Name": self.context.physical_name(),
            "ProtocolType": "HTTP",
            "DisableExecuteApiEndpoint": v.disable_default_endpoint,
        }
        if v.description:
            props["Description"] = v.description
        if v.cors:
            props["CorsConfiguration"] = apigatewayv2.Cors(
                AllowOrigins=v.cors.allow_origins,
                AllowMethods=v.cors.allow_methods,
                AllowHeaders=v.cors.allow_headers,
                MaxAge=v.cors.max_age_seconds,
            )
        api = t.add_resource(apigatewayv2.Api("Api", **props))
        integration = self._integration(api)
        authorizer = self._jwt_authorizer(api) if v.jwt_authorizer else None
        routes = []
        for index, route in enumerate(v.routes):
            extra: dict[str, Any] = {}
            if route.authorization == "JWT":
                extra["AuthorizerId"] = Ref(authorizer)
                if route.scopes:
                    extra["AuthorizationScopes"] = list(route.scopes)
            if route.public:
                extra["Metadata"] = {"infragen": {PUBLIC_KEY: True}}
            routes.append(
                t.add_resource(
                    apigatewayv2.Route(
                        f"Route{index + 1}",
                        ApiId=Ref(api),
                        RouteKey=route.key,
                        AuthorizationType=route.authorization,
                        Target=Join("/", ["integrations", Ref(integration)]),
                        **extra,
                    )
                )
            )
        stage = self._stage(api, routes)
        self.output("ApiId", Ref(api))
        self.output("ApiEndpoint", GetAtt(api, "ApiEndpoint"))
        self.output("InvokeResourceArn", execute_api_arn("Api"))
        if v.domain:
            self.output("CustomDomainUrl", f"https://{v.domain.name}")
            self._domain(api, stage)
        if v.vpc_link:
            self.output("VpcLinkSecurityGroupId", GetAtt("VpcLinkSecurityGroup", "GroupId"))
        return t

    def _jwt_authorizer(self, api: Any) -> apigatewayv2.Authorizer:
        settings = self.vars.jwt_authorizer
        assert settings is not None
        return self.template.add_resource(
            apigatewayv2.Authorizer(
                "JwtAuthorizer",
                ApiId=Ref(api),
                AuthorizerType="JWT",
                Name=f"{self.context.physical_name()}-jwt",
                IdentitySource=[settings.identity_source],
                JwtConfiguration=apigatewayv2.JWTConfiguration(
                    Issuer=settings.issuer, Audience=list(settings.audience)
                ),
            )
        )

    def _integration(self, api: Any) -> apigatewayv2.Integration:
        v = self.vars
        t = self.template
        if v.integration == "lambda":
            invoke_permission(
                t,
                "InvokePermission",
                function=v.function_arn,
                principal="apigateway.amazonaws.com",
                source_arn=execute_api_arn("Api"),
            )
            return t.add_resource(
                apigatewayv2.Integration(
                    "Integration",
                    ApiId=Ref(api),
                    IntegrationType="AWS_PROXY",
                    IntegrationUri=v.function_arn,
                    PayloadFormatVersion="2.0",
                )
            )
        link_vars = v.vpc_link
        assert link_vars is not None
        sg = security_group(
            t,
            "VpcLinkSecurityGroup",
            description=f"{self.context.stack_id} VPC link: to the private load balancer only",
            vpc_id=link_vars.vpc_id,
            egress=[r.rule() for r in link_vars.egress],
        )
        link = t.add_resource(
            apigatewayv2.VpcLink(
                "VpcLink",
                Name=self.context.physical_name(),
                SubnetIds=link_vars.subnet_ids,
                SecurityGroupIds=[GetAtt(sg, "GroupId")],
            )
        )
        return t.add_resource(
            apigatewayv2.Integration(
                "Integration",
                ApiId=Ref(api),
                IntegrationType="HTTP_PROXY",
                IntegrationMethod="ANY",
                IntegrationUri=v.listener_arn,
                ConnectionType="VPC_LINK",
                ConnectionId=Ref(link),
                PayloadFormatVersion="1.0",
            )
        )

    def _stage(self, api: Any, routes: list[Any]) -> apigatewayv2.Stage:
        v = self.vars
        t = self.template
        logs = log_group(
            t,
            "AccessLogGroup",
            retention_days=v.access_log_retention_days,
            production=self.context.production,
        )
        settings: dict[str, Any] = {"DetailedMetricsEnabled": True}
        if v.throttling:
            settings["ThrottlingRateLimit"] = v.throttling.rate
            settings["ThrottlingBurstLimit"] = v.throttling.burst
        return t.add_resource(
            apigatewayv2.Stage(
                "Stage",
                ApiId=Ref(api),
                StageName="$default",
                AutoDeploy=True,
                DefaultRouteSettings=apigatewayv2.RouteSettings(**settings),
                AccessLogSettings=apigatewayv2.AccessLogSettings(
                    DestinationArn=GetAtt(logs, "Arn"), Format=ACCESS_LOG_FORMAT
                ),
                DependsOn=[r.title for r in routes],
            )
        )

    def _domain(self, api: Any, stage: Any) -> None:
        domain_vars = self.vars.domain
        assert domain_vars is not None
        t = self.template
        if domain_vars.certificate_arn is None:
            cert: Any = Ref(
                t.add_resource(
                    acm.Certificate(
                        "Certificate",
                        DomainName=domain_vars.name,
                        ValidationMethod="DNS",
                        DomainValidationOptions=[
                            acm.DomainValidationOption(
                                DomainName=domain_vars.name,
                                HostedZoneId=domain_vars.hosted_zone_id,
                            )
                        ],
                    )
                )
            )
        else:
            cert = domain_vars.certificate_arn
        domain = t.add_resource(
            apigatewayv2.DomainName(
                "DomainName",
                DomainName=domain_vars.name,
                DomainNameConfigurations=[
                    apigatewayv2.DomainNameConfiguration(
                        CertificateArn=cert,
                        EndpointType="REGIONAL",
                        SecurityPolicy="TLS_1_2",
                    )
                ],
            )
        )
        t.add_resource(
            apigatewayv2.ApiMapping(
                "ApiMapping",
                ApiId=Ref(api),
                DomainName=Ref(domain),
                Stage=Ref(stage),
            )
        )
        for kind in ("A", "AAAA"):
            t.add_resource(
                route53.RecordSetType(
                    f"DnsRecord{kind}",
                    HostedZoneId=domain_vars.hosted_zone_id,
                    Name=domain_vars.name,
                    Type=kind,
                    AliasTarget=route53.AliasTarget(
                        DNSName=GetAtt(domain, "RegionalDomainName"),
                        HostedZoneId=GetAtt(domain, "RegionalHostedZoneId"),
                        EvaluateTargetHealth=False,
                    ),
                )
            )
