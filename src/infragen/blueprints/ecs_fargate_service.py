"""An ECS Fargate service in private subnets behind an ALB: cluster (or an existing one), task
definition, execution and task roles, log group, security group, target group, autoscaling,
Cloud Map registration and alarms."""

from __future__ import annotations

import itertools
from typing import Any, Literal

from awacs import logs as awslogs
from pydantic import Field, ValidationInfo, field_validator, model_validator
from troposphere import GetAtt, Join, Ref, Region, Select, Split, ecs
from troposphere import applicationautoscaling as aas
from troposphere import elasticloadbalancingv2 as elb
from troposphere import servicediscovery as sd

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
from infragen.blueprints.checked import Checked, build_property
from infragen.blueprints.helpers.alarm import AlarmSpec
from infragen.blueprints.helpers.container import (
    ContainerImage,
    SecretRef,
    check_environment,
    read_statements,
)
from infragen.blueprints.helpers.log_group import RetentionDays, log_group
from infragen.blueprints.helpers.policy import Permission, statements
from infragen.blueprints.helpers.role import allow, service_role
from infragen.blueprints.helpers.rule_vars import IngressGrant, RuleVars, grant_ingress
from infragen.blueprints.helpers.security_group import Rule, allow_egress, security_group

# Fargate's task sizes: CPU units -> the memory (MiB) each allows.
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}
FargateCpu = Literal[256, 512, 1024, 2048, 4096, 8192, 16384]
# Seed 004's tiers, as `size:` shorthand for cpu and memory_mb (CPU units, MiB).
TASK_SIZES: dict[str, tuple[int, int]] = {
    "micro": (256, 512),
    "small": (512, 1024),
    "medium": (1024, 2048),
    "large": (2048, 4096),
}
TaskSize = Literal["micro", "small", "medium", "large"]

# Properties of the main container that typed vars own; `container:` may set any other.
OWNED_CONTAINER_KEYS = {
    "Name": "name",
    "Image": "image",
    "Essential": "(the main container is always essential)",
    "PortMappings": "container_port",
    "Environment": "environment",
    "Secrets": "secrets",
    "LogConfiguration": "log_retention_days (awslogs to the service's log group)",
}
ARCHITECTURES = {"x86_64": "X86_64", "arm64": "ARM64"}


def fargate_memory_error(cpu: int, memory_mb: int) -> str | None:
    """Why `memory_mb` is not a Fargate size for `cpu`, or None when it is."""
    allowed = FARGATE_MEMORY[cpu]
    if memory_mb in allowed:
        return None
    step = allowed[1] - allowed[0]
    if any(b - a != step for a, b in itertools.pairwise(allowed)):
        choices = ", ".join(map(str, allowed[:-1])) + f" or {allowed[-1]}"
    else:
        choices = f"{allowed[0]}-{allowed[-1]} in steps of {step}"
    return f"memory_mb {memory_mb} is not a Fargate size for cpu {cpu}: it takes {choices} MiB"


class IngressFrom(BlueprintVars):
    """Tasks accept the container port from this security group (the load balancer's)."""

    security_group_id: SecurityGroupIdValue
    description: str = Field(min_length=1)
    # Also open that group's egress to this service, from this stack: the ALB stack then
    # needs no output of this one (no stack cycle; seed 003 "ALB out: ECS-SG:8080").
    grant_egress: bool = False


class HealthCheck(BlueprintVars):
    """The target group's health check (ALB -> task)."""

    path: str = Field(default="/", pattern=r"^/\S*$")
    interval_seconds: int = Field(default=30, ge=5, le=300)
    timeout_seconds: int = Field(default=5, ge=2, le=120)
    healthy_threshold: int = Field(default=5, ge=2, le=10)
    unhealthy_threshold: int = Field(default=2, ge=2, le=10)
    success_codes: str = Field(default="200", pattern=r"^\d{3}([-,]\d{3})*$")

    @model_validator(mode="after")
    def _timeout(self) -> HealthCheck:
        if self.timeout_seconds >= self.interval_seconds:
            raise VarError(
                f"timeout_seconds {self.timeout_seconds} must be below interval_seconds "
                f"{self.interval_seconds}",
                "timeout_seconds",
            )
        return self


