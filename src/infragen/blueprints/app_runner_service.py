"""An App Runner service from an ECR image: public, or private behind a VPC ingress connection,
with optional VPC egress through a connector, secrets by ARN, X-Ray tracing and alarms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from awacs import xray
from pydantic import Field, ValidationInfo, field_validator, model_validator
from troposphere import GetAtt, Join, Ref, Sub, apprunner, ec2

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    OutputSpec,
    SecurityGroupIdValue,
    SubnetIdsValue,
    VarError,
    VpcIdValue,
)
from infragen.blueprints.helpers.alarm import AlarmSpec
from infragen.blueprints.helpers.container import (
    ContainerImage,
    SecretRef,
    check_environment,
    read_statements,
)
from infragen.blueprints.helpers.naming import short_name
from infragen.blueprints.helpers.policy import Permission, statements
from infragen.blueprints.helpers.role import allow, service_role
from infragen.blueprints.helpers.rule_vars import IngressGrant, RuleVars, grant_ingress
from infragen.blueprints.helpers.security_group import Rule, security_group

# vCPU -> the memory sizes (GB) App Runner offers with it.
# https://docs.aws.amazon.com/apprunner/latest/dg/manage-configure.html#manage-configure.instance
APP_RUNNER_MEMORY: dict[str, tuple[str, ...]] = {
    "0.25": ("0.5", "1"),
    "0.5": ("1",),
    "1": ("2", "3", "4"),
    "2": ("4", "6"),
    "4": ("8", "10", "12"),
}
# App Runner sets these names itself.
RESERVED_ENV_PREFIX = "AWSAPPRUNNER"


def _number(value: float | int | str) -> str:
    """0.50 -> '0.5', 2.0 -> '2': the spelling App Runner's sizes use."""
    return format(Decimal(str(value)).normalize(), "f")


class HealthCheck(BlueprintVars):
    """App Runner's own check of each instance (the defaults are App Runner's)."""

    protocol: Literal["TCP", "HTTP"] = "TCP"
    path: str | None = Field(default=None, pattern=r"^/\S*$")  # HTTP only; App Runner: "/"
    interval_seconds: int = Field(default=5, ge=1, le=20)
    timeout_seconds: int = Field(default=2, ge=1, le=20)
    healthy_threshold: int = Field(default=1, ge=1, le=20)
    unhealthy_threshold: int = Field(default=5, ge=1, le=20)

    @model_validator(mode="after")
    def _path(self) -> HealthCheck:
        if self.path is not None and self.protocol != "HTTP":
            raise VarError("path is for protocol HTTP", "path")
        return self


class Scaling(BlueprintVars):
    """`AWS::AppRunner::AutoScalingConfiguration`: instances and requests per instance."""

    min_size: int = Field(default=1, ge=1, le=25)
    max_size: int = Field(default=25, ge=1, le=25)
    max_concurrency: int = Field(default=100, ge=1, le=200)

    @model_validator(mode="after")
    def _order(self) -> Scaling:
        if self.min_size > self.max_size:
            raise VarError(
                f"min_size {self.min_size} is above max_size {self.max_size}", "min_size"
            )
        return self


class SourceGroup(BlueprintVars):
    security_group_id: SecurityGroupIdValue
    description: str = Field(min_length=1)


class PrivateIngress(BlueprintVars):
    """Reachable only inside `vpc_id`, through an interface endpoint for `apprunner.requests`.

    Give `vpc_endpoint_id` to use an existing endpoint, or `subnet_ids` to create one here
    with its own security group accepting HTTPS from `allow_from`.
    """

    vpc_id: VpcIdValue
    vpc_endpoint_id: DeployStr | None = None
    subnet_ids: SubnetIdsValue | None = None
    allow_from: list[SourceGroup] = Field(default_factory=list)

    @property
    def creates_endpoint(self) -> bool:
        return self.vpc_endpoint_id is None

    @model_validator(mode="after")
    def _endpoint(self) -> PrivateIngress:
        if (self.vpc_endpoint_id is None) == (self.subnet_ids is None):
            raise VarError(
                "give vpc_endpoint_id (an existing apprunner.requests endpoint) or subnet_ids "
                "(create one here)",
                "vpc_endpoint_id",
            )
        if self.vpc_endpoint_id is not None and self.allow_from:
            raise VarError(
                "allow_from goes to an endpoint created here; an existing endpoint keeps its "
                "own security group",
                "allow_from",
            )
        return self


class VpcEgress(BlueprintVars):
    """Outbound traffic through a VPC connector in `subnet_ids`, with its own security group."""

    vpc_id: VpcIdValue
    subnet_ids: SubnetIdsValue
    egress: list[RuleVars] = Field(min_length=1)
    # Ingress rules this stack adds to other stacks' groups (RDS), from the connector's group.
    grant_ingress: list[IngressGrant] = Field(default_factory=list)


