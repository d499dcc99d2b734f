"""An API Gateway REST API with a Lambda proxy, CORS preflight answered by a MOCK integration,
and a stage with per-environment logging, throttling, tracing, access logs and a usage plan.

`rest-api` builds the API (and, with `stage:`, its deployment and stage too);
`rest-api-stage` builds the deployment and stage for an API from another stack, for systems
that deploy them as separate steps (seed 002 §11).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from troposphere import GetAtt, Join, Ref, Sub, apigateway, wafv2

from infragen.blueprints.base import Blueprint, BlueprintVars, DeployStr, OutputSpec, VarError
from infragen.blueprints.helpers.alarm import AlarmSpec
from infragen.blueprints.helpers.invoke import execute_api_arn, invoke_permission
from infragen.blueprints.helpers.log_group import RetentionDays, log_group
from infragen.blueprints.helpers.policy import managed_policy_arn
from infragen.blueprints.helpers.role import service_role
from infragen.blueprints.helpers.throttling import Throttling
from infragen.facts.network import PUBLIC_API_KEY as PUBLIC_KEY

HttpMethod = Literal["ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
CorsMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
ORIGIN_RE = re.compile(r"^https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$")
HEADER_RE = re.compile(r"^[A-Za-z0-9-]+$")
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "xrayTraceId": "$context.xrayTraceId",
    },
    sort_keys=True,
)


class Cors(BlueprintVars):
    allow_origins: list[str] = Field(min_length=1)
    allow_headers: list[str] = Field(
        default_factory=lambda: ["Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key"]
    )
    allow_methods: list[CorsMethod] = Field(default_factory=lambda: ["GET", "POST", "OPTIONS"])
    max_age_seconds: int = Field(default=600, ge=0, le=86400)

    @field_validator("allow_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for index, origin in enumerate(origins):
            if not ORIGIN_RE.match(origin):
                raise VarError(
                    f"{origin!r} is not an origin such as https://app.example.com (no '*', no "
                    "path)",
                    index,
                )
        return origins

    @field_validator("allow_headers")
    @classmethod
    def _headers(cls, headers: list[str]) -> list[str]:
        for index, header in enumerate(headers):
            if not HEADER_RE.match(header):
                raise VarError(f"{header!r} is not an HTTP header name", index)
        return headers

    @field_validator("allow_methods")
    @classmethod
    def _options(cls, methods: list[str]) -> list[str]:
        if "OPTIONS" not in methods:
            raise ValueError("allow_methods must include OPTIONS, the preflight itself")
        return methods


class StageAlarms(BlueprintVars):
    server_error_percent: int | float | None = Field(default=None, gt=0, le=100)
    p99_latency_ms: int | None = Field(default=None, ge=1)
    period_seconds: int = Field(default=300, ge=60)
    actions: list[DeployStr] = Field(default_factory=list)


class StageSettings(BlueprintVars):
    name: str = Field(default="v1", pattern=r"^[A-Za-z0-9_]{1,128}$")
    logging_level: Literal["OFF", "ERROR", "INFO"] = "ERROR"
    data_trace: bool = False
    metrics: bool = True
    tracing: bool = True
    throttling: Throttling | None = None
    log_retention_days: RetentionDays = 30
    usage_plan: bool = True
    # API keys of the usage plan, by name; API Gateway generates each value (never in the
    # template). Callers send it as x-api-key where the API says api_key_required.
    api_keys: list[str] = Field(default_factory=list)
    # A regional WAF web ACL (waf-web-acl, scope REGIONAL) in front of the stage.
    web_acl_arn: DeployStr | None = None
    # API Gateway logs through one account-wide role (AWS::ApiGateway::Account).
    cloudwatch_role: bool = True
    alarms: StageAlarms | None = None

    @model_validator(mode="after")
    def _logging(self) -> StageSettings:
        if self.data_trace and self.logging_level == "OFF":
            raise VarError("data_trace needs logging_level ERROR or INFO", "data_trace")
        if self.api_keys and not self.usage_plan:
            raise VarError("api_keys belong to the usage plan: set usage_plan: true", "api_keys")
        for index, name in enumerate(self.api_keys):
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", name):
                raise VarError(f"{name!r} is not a key name such as internal-caller", index)
        if len(set(self.api_keys)) != len(self.api_keys):
            raise VarError("an API key is listed twice", "api_keys")
        return self


class RestAuthorizer(BlueprintVars):
    """Who may call the proxy methods: a Cognito user pool's tokens, or a Lambda (TOKEN)
    authorizer that returns a policy for a bearer token. CORS preflights stay open."""

    type: Literal["COGNITO_USER_POOLS", "TOKEN"]
    provider_arns: list[DeployStr] = Field(default_factory=list)  # COGNITO_USER_POOLS
    function_arn: DeployStr | None = None  # TOKEN: the authorizer function
    identity_source: str = Field(
        default="method.request.header.Authorization", pattern=r"^method\.request\.[a-z]+\.\S+$"
    )
    result_ttl_seconds: int = Field(default=300, ge=0, le=3600)

    @model_validator(mode="after")
    def _consistent(self) -> RestAuthorizer:
        if self.type == "COGNITO_USER_POOLS":
            if not self.provider_arns or self.function_arn is not None:
                raise VarError(
                    "a COGNITO_USER_POOLS authorizer takes provider_arns (user pool ARNs), "
                    "not function_arn",
                    "provider_arns",
                )
        elif self.function_arn is None or self.provider_arns:
            raise VarError(
                "a TOKEN authorizer takes function_arn, not provider_arns", "function_arn"
            )
        return self


class RestApiVars(BlueprintVars):
    description: str = ""
    endpoint_type: Literal["REGIONAL", "EDGE", "PRIVATE"] = "REGIONAL"
    function_arn: DeployStr
    methods: list[HttpMethod] = Field(default_factory=lambda: ["ANY"], min_length=1)
    cors: Cors | None = None
    # False when a separate stack grants API Gateway the invoke (lambda-permission).
    invoke_permission: bool = True
    authorizer: RestAuthorizer | None = None
    # Callers must send a usage plan's API key (x-api-key); see the stage's api_keys.
    api_key_required: bool = False
    # Methods open to anyone on purpose (no authorizer, no API key): recorded on each method
    # so lint (W9104) and reviewers see a decision rather than a forgotten authorizer.
    public: bool = False
    stage: StageSettings | None = None

    @field_validator("methods")
    @classmethod
    def _methods(cls, methods: list[str]) -> list[str]:
        if len(set(methods)) != len(methods):
            raise ValueError("a method is listed twice")
        if "ANY" in methods and len(methods) > 1:
            raise ValueError("ANY already covers every method; list it alone")
        return methods

    @model_validator(mode="after")
    def _public(self) -> RestApiVars:
        if self.public and (self.authorizer is not None or self.api_key_required):
            raise VarError(
                "public: true is for methods without an authorizer or API key; this API "
                "has " + ("an authorizer" if self.authorizer is not None else "api_key_required"),
                "public",
            )
        return self


class RestApiStageVars(StageSettings):
    rest_api_id: DeployStr
    rest_api_name: DeployStr  # the ApiName dimension of API Gateway's metrics
    # CloudFormation never redeploys an existing Deployment: bump this after the API's
    # methods change so a new Deployment (new logical id) is created and the stage moves to it.
    revision: int = Field(default=1, ge=1)


class RestApi(Blueprint):
    description = "API Gateway REST API: Lambda proxy, CORS preflight (MOCK), optional stage"
    Vars = RestApiVars
    outputs = {
        "RestApiId": "Id of the REST API",
        "RestApiName": "Name of the REST API (the ApiName metric dimension)",
        "RootResourceId": "Id of the root resource",
        "InvokeResourceArn": "execute-api ARN covering every stage, method and path",
        "StageName": OutputSpec("Name of the stage", when=lambda v: v.stage is not None),
        "InvokeUrl": OutputSpec("Base URL of the stage", when=lambda v: v.stage is not None),
    }
    vars: RestApiVars

    @property
    def api_name(self) -> str:
        return self.context.physical_name()

    def build(self):
        v = self.vars
        t = self.template
        t.set_description(
            f"{self.context.stack_id}: REST API ({v.endpoint_type}) -> Lambda proxy"
            + (f", stage {v.stage.name}" if v.stage else "")
        )
        props: dict[str, Any] = {
            "Name": self.api_name,
            "EndpointConfiguration": apigateway.EndpointConfiguration(Types=[v.endpoint_type]),
        }
        if v.description:
            props["Description"] = v.description
        api = t.add_resource(apigateway.RestApi("RestApi", **props))
        if v.authorizer is not None:
            self._authorizer(api, v.authorizer)
        methods = self._methods(api)
        if v.invoke_permission:
            invoke_permission(
                t,
                "InvokePermission",
                function=v.function_arn,
                principal="apigateway.amazonaws.com",
                source_arn=execute_api_arn("RestApi"),
            )
        self.output("RestApiId", Ref(api))
        self.output("RestApiName", self.api_name)
        self.output("RootResourceId", GetAtt(api, "RootResourceId"))
        self.output("InvokeResourceArn", execute_api_arn("RestApi"))
        if v.stage:
            self._stage(v.stage, api, methods)
        return t

    def _authorizer(self, api: Any, settings: RestAuthorizer) -> apigateway.Authorizer:
        props: dict[str, Any] = {
            "RestApiId": Ref(api),
            "Name": f"{self.api_name}-authorizer",
            "Type": settings.type,
            "IdentitySource": settings.identity_source,
            "AuthorizerResultTtlInSeconds": settings.result_ttl_seconds,
        }
        if settings.type == "COGNITO_USER_POOLS":
            props["ProviderARNs"] = list(settings.provider_arns)
        else:
            props["AuthorizerUri"] = _invocation_uri(settings.function_arn)
            invoke_permission(
                self.template,
                "AuthorizerInvokePermission",
                function=settings.function_arn,
                principal="apigateway.amazonaws.com",
                source_arn=execute_api_arn("RestApi", "authorizers/*"),
            )
        return self.template.add_resource(apigateway.Authorizer("Authorizer", **props))

    def _methods(self, api: Any) -> list[apigateway.Method]:
        """The proxy methods (and CORS preflights) on the root and on `{proxy+}`."""
        v = self.vars
        proxy = self.template.add_resource(
            apigateway.Resource(
                "ProxyResource",
                RestApiId=Ref(api),
                ParentId=GetAtt(api, "RootResourceId"),
                PathPart="{proxy+}",
            )
        )
        methods = []
        for where, resource_id in (
            ("Root", GetAtt(api, "RootResourceId")),
            ("Proxy", Ref(proxy)),
        ):
            for method in v.methods:
                methods.append(self._proxy_method(where, method, api, resource_id))
            if v.cors:
                methods.append(self._preflight(where, api, resource_id, v.cors))
        return methods

    def _stage(self, settings: StageSettings, api: Any, methods: list[apigateway.Method]) -> None:
        # A Deployment is a snapshot: a new logical id whenever the methods change makes
        # CloudFormation create a fresh one and point the stage at it.
        digest = hashlib.sha256(
            json.dumps([m.to_dict() for m in methods], sort_keys=True, default=str).encode()
        ).hexdigest()[:10]
        stage = build_stage(
            self,
            settings,
            rest_api_id=Ref(api),
            rest_api_name=self.api_name,
            deployment_id=f"Deployment{digest}",
            depends_on=[m.title for m in methods],
        )
        self.output("StageName", Ref(stage))
        self.output(
            "InvokeUrl",
            Sub("https://${RestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + settings.name),
        )

    def _proxy_method(
        self, where: str, method: str, api: Any, resource_id: Any
    ) -> apigateway.Method:
        authorizer = self.vars.authorizer
        auth: dict[str, Any] = {"AuthorizationType": "NONE"}
        if authorizer is not None:
            kind = "CUSTOM" if authorizer.type == "TOKEN" else authorizer.type
            auth = {"AuthorizationType": kind, "AuthorizerId": Ref("Authorizer")}
        if self.vars.api_key_required:
            auth["ApiKeyRequired"] = True
        if self.vars.public:
            auth["Metadata"] = {"infragen": {PUBLIC_KEY: True}}
        return self.template.add_resource(
            apigateway.Method(
                f"{where}{method.capitalize()}Method",
                RestApiId=Ref(api),
                ResourceId=resource_id,
                HttpMethod=method,
                **auth,
                Integration=apigateway.Integration(
                    Type="AWS_PROXY",
                    IntegrationHttpMethod="POST",
                    Uri=_invocation_uri(self.vars.function_arn),
                ),
            )
        )

    def _preflight(self, where: str, api: Any, resource_id: Any, cors: Cors) -> apigateway.Method:
        """OPTIONS answered by API Gateway itself: no Lambda invocation per preflight."""
        header = "method.response.header."
        values = {
            "Access-Control-Allow-Headers": ",".join(cors.allow_headers),
            "Access-Control-Allow-Methods": ",".join(cors.allow_methods),
            "Access-Control-Allow-Origin": cors.allow_origins[0],
            "Access-Control-Max-Age": str(cors.max_age_seconds),
            "Vary": "Origin",
        }
        # A static header can name one origin; the template echoes the caller's Origin when
        # it is one of the allowed ones, so several origins work without a Lambda.
        checks = " || ".join(f'$origin == "{o}"' for o in cors.allow_origins)
        template = "\n".join(
            [
                '#set($origin = $input.params().header.get("Origin"))',
                '#if("$!origin" == "")#set($origin = $input.params().header.get("origin"))#end',
                f"#if({checks})",
                "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)",
                "#end",
                "{}",
            ]
        )
        return self.template.add_resource(
            apigateway.Method(
                f"{where}OptionsMethod",
                RestApiId=Ref(api),
                ResourceId=resource_id,
                HttpMethod="OPTIONS",
                AuthorizationType="NONE",
                Integration=apigateway.Integration(
                    Type="MOCK",
                    PassthroughBehavior="WHEN_NO_MATCH",
                    RequestTemplates={"application/json": '{"statusCode": 200}'},
                    IntegrationResponses=[
                        apigateway.IntegrationResponse(
                            StatusCode="200",
                            ResponseParameters={
                                header + name: f"'{value}'" for name, value in values.items()
                            },
                            ResponseTemplates={"application/json": template},
                        )
                    ],
                ),
                MethodResponses=[
                    apigateway.MethodResponse(
                        StatusCode="200",
                        ResponseParameters={header + name: False for name in values},
                    )
                ],
            )
        )


class RestApiStage(Blueprint):
    description = "Deployment + stage (logging, throttling, tracing, usage plan) of a REST API"
    Vars = RestApiStageVars
    outputs = {
        "StageName": "Name of the stage",
        "InvokeUrl": "Base URL of the stage",
        "DeploymentId": "Id of the current deployment",
    }
    vars: RestApiStageVars

    def build(self):
        v = self.vars
        t = self.template
        t.set_description(
            f"{self.context.stack_id}: REST API deployment and stage {v.name} "
            f"(revision {v.revision})"
        )
        stage = build_stage(
            self,
            v,
            rest_api_id=v.rest_api_id,
            rest_api_name=v.rest_api_name,
            deployment_id=f"Deployment{v.revision}",
            depends_on=[],
        )
        self.output("StageName", Ref(stage))
        self.output(
            "InvokeUrl",
            Join(
                "",
                [
                    "https://",
                    v.rest_api_id,
                    Sub(".execute-api.${AWS::Region}.${AWS::URLSuffix}/"),
                    v.name,
                ],
            ),
        )
        self.output("DeploymentId", Ref(f"Deployment{v.revision}"))
        return t


def build_stage(
    blueprint: Blueprint,
    settings: StageSettings,
    *,
    rest_api_id: Any,
    rest_api_name: Any,
    deployment_id: str,
    depends_on: list[str],
) -> apigateway.Stage:
    """Deployment, stage, its log groups, the account logging role, usage plan and alarms."""
    t = blueprint.template
    deployment = t.add_resource(
        apigateway.Deployment(
            deployment_id,
            RestApiId=rest_api_id,
            Description=f"{blueprint.context.stack_id} {deployment_id}",
        )
    )
    if depends_on:
        deployment.DependsOn = depends_on
    access_logs = log_group(
        t,
        "AccessLogGroup",
        retention_days=settings.log_retention_days,
        production=blueprint.context.production,
    )
    stage = apigateway.Stage(
        "Stage",
        RestApiId=rest_api_id,
        StageName=settings.name,
        DeploymentId=Ref(deployment),
        TracingEnabled=settings.tracing,
        MethodSettings=[_method_setting(settings)],
        AccessLogSetting=apigateway.AccessLogSetting(
            DestinationArn=GetAtt(access_logs, "Arn"), Format=ACCESS_LOG_FORMAT
        ),
    )
    stage_depends = _execution_logging(blueprint, settings, rest_api_id)
    if stage_depends:
        stage.DependsOn = stage_depends
    t.add_resource(stage)
    if settings.web_acl_arn is not None:
        t.add_resource(
            wafv2.WebACLAssociation(
                "WebAclAssociation",
                ResourceArn=Join(
                    "",
                    [
                        Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/"),
                        rest_api_id,
                        "/stages/",
                        Ref(stage),
                    ],
                ),
                WebACLArn=settings.web_acl_arn,
            )
        )
    if settings.usage_plan:
        _usage_plan(blueprint, settings, rest_api_id, stage)
    if settings.alarms:
        blueprint.add_alarms(
            STAGE_ALARMS,
            settings.alarms,
            namespace="AWS/ApiGateway",
            dimensions={"ApiName": rest_api_name, "Stage": settings.name},
            period=settings.alarms.period_seconds,
        )
    return stage


def _method_setting(settings: StageSettings) -> apigateway.MethodSetting:
    props: dict[str, Any] = {
        "HttpMethod": "*",
        "ResourcePath": "/*",
        "LoggingLevel": settings.logging_level,
        "DataTraceEnabled": settings.data_trace,
        "MetricsEnabled": settings.metrics,
    }
    if settings.throttling:
        props["ThrottlingRateLimit"] = settings.throttling.rate
        props["ThrottlingBurstLimit"] = settings.throttling.burst
    return apigateway.MethodSetting(**props)


def _execution_logging(
    blueprint: Blueprint, settings: StageSettings, rest_api_id: Any
) -> list[str]:
    """The execution log group and the account logging role; what the stage must wait for."""
    t = blueprint.template
    waits: list[str] = []
    if settings.logging_level != "OFF":
        # API Gateway creates this group itself, without a retention, unless it exists first.
        execution_logs = log_group(
            t,
            "ExecutionLogGroup",
            name=Join("", ["API-Gateway-Execution-Logs_", rest_api_id, "/", settings.name]),
            retention_days=settings.log_retention_days,
            production=blueprint.context.production,
        )
        waits.append(execution_logs.title)
    if settings.cloudwatch_role:
        role = service_role(
            t,
            "ApiGatewayLoggingRole",
            services=["apigateway.amazonaws.com"],
            statements=[],
            managed_policy_arns=[managed_policy_arn("AmazonAPIGatewayPushToCloudWatchLogs")],
            description="Lets API Gateway write execution and access logs (account setting)",
        )
        account = t.add_resource(
            apigateway.Account("ApiGatewayAccount", CloudWatchRoleArn=GetAtt(role, "Arn"))
        )
        waits.append(account.title)
    return waits


def _usage_plan(
    blueprint: Blueprint, settings: StageSettings, rest_api_id: Any, stage: apigateway.Stage
) -> None:
    plan: dict[str, Any] = {
        "UsagePlanName": blueprint.context.name(blueprint.context.stack),
        "Description": f"{blueprint.context.stack_id}: tracks usage of stage {settings.name}",
        "ApiStages": [apigateway.ApiStage(ApiId=rest_api_id, Stage=Ref(stage))],
    }
    if settings.throttling:
        plan["Throttle"] = apigateway.ThrottleSettings(
            RateLimit=settings.throttling.rate, BurstLimit=settings.throttling.burst
        )
    usage_plan = blueprint.template.add_resource(apigateway.UsagePlan("UsagePlan", **plan))
    for index, name in enumerate(settings.api_keys):
        key = blueprint.template.add_resource(
            apigateway.ApiKey(
                f"ApiKey{index + 1}",
                Name=blueprint.context.name(blueprint.context.stack, name),
                Description=f"{blueprint.context.stack_id}: API key {name}",
                Enabled=True,
            )
        )
        blueprint.template.add_resource(
            apigateway.UsagePlanKey(
                f"UsagePlanKey{index + 1}",
                KeyId=Ref(key),
                KeyType="API_KEY",
                UsagePlanId=Ref(usage_plan),
            )
        )


STAGE_ALARMS = (
    AlarmSpec(
        "ServerErrorRateAlarm",
        metric="5XXError",
        statistic="Sum",
        threshold_var="server_error_percent",
        description="{subject}: 5XX responses above {threshold:g}% of requests over {minutes} "
        "minutes",
        ratio_of="Count",
        ratio_label="5XX error rate (%)",
    ),
    AlarmSpec(
        "LatencyP99Alarm",
        metric="Latency",
        statistic="p99",
        threshold_var="p99_latency_ms",
        description="{subject}: p99 latency above {threshold} ms over {minutes} minutes",
    ),
)


def _invocation_uri(function_arn: Any) -> Any:
    """API Gateway's URI for invoking a Lambda function (proxy integration or authorizer)."""
    return Join(
        "",
        [
            Sub(
                "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
            ),
            function_arn,
            "/invocations",
        ],
    )
