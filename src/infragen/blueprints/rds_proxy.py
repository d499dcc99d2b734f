"""RDS Proxy in front of one PostgreSQL instance: TLS required, credentials from the DB's secret.

The proxy logs in with the secret rds-postgres keeps (its `MasterUserSecretArn` output), read
with a role of its own that may read exactly that secret and decrypt it with exactly that key.
Clients reach the proxy on 5432 from the groups listed; the proxy reaches only the database.
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-setup.html
"""

from __future__ import annotations

from typing import Any

from awacs import kms, secretsmanager
from awacs.aws import Condition, StringEquals
from pydantic import Field
from troposphere import GetAtt, Ref, Sub, rds

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    SecurityGroupIdValue,
    SubnetIdsValue,
    VpcIdValue,
)
from infragen.blueprints.helpers.naming import short_name
from infragen.blueprints.helpers.role import allow, service_role
from infragen.blueprints.helpers.security_group import Rule, allow_ingress, security_group

PORT = 5432


class Client(BlueprintVars):
    security_group_id: SecurityGroupIdValue
    description: str = Field(min_length=1)


class ConnectionPool(BlueprintVars):
    max_connections_percent: int = Field(default=90, ge=1, le=100)
    max_idle_connections_percent: int = Field(default=50, ge=0, le=100)
    borrow_timeout_seconds: int = Field(default=120, ge=0, le=3600)


class RdsProxyVars(BlueprintVars):
    vpc_id: VpcIdValue
    subnet_ids: SubnetIdsValue
    db_instance_identifier: DeployStr  # rds-postgres DBInstanceIdentifier
    db_security_group_id: SecurityGroupIdValue  # rds-postgres SecurityGroupId
    secret_arn: DeployStr  # rds-postgres MasterUserSecretArn (or a secret stack's SecretArn)
    # The key encrypting the secret (kms-key KeyArn). None: the AWS managed key, whose policy
    # already lets Secrets Manager decrypt for principals of the account.
    kms_key_arn: DeployStr | None = None
    clients: list[Client] = Field(default_factory=list)
    # Add the proxy -> database rule to the database's group (it lives in the DB's stack).
    grant_db_ingress: bool = True
    iam_auth: bool = False  # require IAM authentication from clients
    idle_client_timeout_seconds: int = Field(default=1800, ge=1, le=28800)
    pool: ConnectionPool = Field(default_factory=ConnectionPool)


class RdsProxy(Blueprint):
    description = "RDS Proxy for PostgreSQL: TLS required, secret auth, own role and group"
    Vars = RdsProxyVars
    outputs = {
        "ProxyEndpoint": "Hostname clients connect to instead of the database",
        "ProxyArn": "ARN of the proxy",
        "SecurityGroupId": "Security group of the proxy (clients are allowed on 5432)",
    }
    vars: RdsProxyVars

    def build(self):
        v = self.vars
        t = self.template
        # DBProxyName: letters, digits, single hyphens, 63 characters at most.
        name = short_name(self.context.physical_name(), 63)
        t.set_description(f"{self.context.stack_id}: RDS Proxy {name}")
        sg = security_group(
            t,
            "SecurityGroup",
            description=f"{self.context.stack_id}: RDS Proxy, PostgreSQL clients to database",
            vpc_id=v.vpc_id,
            ingress=[Rule(PORT, c.description, source_sg=c.security_group_id) for c in v.clients],
            egress=[Rule(PORT, "PostgreSQL to the database", source_sg=v.db_security_group_id)],
        )
        if v.grant_db_ingress:
            allow_ingress(
                t,
                "DatabaseIngress",
                group=v.db_security_group_id,
                rule=Rule(
                    PORT,
                    f"PostgreSQL from {self.context.stack_id}",
                    source_sg=GetAtt(sg, "GroupId"),
                ),
            )
        proxy = t.add_resource(self._proxy(name, GetAtt(sg, "GroupId")))
        t.add_resource(
            rds.DBProxyTargetGroup(
                "TargetGroup",
                DBProxyName=Ref(proxy),
                TargetGroupName="default",  # the only name RDS accepts
                DBInstanceIdentifiers=[v.db_instance_identifier],
                ConnectionPoolConfigurationInfo=rds.ConnectionPoolConfigurationInfoFormat(
                    MaxConnectionsPercent=v.pool.max_connections_percent,
                    MaxIdleConnectionsPercent=v.pool.max_idle_connections_percent,
                    ConnectionBorrowTimeout=v.pool.borrow_timeout_seconds,
                ),
            )
        )
        self.output("ProxyEndpoint", GetAtt(proxy, "Endpoint"))
        self.output("ProxyArn", GetAtt(proxy, "DBProxyArn"))
        self.output("SecurityGroupId", GetAtt(sg, "GroupId"))
        return t

    def _proxy(self, name: str, group_id: Any) -> rds.DBProxy:
        v = self.vars
        return rds.DBProxy(
            "Proxy",
            DBProxyName=name,
            EngineFamily="POSTGRESQL",
            RequireTLS=True,
            DebugLogging=False,  # debug logs would contain SQL text and parameters
            IdleClientTimeout=v.idle_client_timeout_seconds,
            RoleArn=GetAtt(self._role(), "Arn"),
            VpcSubnetIds=v.subnet_ids,
            VpcSecurityGroupIds=[group_id],
            Auth=[
                rds.AuthFormat(
                    AuthScheme="SECRETS",
                    SecretArn=v.secret_arn,
                    IAMAuth="REQUIRED" if v.iam_auth else "DISABLED",
                    ClientPasswordAuthType="POSTGRES_SCRAM_SHA_256",
                    Description="database credentials from Secrets Manager",
                )
            ],
        )

    def _role(self) -> Any:
        """Read this secret, decrypt with this key through Secrets Manager: nothing else."""
        v = self.vars
        statements = [allow([secretsmanager.GetSecretValue], [v.secret_arn], sid="ReadDbSecret")]
        if v.kms_key_arn is not None:
            statements.append(
                allow(
                    [kms.Decrypt],
                    [v.kms_key_arn],
                    sid="DecryptDbSecret",
                    Condition=Condition(
                        StringEquals(
                            {"kms:ViaService": Sub("secretsmanager.${AWS::Region}.amazonaws.com")}
                        )
                    ),
                )
            )
        return service_role(
            self.template,
            "ProxyRole",
            services=["rds.amazonaws.com"],
            statements=statements,
            description=f"{self.context.stack_id}: RDS Proxy reads the database secret",
        )