class AppRunnerAlarms(BlueprintVars):
    server_errors: int | None = Field(default=None, ge=0)  # 5xx responses per period
    p99_latency_ms: int | None = Field(default=None, ge=1)
    period_seconds: int = Field(default=300, ge=60)
    evaluation_periods: int = Field(default=1, ge=1)
    actions: list[DeployStr] = Field(default_factory=list)


class AppRunnerServiceVars(BlueprintVars):
    name: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]{0,30}$")
    image: ContainerImage
    # Redeploy when the tag is pushed again (seed 001 §12: services follow their env's tag).
    auto_deploy: bool = False
    cpu: Literal[0.25, 0.5, 1, 2, 4] = 1  # vCPU
    memory_gb: float = 2
    port: int = Field(default=8080, ge=1, le=51200)
    start_command: str | None = None
    environment: dict[str, DeployStr] = Field(default_factory=dict)
    # Secrets Manager ARNs, read by App Runner at start (`RuntimeEnvironmentSecrets`).
    secrets: dict[str, SecretRef] = Field(default_factory=dict)
    secrets_kms_key_arns: list[DeployStr] = Field(default_factory=list)
    policy: list[Permission] = Field(default_factory=list)  # the instance role's
    health_check: HealthCheck = Field(default_factory=HealthCheck)
    scaling: Scaling = Field(default_factory=Scaling)
    # Public: App Runner's HTTPS endpoint (a CloudFront origin). Private: `private` says where.
    private: PrivateIngress | None = None
    vpc_connector: VpcEgress | None = None  # egress into a VPC; default: the internet
    tracing: bool = True  # X-Ray through an ObservabilityConfiguration
    kms_key_arn: DeployStr | None = None  # encrypts the stored image and config
    alarms: AppRunnerAlarms | None = None

    @field_validator("environment", "secrets")
    @classmethod
    def _env_names(cls, env: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        check_environment(
            env,
            plain=info.field_name == "environment",
            platform="App Runner",
            reserved_prefix=RESERVED_ENV_PREFIX,
        )
        return env

    @model_validator(mode="after")
    def _consistent(self) -> AppRunnerServiceVars:
        cpu, memory = _number(self.cpu), _number(self.memory_gb)
        allowed = APP_RUNNER_MEMORY[cpu]
        if memory not in allowed:
            raise VarError(
                f"memory_gb {memory} is not offered with cpu {cpu} vCPU: App Runner takes "
                f"{' or '.join(allowed)} GB",
                "memory_gb",
            )
        shared = set(self.environment) & set(self.secrets)
        if shared:
            raise VarError(
                f"{', '.join(sorted(shared))} is both in environment and secrets", "secrets"
            )
        return self


ALARMS = (
    AlarmSpec(
        "ServerErrorsAlarm",
        metric="5xxStatusResponses",
        statistic="Sum",
        threshold_var="server_errors",
        evaluation_periods_var="evaluation_periods",
        description="{subject}: more than {threshold} 5xx responses in {minutes} minutes",
    ),
    AlarmSpec(
        "LatencyAlarm",
        metric="RequestLatency",
        statistic="p99",
        threshold_var="p99_latency_ms",
        evaluation_periods_var="evaluation_periods",
        description="{subject}: p99 request latency above {threshold} ms for {minutes} minutes",
    ),
)


class AppRunnerService(Blueprint):
    """One App Runner service: image, instance role, scaling, network, tracing, alarms."""

    description = "App Runner service from ECR: public or private ingress, VPC connector, X-Ray"
    Vars = AppRunnerServiceVars
    outputs = {
        "ServiceArn": "ARN of the App Runner service",
        "ServiceId": "Id of the App Runner service (the ServiceID metric dimension)",
        "ServiceName": "Name of the App Runner service",
        "ServiceUrl": "Host name App Runner serves the service on (e.g. a CloudFront origin "
        "domain; private services answer only through the VPC ingress connection)",
        "InstanceRoleArn": "ARN of the instance role (what the application may do)",
        "VpcConnectorSecurityGroupId": OutputSpec(
            "Security group of the VPC connector (the service's traffic into the VPC)",
            when=lambda v: v.vpc_connector is not None,
        ),
        "PrivateDomainName": OutputSpec(
            "Domain name of the VPC ingress connection: how clients in the VPC reach the service",
            when=lambda v: v.private is not None,
        ),
        "PrivateUrl": OutputSpec(
            "https:// URL of the service inside the VPC",
            when=lambda v: v.private is not None,
        ),
        "VpcEndpointId": OutputSpec(
            "The apprunner.requests interface endpoint (created here)",
            when=lambda v: v.private is not None and v.private.creates_endpoint,
        ),
        "VpcEndpointSecurityGroupId": OutputSpec(
            "Security group of that endpoint: grant HTTPS ingress to it from clients",
            when=lambda v: v.private is not None and v.private.creates_endpoint,
        ),
    }
    vars: AppRunnerServiceVars

    @property
    def service_name(self) -> str:
        # App Runner service names have at most 40 characters.
        return short_name(self.context.physical_name(self.vars.name), 40)

    def build(self):
        v = self.vars
        t = self.template
        exposure = "private" if v.private else "public"
        t.set_description(
            f"{self.context.stack_id}: App Runner service {self.service_name} ({exposure}, "
            f"{_number(v.cpu)} vCPU, {_number(v.memory_gb)} GB, port {v.port})"
        )
        access_role = service_role(
            t,
            "AccessRole",
            services=["build.apprunner.amazonaws.com"],
            statements=v.image.pull_statements(),
            description=f"App Runner pulls the image of {self.service_name}",
        )
        instance_role = self._instance_role()
        scaling = self._scaling()
        connector, connector_sg = self._connector() if v.vpc_connector else (None, None)
        observability = self._observability() if v.tracing else None
        service = t.add_resource(
            self._service(access_role, instance_role, scaling, connector, observability)
        )
        endpoint, endpoint_sg, connection = (
            self._private_ingress(v.private, service) if v.private else (None, None, None)
        )
        if v.alarms is not None:
            self.add_alarms(
                ALARMS,
                v.alarms,
                subject=self.service_name,
                namespace="AWS/AppRunner",
                dimensions={
                    "ServiceName": self.service_name,
                    "ServiceID": GetAtt(service, "ServiceId"),
                },
                period=v.alarms.period_seconds,
            )
        self.output("ServiceArn", GetAtt(service, "ServiceArn"))
        self.output("ServiceId", GetAtt(service, "ServiceId"))
        self.output("ServiceName", self.service_name)
        self.output("ServiceUrl", GetAtt(service, "ServiceUrl"))
        self.output("InstanceRoleArn", GetAtt(instance_role, "Arn"))
        if connector_sg is not None:
            self.output("VpcConnectorSecurityGroupId", GetAtt(connector_sg, "GroupId"))
        if connection is not None:
            domain = GetAtt(connection, "DomainName")
            self.output("PrivateDomainName", domain)
            self.output("PrivateUrl", Join("", ["https://", domain]))
        if endpoint is not None:
            self.output("VpcEndpointId", Ref(endpoint))
            self.output("VpcEndpointSecurityGroupId", GetAtt(endpoint_sg, "GroupId"))
        return t

    def _scaling(self) -> apprunner.AutoScalingConfiguration:
        v = self.vars
        return self.template.add_resource(
            apprunner.AutoScalingConfiguration(
                "AutoScaling",
                MinSize=v.scaling.min_size,
                MaxSize=v.scaling.max_size,
                MaxConcurrency=v.scaling.max_concurrency,
            )
        )

    def _observability(self) -> apprunner.ObservabilityConfiguration:
        """X-Ray tracing for the service."""
        return self.template.add_resource(
            apprunner.ObservabilityConfiguration(
                "Observability",
                TraceConfiguration=apprunner.TraceConfiguration(Vendor="AWSXRAY"),
            )
        )

    def _instance_role(self) -> Any:
        """What the application may do, plus reading its secrets and sending traces."""
        v = self.vars
        own = read_statements(list(v.secrets.values()), list(v.secrets_kms_key_arns))
        if v.tracing:
            # X-Ray ingestion and sampling have no resource-level permissions.
            own.append(
                allow(
                    [
                        xray.PutTraceSegments,
                        xray.PutTelemetryRecords,
                        xray.GetSamplingRules,
                        xray.GetSamplingTargets,
                    ],
                    ["*"],
                    sid="XRay",
                )
            )
        return service_role(
            self.template,
            "InstanceRole",
            services=["tasks.apprunner.amazonaws.com"],
            statements=own + statements(v.policy, self.context),
            description=f"Instance role of {self.service_name}",
        )

    def _connector(self) -> tuple[Any, Any]:
        vpc = self.vars.vpc_connector
        assert vpc is not None
        sg = security_group(
            self.template,
            "VpcConnectorSecurityGroup",
            description=f"{self.service_name} VPC connector: egress only as listed",
            vpc_id=vpc.vpc_id,
            egress=[rule.rule() for rule in vpc.egress],
        )
        grant_ingress(self.template, vpc.grant_ingress, source_sg=GetAtt(sg, "GroupId"))
        connector = self.template.add_resource(
            apprunner.VpcConnector(
                "VpcConnector",
                Subnets=vpc.subnet_ids,
                SecurityGroups=[GetAtt(sg, "GroupId")],
            )
        )
        return connector, sg

    def _image_configuration(self) -> apprunner.ImageConfiguration:
        v = self.vars
        config = apprunner.ImageConfiguration(Port=str(v.port))
        if v.start_command:
            config.StartCommand = v.start_command
        if v.environment:
            config.RuntimeEnvironmentVariables = [
                apprunner.KeyValuePair(Name=k, Value=v.environment[k])
                for k in sorted(v.environment)
            ]
        if v.secrets:
            config.RuntimeEnvironmentSecrets = [
                apprunner.KeyValuePair(Name=k, Value=v.secrets[k].value_from())
                for k in sorted(v.secrets)
            ]
        return config

    def _health_check(self) -> apprunner.HealthCheckConfiguration:
        check = self.vars.health_check
        config = apprunner.HealthCheckConfiguration(
            Protocol=check.protocol,
            Interval=check.interval_seconds,
            Timeout=check.timeout_seconds,
            HealthyThreshold=check.healthy_threshold,
            UnhealthyThreshold=check.unhealthy_threshold,
        )
        if check.protocol == "HTTP":
            config.Path = check.path or "/"
        return config

    def _service(
        self, access_role: Any, instance_role: Any, scaling: Any, connector: Any, observability: Any
    ) -> apprunner.Service:
        v = self.vars
        egress = (
            apprunner.EgressConfiguration(
                EgressType="VPC", VpcConnectorArn=GetAtt(connector, "VpcConnectorArn")
            )
            if connector is not None
            else apprunner.EgressConfiguration(EgressType="DEFAULT")
        )
        props: dict[str, Any] = {
            "ServiceName": self.service_name,
            "SourceConfiguration": apprunner.SourceConfiguration(
                AuthenticationConfiguration=apprunner.AuthenticationConfiguration(
                    AccessRoleArn=GetAtt(access_role, "Arn")
                ),
                AutoDeploymentsEnabled=v.auto_deploy,
                ImageRepository=apprunner.ImageRepository(
                    ImageRepositoryType="ECR",
                    ImageIdentifier=v.image.uri(),
                    ImageConfiguration=self._image_configuration(),
                ),
            ),
            "InstanceConfiguration": apprunner.InstanceConfiguration(
                Cpu=f"{_number(v.cpu)} vCPU",
                Memory=f"{_number(v.memory_gb)} GB",
                InstanceRoleArn=GetAtt(instance_role, "Arn"),
            ),
            "HealthCheckConfiguration": self._health_check(),
            "AutoScalingConfigurationArn": GetAtt(scaling, "AutoScalingConfigurationArn"),
            "NetworkConfiguration": apprunner.NetworkConfiguration(
                IngressConfiguration=apprunner.IngressConfiguration(
                    IsPubliclyAccessible=v.private is None
                ),
                EgressConfiguration=egress,
            ),
        }
        if observability is not None:
            props["ObservabilityConfiguration"] = apprunner.ServiceObservabilityConfiguration(
                ObservabilityEnabled=True,
                ObservabilityConfigurationArn=GetAtt(
                    observability, "ObservabilityConfigurationArn"
                ),
            )
        if v.kms_key_arn is not None:
            props["EncryptionConfiguration"] = apprunner.EncryptionConfiguration(
                KmsKey=v.kms_key_arn
            )
        return apprunner.Service("Service", **props)

    def _private_ingress(self, private: PrivateIngress, service: Any) -> tuple[Any, Any, Any]:
        """(endpoint, its security group, ingress connection); no endpoint when one is given."""
        t = self.template
        endpoint_id = private.vpc_endpoint_id
        endpoint = sg = None
        if private.creates_endpoint:
            sg = security_group(
                t,
                "VpcEndpointSecurityGroup",
                description=f"{self.service_name} private endpoint: HTTPS from the listed groups",
                vpc_id=private.vpc_id,
                ingress=[
                    Rule(443, source.description, source_sg=source.security_group_id)
                    for source in private.allow_from
                ],
            )
            endpoint = t.add_resource(
                ec2.VPCEndpoint(
                    "VpcEndpoint",
                    VpcEndpointType="Interface",
                    ServiceName=Sub("com.amazonaws.${AWS::Region}.apprunner.requests"),
                    VpcId=private.vpc_id,
                    SubnetIds=private.subnet_ids,
                    SecurityGroupIds=[GetAtt(sg, "GroupId")],
                )
            )
            endpoint_id = Ref(endpoint)
        connection = t.add_resource(
            apprunner.VpcIngressConnection(
                "VpcIngressConnection",
                ServiceArn=GetAtt(service, "ServiceArn"),
                IngressVpcConfiguration=apprunner.IngressVpcConfiguration(
                    VpcId=private.vpc_id, VpcEndpointId=endpoint_id
                ),
            )
        )
        return endpoint, sg, connection