class LoadBalancing(BlueprintVars):
    """Attach to an ALB: a target group of the `alb` stack, or one created here on its listener.

    With `target_group_arn` the `alb` stack owns the group (target type ip, the container
    port). With `listener_arn` this stack creates the group and a listener rule forwarding
    `path_patterns`/`host_headers` to it, so the ALB stack needs nothing from this one.
    """

    target_group_arn: DeployStr | None = None
    # Only for `requests_per_target` scaling with `target_group_arn`: the label needs both.
    load_balancer_arn: DeployStr | None = None
    listener_arn: DeployStr | None = None
    priority: int | None = Field(default=None, ge=1, le=50000)
    path_patterns: list[str] = Field(default_factory=list, max_length=5)
    host_headers: list[str] = Field(default_factory=list, max_length=5)
    health_check: HealthCheck | None = None
    deregistration_delay_seconds: int | None = Field(default=None, ge=0, le=3600)  # 30
    health_check_grace_period_seconds: int = Field(default=60, ge=0, le=2147483647)

    @property
    def creates_target_group(self) -> bool:
        return self.listener_arn is not None

    @model_validator(mode="after")
    def _shape(self) -> LoadBalancing:
        if (self.target_group_arn is None) == (self.listener_arn is None):
            raise VarError(
                "give target_group_arn (a group of the alb stack) or listener_arn (create the "
                "group here)",
                "target_group_arn",
            )
        if self.creates_target_group:
            if self.priority is None:
                raise VarError("a listener rule needs a priority (1-50000)", "priority")
            if not (self.path_patterns or self.host_headers):
                raise VarError(
                    "a listener rule needs path_patterns or host_headers (e.g. ['/*'])",
                    "path_patterns",
                )
            if self.load_balancer_arn is not None:
                raise VarError(
                    "load_balancer_arn is read from listener_arn here", "load_balancer_arn"
                )
            return self
        for key in ("priority", "health_check", "deregistration_delay_seconds"):
            if getattr(self, key) is not None:
                raise VarError(f"{key} belongs to a target group created here (listener_arn)", key)
        for key in ("path_patterns", "host_headers"):
            if getattr(self, key):
                raise VarError(f"{key} belongs to a listener rule created here (listener_arn)", key)
        return self


