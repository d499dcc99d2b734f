"""PostgreSQL on RDS in private subnets: encrypted, never public, snapshot on delete.

The master password never passes through the deploying process by default: RDS generates it
and keeps it in Secrets Manager (`ManageMasterUserPassword`), encrypted with the same
customer-managed key as the storage when `kms_key_arn` is given.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from troposphere import GetAtt, Ref, rds

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    OutputSpec,
    SecretStr,
    SecurityGroupIdValue,
    SubnetIdsValue,
    VarError,
    VpcIdValue,
)
from infragen.blueprints.helpers.alarm import AlarmSpec
from infragen.blueprints.helpers.log_group import RetentionDays, log_group
from infragen.blueprints.helpers.policy import managed_policy_arn
from infragen.blueprints.helpers.role import service_role
from infragen.blueprints.helpers.security_group import server_group
from infragen.blueprints.helpers.stateful import protect
from infragen.blueprints.helpers.windows import check_windows

PORT = 5432
# Forcing TLS is a secure default; config may add parameters but not turn it off silently.
DEFAULT_PARAMETERS = {"rds.force_ssl": "1", "log_min_duration_statement": "1000"}
# Performance Insights keeps 7 days free, else whole months (31 days each) up to 2 years.
PI_RETENTION = frozenset({7, 731, *(31 * m for m in range(1, 24))})


class Ingress(BlueprintVars):
    security_group_id: SecurityGroupIdValue
    description: str = Field(min_length=1)


class RdsAlarms(BlueprintVars):
    cpu_percent: int | float | None = Field(default=None, gt=0, le=100)
    cpu_minutes: int = Field(default=5, ge=1)
    free_storage_gb: int | float | None = Field(default=None, gt=0)
    freeable_memory_mb: int | float | None = Field(default=None, gt=0)
    connections: int | None = Field(default=None, gt=0)
    actions: list[DeployStr] = Field(default_factory=list)


class RdsPostgresVars(BlueprintVars):
    vpc_id: VpcIdValue
    subnet_ids: SubnetIdsValue
    # Sources allowed on 5432. Clients that deploy later add themselves instead
    # (lambda-function `vpc.grant_ingress`), using the SecurityGroupId output.
    ingress_from: list[Ingress] = Field(default_factory=list)
    engine_version: str = "16.9"
    instance_class: str = Field(default="db.t4g.micro", pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    allocated_storage_gb: int = Field(default=20, ge=20, le=65536)
    max_allocated_storage_gb: int | None = None  # storage autoscaling ceiling
    multi_az: bool = False
    # Customer-managed key (kms-key's KeyArn) for storage, the managed master secret and
    # Performance Insights. None: the AWS managed key aws/rds (storage is encrypted anyway).
    kms_key_arn: DeployStr | None = None
    # >= 1 day also turns on point-in-time recovery (RDS keeps transaction logs with backups).
    backup_retention_days: int = Field(default=7, ge=1, le=35)
    preferred_backup_window: str | None = None  # UTC "hh24:mi-hh24:mi", >= 30 minutes
    preferred_maintenance_window: str | None = None  # UTC "ddd:hh24:mi-ddd:hh24:mi"
    database_name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
    master_username: str = Field(default="dbadmin", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
    # managed: RDS generates the password and keeps it in Secrets Manager, so it never passes
    # through the deploying process (the default). parameter: `master_password` is `!env NAME`
    # (a NoEcho parameter the deploying shell fills). secret: `master_password` is
    # `!secret secretsmanager:name:key`, resolved by CloudFormation. Lint W9703 warns on both.
    master_password_source: Literal["managed", "parameter", "secret"] = "managed"
    master_password: SecretStr | None = None
    parameters: dict[str, str] = Field(default_factory=dict)
    deletion_protection: bool | None = None  # default: on in production
    performance_insights: bool = False
    performance_insights_retention_days: int = 7
    monitoring_interval_seconds: Literal[0, 1, 5, 10, 15, 30, 60] = 0  # 0: no enhanced monitoring
    log_exports: list[Literal["postgresql", "upgrade"]] = Field(
        default_factory=lambda: ["postgresql", "upgrade"]
    )
    log_retention_days: RetentionDays = 30
    alarms: RdsAlarms | None = None

    @field_validator("engine_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not re.match(r"^(1[3-7])(\.\d+)?$", value):
            raise ValueError(f"engine_version {value!r} is not a PostgreSQL 13-17 version")
        return value

    @field_validator("master_username")
    @classmethod
    def _reserved(cls, value: str) -> str:
        if value.lower() in {"postgres", "rdsadmin", "admin", "root"}:
            raise ValueError(f"master_username {value!r} is reserved by RDS")
        return value

    @field_validator("log_exports")
    @classmethod
    def _unique_exports(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a log export is listed twice")
        return value

    @model_validator(mode="after")
    def _checks(self) -> RdsPostgresVars:
        self._check_password()
        if (
            self.max_allocated_storage_gb is not None
            and self.max_allocated_storage_gb <= self.allocated_storage_gb
        ):
            raise VarError(
                "max_allocated_storage_gb must exceed allocated_storage_gb",
                "max_allocated_storage_gb",
            )
        if self.parameters.get("rds.force_ssl") == "0":
            raise VarError("rds.force_ssl cannot be turned off", "parameters", "rds.force_ssl")
        if self.performance_insights_retention_days not in PI_RETENTION:
            raise VarError(
                "must be 7, 731 or a multiple of 31 up to 713 (days)",
                "performance_insights_retention_days",
            )
        self._check_windows()
        return self

    def _check_password(self) -> None:
        """A password in config needs a source that says so; a literal is never accepted."""
        value, source = self.master_password, self.master_password_source
        if isinstance(value, str) and not value.startswith("{{resolve:"):
            raise VarError(
                "the master password must not be written in config; leave it out to let RDS "
                "manage it, or set master_password_source: parameter with !env NAME",
                "master_password",
            )
        if source == "managed" and value is not None:
            raise VarError(
                "master_password is ignored while RDS manages the password: remove it, or set "
                "master_password_source: parameter (!env) or secret (!secret) to use it",
                "master_password",
            )
        if source == "parameter" and (value is None or isinstance(value, str)):
            raise VarError(
                "master_password_source: parameter needs master_password: !env NAME",
                "master_password_source",
            )
        if source == "secret" and not isinstance(value, str):
            raise VarError(
                "master_password_source: secret needs master_password: "
                "!secret secretsmanager:name:key",
                "master_password_source",
            )

    def _check_windows(self) -> None:
        """Formats, the 30-minute minimum, and no overlap (RDS refuses overlapping windows)."""
        check_windows(
            ("preferred_backup_window", self.preferred_backup_window),
            ("preferred_maintenance_window", self.preferred_maintenance_window),
            minimum_minutes=30,
            examples=("03:00-03:30", "sun:04:00-sun:04:30"),
            daily_label="backup",
        )

    @property
    def family(self) -> str:
        return "postgres" + self.engine_version.split(".")[0]

    @property
    def managed_password(self) -> bool:
        return self.master_password_source == "managed"


class RdsPostgres(Blueprint):
    description = (
        "RDS PostgreSQL: private, KMS-encrypted, RDS-managed master secret, Multi-AZ flag, "
        "storage autoscaling, backups with PITR, parameter group, log exports, alarms"
    )
    Vars = RdsPostgresVars
    outputs = {
        "Endpoint": "Hostname of the database",
        "Port": "Port of the database",
        "DatabaseName": "Name of the initial database",
        "SecurityGroupId": "Security group guarding the database",
        "DBInstanceIdentifier": "Identifier of the instance",
        "MasterUserSecretArn": OutputSpec(
            "Secrets Manager secret holding the master password (managed)",
            when=lambda v: v.managed_password,
        ),
    }
    vars: RdsPostgresVars

    def build(self):
        v = self.vars
        t = self.template
        t.set_description(
            f"{self.context.stack_id}: PostgreSQL {v.engine_version} on {v.instance_class}"
            + (" Multi-AZ" if v.multi_az else "")
        )
        sg = server_group(
            t,
            description=f"{self.context.stack_id}: PostgreSQL from listed clients only",
            vpc_id=v.vpc_id,
            port=PORT,
            clients=v.ingress_from,
        )
        db = t.add_resource(protect(self._instance(sg), self.context.production))
        if v.alarms:
            self.add_alarms(
                ALARMS,
                v.alarms,
                namespace="AWS/RDS",
                dimensions={"DBInstanceIdentifier": Ref(db)},
            )
        self.output("Endpoint", GetAtt(db, "Endpoint.Address"))
        self.output("Port", GetAtt(db, "Endpoint.Port"))
        self.output("DatabaseName", v.database_name)
        self.output("SecurityGroupId", GetAtt(sg, "GroupId"))
        self.output("DBInstanceIdentifier", Ref(db))
        if v.managed_password:
            self.output("MasterUserSecretArn", GetAtt(db, "MasterUserSecret.SecretArn"))
        return t

    @property
    def identifier(self) -> str:
        return self.context.physical_name()

    def _groups(self) -> tuple[rds.DBSubnetGroup, rds.DBParameterGroup]:
        v = self.vars
        subnets = self.template.add_resource(
            rds.DBSubnetGroup(
                "SubnetGroup",
                DBSubnetGroupDescription=f"{self.context.stack_id} private subnets",
                SubnetIds=v.subnet_ids,
            )
        )
        params = self.template.add_resource(
            rds.DBParameterGroup(
                "ParameterGroup",
                Description=f"{self.context.stack_id} {v.family}",
                Family=v.family,
                Parameters={**DEFAULT_PARAMETERS, **v.parameters},
            )
        )
        return subnets, params

    def _log_groups(self) -> list[str]:
        """Create the export log groups first, with retention: RDS would create them itself,
        without one (kept forever), and CloudFormation could then not adopt them.
        https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.UploadtoCloudWatch.html
        """
        ids = []
        for export in self.vars.log_exports:
            logical_id = f"{export.capitalize()}LogGroup"
            log_group(
                self.template,
                logical_id,
                retention_days=self.vars.log_retention_days,
                production=self.context.production,
                name=f"/aws/rds/instance/{self.identifier}/{export}",
            )
            ids.append(logical_id)
        return ids

    def _instance(self, sg: Any) -> rds.DBInstance:
        """Private, encrypted, TLS-only, IAM auth on; the password managed by RDS by default."""
        v = self.vars
        subnets, params = self._groups()
        props: dict[str, Any] = {
            "DBInstanceIdentifier": self.identifier,
            "Engine": "postgres",
            "EngineVersion": v.engine_version,
            "DBInstanceClass": v.instance_class,
            "AllocatedStorage": str(v.allocated_storage_gb),
            "StorageType": "gp3",
            "StorageEncrypted": True,
            "MultiAZ": v.multi_az,
            "PubliclyAccessible": False,
            # IAM database authentication costs nothing and lets roles connect without the
            # master password (checkov CKV_AWS_161); password login keeps working.
            "EnableIAMDatabaseAuthentication": True,
            "BackupRetentionPeriod": v.backup_retention_days,
            "CopyTagsToSnapshot": True,
            "DeletionProtection": (
                v.deletion_protection
                if v.deletion_protection is not None
                else self.context.production
            ),
            "DBName": v.database_name,
            "MasterUsername": v.master_username,
            "DBSubnetGroupName": Ref(subnets),
            "DBParameterGroupName": Ref(params),
            "VPCSecurityGroups": [GetAtt(sg, "GroupId")],
            "Port": str(PORT),
            "AutoMinorVersionUpgrade": True,
            **self._encryption(),
            **self._backup_and_maintenance(),
            **self._observability(),
        }
        if v.max_allocated_storage_gb is not None:
            props["MaxAllocatedStorage"] = v.max_allocated_storage_gb
        db = rds.DBInstance("Database", **props, **self._password())
        if v.log_exports:
            db.DependsOn = self._log_groups()
        if v.master_password_source == "parameter":
            # A NoEcho parameter, as config asked (`!env`): W1011 prefers dynamic references;
            # infragen's W9703 still warns that the password passes through the deploy.
            db.Metadata = {"cfn-lint": {"config": {"ignore_checks": ["W1011"]}}}
        return db

    def _encryption(self) -> dict[str, Any]:
        """Our key for storage when given (changing it later replaces the instance)."""
        if self.vars.kms_key_arn is None:
            return {}
        return {"KmsKeyId": self.vars.kms_key_arn}

    def _password(self) -> dict[str, Any]:
        """RDS-managed secret (encrypted with our key when given), else the configured value."""
        v = self.vars
        if not v.managed_password:
            return {"MasterUserPassword": v.master_password}
        props: dict[str, Any] = {"ManageMasterUserPassword": True}
        if v.kms_key_arn is not None:
            props["MasterUserSecret"] = rds.MasterUserSecret(KmsKeyId=v.kms_key_arn)
        return props

    def _backup_and_maintenance(self) -> dict[str, Any]:
        v = self.vars
        props: dict[str, Any] = {}
        if v.preferred_backup_window is not None:
            props["PreferredBackupWindow"] = v.preferred_backup_window
        if v.preferred_maintenance_window is not None:
            props["PreferredMaintenanceWindow"] = v.preferred_maintenance_window
        return props

    def _observability(self) -> dict[str, Any]:
        """Performance Insights (with our key), enhanced monitoring, log exports."""
        v = self.vars
        props: dict[str, Any] = {"EnablePerformanceInsights": v.performance_insights}
        if v.performance_insights:
            props["PerformanceInsightsRetentionPeriod"] = v.performance_insights_retention_days
            if v.kms_key_arn is not None:
                props["PerformanceInsightsKMSKeyId"] = v.kms_key_arn
        if v.monitoring_interval_seconds:
            role = service_role(
                self.template,
                "MonitoringRole",
                services=["monitoring.rds.amazonaws.com"],
                statements=[],
                managed_policy_arns=[
                    managed_policy_arn("service-role/AmazonRDSEnhancedMonitoringRole")
                ],
                description=f"{self.context.stack_id}: RDS enhanced monitoring",
            )
            props["MonitoringInterval"] = v.monitoring_interval_seconds
            props["MonitoringRoleArn"] = GetAtt(role, "Arn")
        if v.log_exports:
            props["EnableCloudwatchLogsExports"] = list(v.log_exports)
        return props


ALARMS = (
    AlarmSpec(
        "CpuAlarm",
        metric="CPUUtilization",
        statistic="Average",
        threshold_var="cpu_percent",
        description="{subject}: CPU above {threshold:g}% for {minutes} minutes",
        period=60,
        evaluation_periods_var="cpu_minutes",
    ),
    AlarmSpec(
        "FreeStorageAlarm",
        metric="FreeStorageSpace",
        statistic="Minimum",
        threshold_var="free_storage_gb",
        description="{subject}: under {threshold:g} GB free",
        comparison="<",
        scale=1024**3,
    ),
    AlarmSpec(
        "FreeableMemoryAlarm",
        metric="FreeableMemory",
        statistic="Minimum",
        threshold_var="freeable_memory_mb",
        description="{subject}: under {threshold:g} MB freeable memory",
        comparison="<",
        scale=1024**2,
    ),
    AlarmSpec(
        "ConnectionsAlarm",
        metric="DatabaseConnections",
        statistic="Maximum",
        threshold_var="connections",
        description="{subject}: more than {threshold:g} connections",
    ),
)
