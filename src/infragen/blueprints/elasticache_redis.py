"""Redis on ElastiCache in private subnets: TLS and a password always, encrypted at rest, one
primary plus read replicas with Multi-AZ failover where there is a replica to fail over to.

The password (Redis AUTH token) lives in a Secrets Manager secret, typically a `secret` stack
with a generated value; this template holds only a dynamic reference built from the secret's
ARN, so CloudFormation reads the value at deploy time and it never appears in config, template
or parameters. Clients reach port 6379 from the listed security groups, or add themselves with
their own `grant_ingress` (no dependency from this stack on its clients). The group has no
egress: Redis only answers.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator
from troposphere import GetAtt, Ref, elasticache

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    SubnetIdsValue,
    VarError,
    VpcIdValue,
    build_context,
)
from infragen.blueprints.helpers.alarm import AlarmSpec
from infragen.blueprints.helpers.container import SecretRef
from infragen.blueprints.helpers.security_group import server_group
from infragen.blueprints.helpers.stateful import protect
from infragen.blueprints.helpers.windows import check_windows
from infragen.blueprints.rds_postgres import Ingress

PORT = 6379
# ElastiCache's Redis OSS versions this blueprint builds, and the parameter group family of each.
# https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/supported-engine-versions.html
FAMILIES = {"6.2": "redis6.x", "7.0": "redis7", "7.1": "redis7"}
# A replication group id: letters, digits and single hyphens, starting with a letter.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticache-replicationgroup.html#cfn-elasticache-replicationgroup-replicationgroupid
GROUP_ID_RE = re.compile(r"^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$")
MAX_GROUP_ID = 40
# One primary and up to five replicas (cluster mode disabled).
MAX_NODES = 6
MIN_WINDOW_MINUTES = 60


class RedisAlarms(BlueprintVars):
    """Thresholds per node; one alarm per node and metric (ElastiCache publishes per node)."""

    # Host CPU; on nodes with 2 vCPUs or fewer, Redis's own thread is most of it.
    cpu_percent: int | float | None = Field(default=None, gt=0, le=100)
    # The Redis thread's CPU: what saturates first on larger nodes.
    engine_cpu_percent: int | float | None = Field(default=None, gt=0, le=100)
    memory_percent: int | float | None = Field(default=None, gt=0, le=100)
    # Keys evicted for memory: for queues (BullMQ) any eviction loses jobs.
    evictions: int | None = Field(default=None, ge=0)
    period_seconds: int = Field(default=300, ge=60)
    evaluation_periods: int = Field(default=1, ge=1)
    actions: list[DeployStr] = Field(default_factory=list)


class ElastiCacheRedisVars(BlueprintVars):
    # The replication group id; default: the stack's name, prefixed like every physical name.
    name: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]*$")
    vpc_id: VpcIdValue
    subnet_ids: SubnetIdsValue  # private (database) subnets, one per AZ the nodes may use
    # Clients allowed on 6379; clients that deploy later add themselves instead
    # (ecs-fargate-service / lambda-function `grant_ingress`) with the SecurityGroupId output.
    ingress_from: list[Ingress] = Field(default_factory=list)
    engine_version: str = "7.1"
    node_type: str = Field(default="cache.t3.micro", pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
    # The primary plus its read replicas.
    nodes: int = Field(default=1, ge=1, le=MAX_NODES)
    # Default: on when there is a replica to promote (nodes >= 2).
    automatic_failover: bool | None = None
    multi_az: bool | None = None
    # Customer-managed key (kms-key's KeyArn) for data at rest; None: ElastiCache's own key.
    kms_key_arn: DeployStr | None = None
    # The AUTH token's secret by ARN (`!stack_output app/secret::SecretArn`), `json_key` for a
    # JSON secret. ElastiCache takes 16-128 printable characters without / " @.
    auth_token_secret: SecretRef
    snapshot_retention_days: int = Field(default=7, ge=0, le=35)
    snapshot_window: str | None = None  # UTC "hh24:mi-hh24:mi", >= 60 minutes
    maintenance_window: str | None = None  # UTC "ddd:hh24:mi-ddd:hh24:mi", >= 60 minutes
    # Redis parameters over the family's defaults, e.g. maxmemory-policy: noeviction (BullMQ).
    parameters: dict[str, str] = Field(default_factory=dict)
    alarms: RedisAlarms | None = None

    @field_validator("engine_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value not in FAMILIES:
            raise ValueError(
                f"engine_version {value!r} is not one of {', '.join(FAMILIES)} (Redis OSS)"
            )
        return value

    @field_validator("auth_token_secret", mode="before")
    @classmethod
    def _by_arn(cls, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("{{resolve:"):
            raise ValueError(
                "give the secret's ARN (e.g. `!stack_output app/secret::SecretArn`, plus "
                "json_key for a JSON secret); the template builds the dynamic reference"
            )
        return value

    @model_validator(mode="after")
    def _checks(self, info: ValidationInfo) -> ElastiCacheRedisVars:
        self._check_failover()
        self._check_windows()
        context = build_context(info)
        if context is not None:
            group_id = context.physical_name(self.name)
            if len(group_id) > MAX_GROUP_ID or not GROUP_ID_RE.match(group_id):
                raise VarError(
                    f"replication group id {group_id!r} must be at most {MAX_GROUP_ID} "
                    "characters of letters, digits and single hyphens; give a shorter name",
                    "name",
                )
        return self

    def _check_failover(self) -> None:
        """Failover promotes a replica: with one node there is none (ElastiCache refuses)."""
        if self.nodes == 1:
            for key in ("automatic_failover", "multi_az"):
                if getattr(self, key):
                    raise VarError(f"{key} needs a replica to promote: set nodes to 2 or more", key)
        elif self.multi_az and self.automatic_failover is False:
            raise VarError("multi_az needs automatic_failover", "automatic_failover")

    def _check_windows(self) -> None:
        """Formats, ElastiCache's 60-minute minimum, and no overlap."""
        check_windows(
            ("snapshot_window", self.snapshot_window),
            ("maintenance_window", self.maintenance_window),
            minimum_minutes=MIN_WINDOW_MINUTES,
            examples=("03:00-04:00", "sun:05:00-sun:06:00"),
            daily_label="snapshot",
        )
        if self.snapshot_window is not None and self.snapshot_retention_days == 0:
            raise VarError(
                "snapshot_window without snapshots: set snapshot_retention_days", "snapshot_window"
            )

    @property
    def failover(self) -> bool:
        if self.automatic_failover is not None:
            return self.automatic_failover
        return self.nodes > 1

    @property
    def spread(self) -> bool:
        """Multi-AZ: replicas in other AZs than the primary's, promoted automatically."""
        return self.multi_az if self.multi_az is not None else self.failover

    @property
    def family(self) -> str:
        return FAMILIES[self.engine_version]