class Autoscaling(BlueprintVars):
    """Target tracking on the service's desired count: CPU, memory and/or ALB requests.

    `min_tasks: 0` lets an idle service scale in to no tasks (seed 004's non-prod services).
    Target tracking never starts the first task again: with no task there is no CPU or request
    metric. Something outside must set the desired count (seed 004's wake-up Lambda, with
    `ecs:UpdateService` on this app's services), after which tracking takes over.
    """

    min_tasks: int = Field(ge=0)
    max_tasks: int = Field(ge=1)
    cpu_percent: int | None = Field(default=None, ge=1, le=100)
    memory_percent: int | None = Field(default=None, ge=1, le=100)
    requests_per_target: int | None = Field(default=None, ge=1)
    scale_in_cooldown_seconds: int = Field(default=300, ge=0)
    scale_out_cooldown_seconds: int = Field(default=60, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> Autoscaling:
        if self.min_tasks > self.max_tasks:
            raise VarError(
                f"min_tasks {self.min_tasks} is above max_tasks {self.max_tasks}", "min_tasks"
            )
        targets = (self.cpu_percent, self.memory_percent, self.requests_per_target)
        if all(target is None for target in targets):
            raise VarError(
                "give at least one target: cpu_percent, memory_percent or requests_per_target",
                "cpu_percent",
            )
        return self


class ServiceDiscovery(BlueprintVars):
    """Register each task's IP as an A record in a Cloud Map private DNS namespace."""

    namespace_id: DeployStr
    name: str | None = Field(default=None, pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
    dns_ttl_seconds: int = Field(default=10, ge=0, le=86400)


class ServiceAlarms(BlueprintVars):
    cpu_percent: int | None = Field(default=None, ge=1, le=100)
    memory_percent: int | None = Field(default=None, ge=1, le=100)
    # Needs Container Insights (on for clusters created here).
    running_tasks_below: int | None = Field(default=None, ge=1)
    period_seconds: int = Field(default=300, ge=60)
    evaluation_periods: int = Field(default=1, ge=1)
    actions: list[DeployStr] = Field(default_factory=list)


class EcsFargateServiceVars(BlueprintVars):
    name: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]{0,62}$")
    # An existing cluster; without it this stack creates one with Container Insights on.
    cluster_arn: DeployStr | None = None
    # micro (0.25 vCPU, 512 MiB), small (0.5, 1024), medium (1, 2048), large (2, 4096):
    # instead of cpu and memory_mb.
    size: TaskSize | None = None
    cpu: FargateCpu
    memory_mb: int
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    image: ContainerImage
    container_port: int = Field(ge=1, le=65535)
    environment: dict[str, DeployStr] = Field(default_factory=dict)
    # Secrets Manager ARNs, injected by ECS at start (`Secrets[].ValueFrom`), never values.
    secrets: dict[str, SecretRef] = Field(default_factory=dict)
    # Customer-managed keys of those secrets (none for the default aws/secretsmanager key).
    secrets_kms_key_arns: list[DeployStr] = Field(default_factory=list)
    # Any other ContainerDefinition property of the main container, CloudFormation's keys.
    container: Checked(ecs.ContainerDefinition, partial=True) = Field(default_factory=dict)
    # Further containers (log router, OTel collector), whole ContainerDefinitions.
    sidecars: list[Checked(ecs.ContainerDefinition)] = Field(default_factory=list)
    log_retention_days: RetentionDays = 30
    policy: list[Permission] = Field(default_factory=list)  # the task role's
    vpc_id: VpcIdValue
    subnet_ids: SubnetIdsValue  # private subnets: tasks never get a public IP
    ingress_from: list[IngressFrom] = Field(default_factory=list)
    # A task with no egress cannot pull its image or write logs: list at least that.
    egress: list[RuleVars] = Field(min_length=1)
    # Ingress rules this stack adds to other stacks' groups (a database's), from the tasks.
    grant_ingress: list[IngressGrant] = Field(default_factory=list)
    desired_count: int | None = Field(default=None, ge=0)  # default 1; autoscaling owns it
    minimum_healthy_percent: int = Field(default=100, ge=0, le=100)
    maximum_percent: int = Field(default=200, ge=100, le=400)
    load_balancer: LoadBalancing | None = None
    autoscaling: Autoscaling | None = None
    service_discovery: ServiceDiscovery | None = None
    alarms: ServiceAlarms | None = None

    @model_validator(mode="before")
    @classmethod
    def _size(cls, data: Any) -> Any:
        """`size` fills cpu and memory_mb; giving either as well would be two answers."""
        if not isinstance(data, dict) or data.get("size") not in TASK_SIZES:
            return data  # no size, or one the Literal reports
        for key in ("cpu", "memory_mb"):
            if key in data:
                raise VarError(f"size {data['size']} sets cpu and memory_mb: drop {key}", key)
        cpu, memory_mb = TASK_SIZES[data["size"]]
        return {**data, "cpu": cpu, "memory_mb": memory_mb}

    @field_validator("environment", "secrets")
    @classmethod
    def _env_names(cls, env: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        check_environment(env, plain=info.field_name == "environment", platform="ECS")
        return env

    @field_validator("container")
    @classmethod
    def _not_owned(cls, container: dict[str, Any]) -> dict[str, Any]:
        for key in container:
            if key in OWNED_CONTAINER_KEYS:
                raise VarError(f"{key} is set by the var {OWNED_CONTAINER_KEYS[key]}", key)
        return container

    @field_validator("sidecars")
    @classmethod
    def _sidecars(cls, sidecars: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for index, sidecar in enumerate(sidecars):
            if "Secrets" in sidecar:
                raise VarError(
                    "sidecar Secrets are not read by the execution role; give the main "
                    "container's secrets in `secrets`",
                    index,
                    "Secrets",
                )
        return sidecars

    @model_validator(mode="after")
    def _consistent(self) -> EcsFargateServiceVars:
        problem = fargate_memory_error(self.cpu, self.memory_mb)
        if problem:
            raise VarError(problem, "memory_mb")
        shared = set(self.environment) & set(self.secrets)
        if shared:
            raise VarError(
                f"{', '.join(sorted(shared))} is both in environment and secrets", "secrets"
            )
        names = [self.container_name, *(s["Name"] for s in self.sidecars)]
        if len(set(names)) != len(names):
            raise VarError(f"container names must be unique: {names}", "sidecars")
        if self.autoscaling is not None:
            self._check_scaling(self.autoscaling)
        return self

    def _check_sleeping(self, scaling: Autoscaling) -> None:
        """A service that may scale to zero must not alarm whenever it does."""
        if scaling.min_tasks == 0 and self.alarms and self.alarms.running_tasks_below:
            raise VarError(
                "alarms.running_tasks_below would fire whenever the service sleeps "
                "(autoscaling.min_tasks: 0); drop it or keep a task",
                "alarms",
                "running_tasks_below",
            )

    def _check_scaling(self, scaling: Autoscaling) -> None:
        if self.desired_count is not None:
            raise VarError(
                "desired_count is left to autoscaling (min_tasks starts it)", "desired_count"
            )
        self._check_sleeping(scaling)
        if scaling.requests_per_target is None:
            return
        lb = self.load_balancer
        if lb is None:
            raise VarError(
                "requests_per_target needs load_balancer", "autoscaling", "requests_per_target"
            )
        if not lb.creates_target_group and lb.load_balancer_arn is None:
            raise VarError(
                "requests_per_target with target_group_arn also needs load_balancer_arn",
                "load_balancer",
                "load_balancer_arn",
            )

    @property
    def container_name(self) -> str:
        return self.name or "app"


ALARMS = (
    AlarmSpec(
        "CpuAlarm",
        metric="CPUUtilization",
        statistic="Average",
        threshold_var="cpu_percent",
        evaluation_periods_var="evaluation_periods",
        description="{subject}: CPU above {threshold} % for {minutes} minutes",
    ),
    AlarmSpec(
        "MemoryAlarm",
        metric="MemoryUtilization",
        statistic="Average",
        threshold_var="memory_percent",
        evaluation_periods_var="evaluation_periods",
        description="{subject}: memory above {threshold} % for {minutes} minutes",
    ),
)
# Container Insights publishes the task count (namespace ECS/ContainerInsights).
TASK_ALARMS = (
    AlarmSpec(
        "RunningTasksAlarm",
        metric="RunningTaskCount",
        statistic="Minimum",
        threshold_var="running_tasks_below",
        comparison="<",
        evaluation_periods_var="evaluation_periods",
        description="{subject}: fewer than {threshold} tasks running for {minutes} minutes",
    ),
)


class EcsFargateService(Blueprint):
    """One Fargate service: task definition, roles, logs, network, load balancing, scaling."""

    description = "ECS Fargate service in private subnets: ALB target, autoscaling, Cloud Map"
    Vars = EcsFargateServiceVars
    outputs = {
        "ClusterName": OutputSpec(
            "Name of the cluster (created here)", when=lambda v: v.cluster_arn is None
        ),
        "ClusterArn": OutputSpec(
            "ARN of the cluster (created here)", when=lambda v: v.cluster_arn is None
        ),
        "ServiceName": "Name of the ECS service",
        "ServiceArn": "ARN of the ECS service",
        "TaskRoleArn": "ARN of the task role (what the application may do)",
        "SecurityGroupId": "The tasks' security group",
        "LogGroupName": "The service's log group",
        "TargetGroupArn": OutputSpec(
            "ALB target group of the service (created here)",
            when=lambda v: v.load_balancer is not None and v.load_balancer.creates_target_group,
        ),
        "DiscoveryServiceArn": OutputSpec(
            "Cloud Map service the tasks register in",
            when=lambda v: v.service_discovery is not None,
        ),
    }
    vars: EcsFargateServiceVars

    @property
    def service_name(self) -> str:
        return self.context.physical_name(self.vars.name)

    def build(self):
        v = self.vars
        t = self.template
        t.set_description(
            f"{self.context.stack_id}: ECS Fargate service {self.service_name} "
            f"({v.cpu} CPU units, {v.memory_mb} MiB, port {v.container_port})"
        )
        cluster = self._cluster() if v.cluster_arn is None else None
        group = log_group(
            t,
            "LogGroup",
            name=f"/ecs/{self.service_name}",
            retention_days=v.log_retention_days,
            production=self.context.production,
        )
        execution_role = self._execution_role(group)
        task_role = service_role(
            t,
            "TaskRole",
            services=["ecs-tasks.amazonaws.com"],
            statements=statements(v.policy, self.context),
            description=f"Task role of {self.service_name}",
        )
        task = self._task_definition(group, execution_role, task_role)
        sg = self._security_group()
        target_group, rule = self._target_group()
        registry = self._discovery()
        cluster_ref = Ref(cluster) if cluster is not None else v.cluster_arn
        service = self._service(cluster_ref, task, sg, target_group, rule, registry)
        cluster_name = Ref(cluster) if cluster is not None else Select(1, Split("/", v.cluster_arn))
        if v.autoscaling is not None:
            self._autoscaling(v.autoscaling, cluster_name, service, target_group)
        if v.alarms is not None:
            self._alarms(v.alarms, cluster_name, service)

        if cluster is not None:
            self.output("ClusterName", Ref(cluster))
            self.output("ClusterArn", GetAtt(cluster, "Arn"))
        self.output("ServiceName", GetAtt(service, "Name"))
        self.output("ServiceArn", Ref(service))
        self.output("TaskRoleArn", GetAtt(task_role, "Arn"))
        self.output("SecurityGroupId", GetAtt(sg, "GroupId"))
        self.output("LogGroupName", Ref(group))
        if target_group is not None:
            self.output("TargetGroupArn", Ref(target_group))
        if registry is not None:
            self.output("DiscoveryServiceArn", GetAtt(registry, "Arn"))
        return t

    def _cluster(self) -> ecs.Cluster:
        return self.template.add_resource(
            ecs.Cluster(
                "Cluster",
                ClusterName=self.service_name,
                ClusterSettings=[ecs.ClusterSetting(Name="containerInsights", Value="enabled")],
            )
        )

    def _execution_role(self, group: Any) -> Any:
        """What ECS itself needs to start a task: pull the image, write logs, read secrets."""
        v = self.vars
        own = [
            *v.image.pull_statements(),
            allow(
                [awslogs.CreateLogStream, awslogs.PutLogEvents],
                [GetAtt(group, "Arn")],
                sid="Logs",
            ),
            *read_statements(list(v.secrets.values()), list(v.secrets_kms_key_arns)),
        ]
        return service_role(
            self.template,
            "ExecutionRole",
            services=["ecs-tasks.amazonaws.com"],
            statements=own,
            description=f"ECS execution role of {self.service_name} (image, logs, secrets)",
        )

    def _log_configuration(self, group: Any, prefix: str) -> ecs.LogConfiguration:
        return ecs.LogConfiguration(
            LogDriver="awslogs",
            Options={
                "awslogs-group": Ref(group),
                "awslogs-region": Region,
                "awslogs-stream-prefix": prefix,
            },
        )

    def _main_container(self, group: Any) -> ecs.ContainerDefinition:
        v = self.vars
        container = build_property(
            ecs.ContainerDefinition,
            {
                **v.container,
                "Name": v.container_name,
                "Image": v.image.uri(),
                "Essential": True,
            },
        )
        container.PortMappings = [
            ecs.PortMapping(ContainerPort=v.container_port, Protocol="tcp", Name="http")
        ]
        container.LogConfiguration = self._log_configuration(group, v.container_name)
        if v.environment:
            container.Environment = [
                ecs.Environment(Name=k, Value=v.environment[k]) for k in sorted(v.environment)
            ]
        if v.secrets:
            container.Secrets = [
                ecs.Secret(Name=k, ValueFrom=v.secrets[k].value_from()) for k in sorted(v.secrets)
            ]
        return container

    def _sidecar(self, spec: dict[str, Any], group: Any) -> ecs.ContainerDefinition:
        container = build_property(ecs.ContainerDefinition, spec)
        if "LogConfiguration" not in spec:
            container.LogConfiguration = self._log_configuration(group, spec["Name"])
        return container

    def _task_definition(self, group: Any, execution_role: Any, task_role: Any) -> Any:
        v = self.vars
        return self.template.add_resource(
            ecs.TaskDefinition(
                "TaskDefinition",
                Family=self.service_name,
                Cpu=str(v.cpu),
                Memory=str(v.memory_mb),
                NetworkMode="awsvpc",
                RequiresCompatibilities=["FARGATE"],
                RuntimePlatform=ecs.RuntimePlatform(
                    CpuArchitecture=ARCHITECTURES[v.architecture],
                    OperatingSystemFamily="LINUX",
                ),
                ExecutionRoleArn=GetAtt(execution_role, "Arn"),
                TaskRoleArn=GetAtt(task_role, "Arn"),
                ContainerDefinitions=[
                    self._main_container(group),
                    *(self._sidecar(s, group) for s in v.sidecars),
                ],
            )
        )

    def _security_group(self) -> Any:
        v = self.vars
        t = self.template
        sg = security_group(
            t,
            "SecurityGroup",
            description=f"{self.service_name} tasks: port {v.container_port} from the listed "
            "groups only",
            vpc_id=v.vpc_id,
            ingress=[
                Rule(v.container_port, source.description, source_sg=source.security_group_id)
                for source in v.ingress_from
            ],
            egress=[rule.rule() for rule in v.egress],
        )
        grant_ingress(t, v.grant_ingress, source_sg=GetAtt(sg, "GroupId"))
        for index, source in enumerate(v.ingress_from):
            if source.grant_egress:
                allow_egress(
                    t,
                    f"GrantEgress{index + 1}",
                    group=source.security_group_id,
                    rule=Rule(
                        v.container_port,
                        f"to {self.service_name} tasks",
                        source_sg=GetAtt(sg, "GroupId"),
                    ),
                )
        return sg

    def _target_group(self) -> tuple[Any, Any]:
        """(target group, listener rule) created here; (None, None) otherwise."""
        v = self.vars
        lb = v.load_balancer
        if lb is None or not lb.creates_target_group:
            return None, None
        check = lb.health_check or HealthCheck()
        group = self.template.add_resource(
            elb.TargetGroup(
                "TargetGroup",
                TargetType="ip",
                Protocol="HTTP",
                Port=v.container_port,
                VpcId=v.vpc_id,
                HealthCheckEnabled=True,
                HealthCheckPath=check.path,
                HealthCheckIntervalSeconds=check.interval_seconds,
                HealthCheckTimeoutSeconds=check.timeout_seconds,
                HealthyThresholdCount=check.healthy_threshold,
                UnhealthyThresholdCount=check.unhealthy_threshold,
                Matcher=elb.Matcher(HttpCode=check.success_codes),
                TargetGroupAttributes=[
                    elb.TargetGroupAttribute(
                        Key="deregistration_delay.timeout_seconds",
                        Value=str(
                            30
                            if lb.deregistration_delay_seconds is None
                            else lb.deregistration_delay_seconds
                        ),
                    )
                ],
            )
        )
        conditions = []
        if lb.path_patterns:
            conditions.append(
                elb.Condition(
                    Field="path-pattern",
                    PathPatternConfig=elb.PathPatternConfig(Values=list(lb.path_patterns)),
                )
            )
        if lb.host_headers:
            conditions.append(
                elb.Condition(
                    Field="host-header",
                    HostHeaderConfig=elb.HostHeaderConfig(Values=list(lb.host_headers)),
                )
            )
        rule = self.template.add_resource(
            elb.ListenerRule(
                "ListenerRule",
                ListenerArn=lb.listener_arn,
                Priority=lb.priority,
                Conditions=conditions,
                Actions=[elb.ListenerRuleAction(Type="forward", TargetGroupArn=Ref(group))],
            )
        )
        return group, rule

    def _discovery(self) -> Any:
        found = self.vars.service_discovery
        if found is None:
            return None
        return self.template.add_resource(
            sd.Service(
                "DiscoveryService",
                Name=found.name or self.vars.name or self.context.stack,
                NamespaceId=found.namespace_id,
                DnsConfig=sd.DnsConfig(
                    RoutingPolicy="MULTIVALUE",
                    DnsRecords=[sd.DnsRecord(Type="A", TTL=found.dns_ttl_seconds)],
                ),
                # ECS reports task health to Cloud Map itself.
                HealthCheckCustomConfig=sd.HealthCheckCustomConfig(FailureThreshold=1),
            )
        )

    def _service(
        self, cluster: Any, task: Any, sg: Any, target_group: Any, rule: Any, registry: Any
    ) -> ecs.Service:
        v = self.vars
        props: dict[str, Any] = {
            "ServiceName": self.service_name,
            "Cluster": cluster,
            "LaunchType": "FARGATE",
            "TaskDefinition": Ref(task),
            "NetworkConfiguration": ecs.NetworkConfiguration(
                AwsvpcConfiguration=ecs.AwsvpcConfiguration(
                    AssignPublicIp="DISABLED",
                    Subnets=v.subnet_ids,
                    SecurityGroups=[GetAtt(sg, "GroupId")],
                )
            ),
            "DeploymentConfiguration": ecs.DeploymentConfiguration(
                DeploymentCircuitBreaker=ecs.DeploymentCircuitBreaker(Enable=True, Rollback=True),
                MinimumHealthyPercent=v.minimum_healthy_percent,
                MaximumPercent=v.maximum_percent,
            ),
            "EnableECSManagedTags": True,
            "PropagateTags": "SERVICE",
        }
        if v.autoscaling is None:
            # With autoscaling the count is left out, so a deploy never resets a scaled service.
            props["DesiredCount"] = 1 if v.desired_count is None else v.desired_count
        lb = v.load_balancer
        if lb is not None:
            props["LoadBalancers"] = [
                ecs.LoadBalancer(
                    ContainerName=v.container_name,
                    ContainerPort=v.container_port,
                    TargetGroupArn=Ref(target_group) if target_group else lb.target_group_arn,
                )
            ]
            props["HealthCheckGracePeriodSeconds"] = lb.health_check_grace_period_seconds
        if registry is not None:
            props["ServiceRegistries"] = [ecs.ServiceRegistry(RegistryArn=GetAtt(registry, "Arn"))]
        if rule is not None:
            # ECS refuses a target group that no listener uses yet.
            props["DependsOn"] = [rule.title]
        return self.template.add_resource(ecs.Service("Service", **props))

    def _autoscaling(
        self, scaling: Autoscaling, cluster_name: Any, service: Any, target_group: Any
    ) -> None:
        t = self.template
        target = t.add_resource(
            aas.ScalableTarget(
                "ScalableTarget",
                ServiceNamespace="ecs",
                ScalableDimension="ecs:service:DesiredCount",
                ResourceId=Join("/", ["service", cluster_name, GetAtt(service, "Name")]),
                MinCapacity=scaling.min_tasks,
                MaxCapacity=scaling.max_tasks,
            )
        )
        metrics: list[tuple[str, str, float, Any]] = []
        if scaling.cpu_percent is not None:
            metrics.append(("Cpu", "ECSServiceAverageCPUUtilization", scaling.cpu_percent, None))
        if scaling.memory_percent is not None:
            metrics.append(
                ("Memory", "ECSServiceAverageMemoryUtilization", scaling.memory_percent, None)
            )
        if scaling.requests_per_target is not None:
            metrics.append(
                (
                    "Requests",
                    "ALBRequestCountPerTarget",
                    scaling.requests_per_target,
                    self._request_label(target_group),
                )
            )
        for prefix, metric, value, label in metrics:
            spec = aas.PredefinedMetricSpecification(PredefinedMetricType=metric)
            if label is not None:
                spec.ResourceLabel = label
            t.add_resource(
                aas.ScalingPolicy(
                    f"{prefix}ScalingPolicy",
                    PolicyName=f"{self.service_name}-{prefix.lower()}",
                    PolicyType="TargetTrackingScaling",
                    ScalingTargetId=Ref(target),
                    TargetTrackingScalingPolicyConfiguration=(
                        aas.TargetTrackingScalingPolicyConfiguration(
                            PredefinedMetricSpecification=spec,
                            TargetValue=value,
                            ScaleInCooldown=scaling.scale_in_cooldown_seconds,
                            ScaleOutCooldown=scaling.scale_out_cooldown_seconds,
                        )
                    ),
                )
            )

    def _request_label(self, target_group: Any) -> Any:
        """`app/<lb>/<id>/targetgroup/<tg>/<id>`, cut from the ARNs (ALBRequestCountPerTarget)."""
        lb = self.vars.load_balancer
        assert lb is not None
        if target_group is not None:
            parts = Split("/", lb.listener_arn)  # …:listener/app/<lb>/<id>/<listener id>
            group_name: Any = GetAtt(target_group, "TargetGroupFullName")
        else:
            parts = Split("/", lb.load_balancer_arn)  # …:loadbalancer/app/<lb>/<id>
            tg = Split("/", lb.target_group_arn)  # …:targetgroup/<tg>/<id>
            group_name = Join("/", ["targetgroup", Select(1, tg), Select(2, tg)])
        return Join("/", [Select(1, parts), Select(2, parts), Select(3, parts), group_name])

    def _alarms(self, settings: ServiceAlarms, cluster_name: Any, service: Any) -> None:
        dimensions = {"ClusterName": cluster_name, "ServiceName": GetAtt(service, "Name")}
        for specs, namespace in ((ALARMS, "AWS/ECS"), (TASK_ALARMS, "ECS/ContainerInsights")):
            self.add_alarms(
                specs,
                settings,
                subject=self.service_name,
                namespace=namespace,
                dimensions=dimensions,
                period=settings.period_seconds,
            )
