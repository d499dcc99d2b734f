"""PostgreSQL on RDS in private subnets: encrypted, never public, snapshot on delete."""

from __future__ import annotations

import re
from typing import Any

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
from infragen.blueprints.helpers.security_group import Rule, security_group
from infragen.blueprints.helpers.stateful import protect

PORT = 5432
# Forcing TLS is a secure default; config may add parameters but not turn it off silently.
DEFAULT_PARAMETERS = {"rds.force_ssl": "1", "log_min_duration_statement": "1000"}


class Ingress(BlueprintVars):
    security_group_id: SecurityGroupIdValue
    description: str = Field(min_length=1)


class RdsAlarms(BlueprintVars):
    cpu_percent: int | float | None = Field(default=None, gt=0, le=100)
    cpu_minutes: int = Field(default=5, ge=1)
    free_storage_gb: int | float | None = Field(default=None, gt=0)
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
    max_allocated_storage_gb: int | None = None
    multi_az: bool = False
    backup_retention_days: int = Field(default=7, ge=1, le=35)
    database_name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
    master_username: str = Field(default="dbadmin", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
    # None: RDS keeps the password in Secrets Manager (ManageMasterUserPassword). Otherwise
    # `!env NAME` (a NoEcho parameter) or `!secret ...` (a dynamic reference), never a literal.
    master_password: SecretStr | None = None
    parameters: dict[str, str] = Field(default_factory=dict)
    deletion_protection: bool | None = None  # default: on in production
    performance_insights: bool = False
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

    @model_validator(mode="after")
    def _checks(self) -> RdsPostgresVars:
        if isinstance(self.master_password, str) and not self.master_password.startswith(
            "{{resolve:"
        ):
            raise VarError(
                "the master password must not be written in config; use !env NAME, "
                "!secret secretsmanager:name:key, or leave it out to let RDS manage it",
                "master_password",
            )
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
        return self

    @property
    def family(self) -> str:
        return "postgres" + self.engine_version.split(".")[0]


class RdsPostgres(Blueprint):
    description = "RDS PostgreSQL: private, encrypted, Multi-AZ flag, backups, parameter group"
    Vars = RdsPostgresVars
    outputs = {
        "Endpoint": "Hostname of the database",
        "Port": "Port of the database",
        "DatabaseName": "Name of the initial database",
        "SecurityGroupId": "Security group guarding the database",
        "DBInstanceIdentifier": "Identifier of the instance",
        "MasterUserSecretArn": OutputSpec(
            "Secrets Manager secret holding the master password (managed)",
            when=lambda v: v.master_password is None,
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
        sg = security_group(
            t,
            "SecurityGroup",
            description=f"{self.context.stack_id}: PostgreSQL from listed clients only",
            vpc_id=v.vpc_id,
            ingress=[
                Rule(PORT, i.description, source_sg=i.security_group_id) for i in v.ingress_from
            ],
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
        if v.master_password is None:
            self.output("MasterUserSecretArn", GetAtt(db, "MasterUserSecret.SecretArn"))
        return t

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

    def _instance(self, sg: Any) -> rds.DBInstance:
        """Private, encrypted, TLS-only, IAM auth on; the password managed by RDS by default."""
        v = self.vars
        subnets, params = self._groups()
        props: dict[str, Any] = {
            "DBInstanceIdentifier": self.context.name(self.context.stack),
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
            "EnablePerformanceInsights": v.performance_insights,
        }
        if v.max_allocated_storage_gb is not None:
            props["MaxAllocatedStorage"] = v.max_allocated_storage_gb
        if v.master_password is None:
            props["ManageMasterUserPassword"] = True
        else:
            props["MasterUserPassword"] = v.master_password
        db = rds.DBInstance("Database", **props)
        if not isinstance(v.master_password, str | None):
            # A NoEcho parameter, as config asked (`!env`): W1011 prefers dynamic references,
            # which remain available as `!secret`; the value still never reaches the template.
            db.Metadata = {"cfn-lint": {"config": {"ignore_checks": ["W1011"]}}}
        return db


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
)