class ElastiCacheRedis(Blueprint):
    description = (
        "ElastiCache Redis replication group: TLS + AUTH token from Secrets Manager, encrypted "
        "at rest, private subnets, Multi-AZ failover, snapshots, parameter group, alarms"
    )
    Vars = ElastiCacheRedisVars
    outputs = {
        "PrimaryEndpoint": "Host name of the primary (reads and writes; TLS on Port)",
        "Port": "Port of the endpoints",
        "ReaderEndpoint": "Host name spreading reads over the replicas",
        "SecurityGroupId": "Security group guarding the cache (clients' grant_ingress target)",
        "ReplicationGroupId": "Id of the replication group",
    }
    vars: ElastiCacheRedisVars

    @property
    def group_id(self) -> str:
        return self.context.physical_name(self.vars.name)

    def build(self):
        v = self.vars
        t = self.template
        t.set_description(
            f"{self.context.stack_id}: Redis {v.engine_version} on {v.nodes} x {v.node_type}"
            + (" Multi-AZ" if v.spread else "")
        )
        sg = server_group(
            t,
            description=f"{self.context.stack_id}: Redis {PORT} from listed clients only",
            vpc_id=v.vpc_id,
            port=PORT,
            clients=v.ingress_from,
        )
        group = t.add_resource(protect(self._replication_group(sg), self.context.production))
        if v.alarms is not None:
            self._alarms(v.alarms)
        self.output("PrimaryEndpoint", GetAtt(group, "PrimaryEndPoint.Address"))
        self.output("Port", GetAtt(group, "PrimaryEndPoint.Port"))
        self.output("ReaderEndpoint", GetAtt(group, "ReaderEndPoint.Address"))
        self.output("SecurityGroupId", GetAtt(sg, "GroupId"))
        self.output("ReplicationGroupId", Ref(group))
        return t

    def _groups(self) -> tuple[elasticache.SubnetGroup, elasticache.ParameterGroup]:
        v = self.vars
        subnets = self.template.add_resource(
            elasticache.SubnetGroup(
                "SubnetGroup",
                Description=f"{self.context.stack_id} private subnets",
                SubnetIds=v.subnet_ids,
            )
        )
        params = self.template.add_resource(
            elasticache.ParameterGroup(
                "ParameterGroup",
                Description=f"{self.context.stack_id} {v.family}",
                CacheParameterGroupFamily=v.family,
                Properties=dict(sorted(v.parameters.items())),
            )
        )
        return subnets, params

    def _replication_group(self, sg: Any) -> elasticache.ReplicationGroup:
        """TLS required and AUTH on, encrypted at rest; failover only with a replica."""
        v = self.vars
        subnets, params = self._groups()
        props: dict[str, Any] = {
            "ReplicationGroupId": self.group_id,
            "ReplicationGroupDescription": f"{self.context.stack_id}: Redis {v.engine_version}",
            "Engine": "redis",
            "EngineVersion": v.engine_version,
            "CacheNodeType": v.node_type,
            "NumCacheClusters": v.nodes,
            "AutomaticFailoverEnabled": v.failover,
            "MultiAZEnabled": v.spread,
            "Port": PORT,
            "CacheSubnetGroupName": Ref(subnets),
            "CacheParameterGroupName": Ref(params),
            "SecurityGroupIds": [GetAtt(sg, "GroupId")],
            "AtRestEncryptionEnabled": True,
            # An AUTH token requires TLS; ElastiCache then refuses plain-text connections.
            # https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html
            "TransitEncryptionEnabled": True,
            "AuthToken": v.auth_token_secret.dynamic_reference(),
            "AutoMinorVersionUpgrade": True,
            "SnapshotRetentionLimit": v.snapshot_retention_days,
        }
        if v.kms_key_arn is not None:
            props["KmsKeyId"] = v.kms_key_arn
        if v.snapshot_window is not None:
            props["SnapshotWindow"] = v.snapshot_window
        if v.maintenance_window is not None:
            props["PreferredMaintenanceWindow"] = v.maintenance_window
        return elasticache.ReplicationGroup("ReplicationGroup", **props)

    def _alarms(self, settings: RedisAlarms) -> None:
        """CloudWatch has no replication-group dimension for these metrics: each node is the
        cluster `<group id>-00<n>`, named by ElastiCache in order.
        https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.html
        """
        for number in range(1, self.vars.nodes + 1):
            node = f"{self.group_id}-{number:03d}"
            specs = [
                dataclasses.replace(s, logical_id=f"Node{number}{s.logical_id}") for s in ALARMS
            ]
            self.add_alarms(
                specs,
                settings,
                subject=node,
                namespace="AWS/ElastiCache",
                dimensions={"CacheClusterId": node},
                period=settings.period_seconds,
            )


ALARMS = (
    AlarmSpec(
        "CpuAlarm",
        metric="CPUUtilization",
        statistic="Average",
        threshold_var="cpu_percent",
        evaluation_periods_var="evaluation_periods",
        description="{subject}: host CPU above {threshold:g}% for {minutes} minutes",
    ),
    AlarmSpec(
        "EngineCpuAlarm",
        metric="EngineCPUUtilization",
        statistic="Average",
        threshold_var="engine_cpu_percent",
        evaluation_periods_var="evaluation_periods",
        description="{subject}: Redis engine CPU above {threshold:g}% for {minutes} minutes",
    ),
    AlarmSpec(
        "MemoryAlarm",
        metric="DatabaseMemoryUsagePercentage",
        statistic="Maximum",
        threshold_var="memory_percent",
        evaluation_periods_var="evaluation_periods",
        description="{subject}: memory above {threshold:g}% of maxmemory for {minutes} minutes",
    ),
    AlarmSpec(
        "EvictionsAlarm",
        metric="Evictions",
        statistic="Sum",
        threshold_var="evictions",
        evaluation_periods_var="evaluation_periods",
        description="{subject}: over {threshold} keys evicted per period for {minutes} minutes",
    ),
)
