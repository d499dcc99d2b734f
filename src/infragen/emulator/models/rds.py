"""Amazon RDS Proxy, backed by moto's RDS backend (DescribeDBProxies,
DescribeDBProxyTargetGroups and DescribeDBProxyTargets show what a stack created).

moto checks what AWS checks at creation: the subnets exist and share one VPC, the engine
family is known.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.rds.models import RDSBackend, rds_backends

from infragen.emulator.models._base import EmulatedResource, truthy


def _backend(resource: EmulatedResource) -> RDSBackend:
    return rds_backends[resource.account_id][resource.region_name]


class DBProxy(EmulatedResource, CloudFormationModel):
    """AWS::RDS::DBProxy: a moto proxy; Ref is its name, DBProxyArn `…:db-proxy:prx-…`,
    Endpoint `<name>.db-proxy-<id>.<region>.rds.amazonaws.com`, VpcId the subnets' VPC.
    Auth, role, security groups, TLS, timeouts and logging update in place."""

    TYPE = "AWS::RDS::DBProxy"
    NAME_PROPERTY = "DBProxyName"
    ATTRIBUTES = frozenset({"DBProxyArn", "Endpoint", "VpcId"})
    CREATE_ONLY = ("DBProxyName", "EngineFamily", "VpcSubnetIds")

    def on_create(self) -> None:
        _backend(self).create_db_proxy(
            db_proxy_name=self.name,
            engine_family=self.prop("EngineFamily"),
            auth=list(self.prop("Auth", [])),
            role_arn=self.prop("RoleArn"),
            vpc_subnet_ids=list(self.prop("VpcSubnetIds", [])),
            vpc_security_group_ids=list(self.prop("VpcSecurityGroupIds", [])),
            require_tls=truthy(self.prop("RequireTLS")),
            idle_client_timeout=self.prop("IdleClientTimeout"),
            debug_logging=truthy(self.prop("DebugLogging")),
            tags=[{"Key": k, "Value": v} for k, v in self.tags.items()],
        )
        proxy = _backend(self).db_proxies[self.name]
        self.proxy_arn, self.endpoint, self.vpc_id = proxy.arn, proxy.endpoint, proxy.vpc_id

    def on_update(self, previous: dict[str, Any]) -> None:
        proxy = _backend(self).db_proxies[self.name]
        proxy.auth = list(self.prop("Auth", []))
        proxy.role_arn = self.prop("RoleArn")
        proxy.vpc_security_group_ids = list(self.prop("VpcSecurityGroupIds", []))
        proxy.require_tls = truthy(self.prop("RequireTLS"))
        proxy.idle_client_timeout = self.prop("IdleClientTimeout", 1800)
        proxy.debug_logging = truthy(self.prop("DebugLogging"))
        proxy.tags = [{"Key": k, "Value": v} for k, v in self.tags.items()]

    def on_delete(self) -> None:
        _backend(self).db_proxies.pop(self.name, None)

    def ref(self) -> str:
        return self.name

    def attributes(self) -> dict[str, Any]:
        return {"DBProxyArn": self.proxy_arn, "Endpoint": self.endpoint, "VpcId": self.vpc_id}


class DBProxyTargetGroup(EmulatedResource, CloudFormationModel):
    """AWS::RDS::DBProxyTargetGroup: the proxy's `default` target group in moto, with the
    DB instances/clusters registered and the connection pool settings; Ref and
    TargetGroupArn are its ARN. Targets and pool settings update in place."""

    TYPE = "AWS::RDS::DBProxyTargetGroup"
    ATTRIBUTES = frozenset({"TargetGroupArn"})
    CREATE_ONLY = ("DBProxyName", "TargetGroupName")

    def _group(self) -> Any:
        proxy = _backend(self).db_proxies[self.prop("DBProxyName")]
        return proxy.proxy_target_groups[self.prop("TargetGroupName", "default")]

    def _register(self) -> None:
        backend = _backend(self)
        group = self._group()
        group.targets = []
        backend.register_db_proxy_targets(
            db_proxy_name=self.prop("DBProxyName"),
            target_group_name=self.prop("TargetGroupName", "default"),
            db_cluster_identifiers=list(self.prop("DBClusterIdentifiers", [])),
            db_instance_identifiers=list(self.prop("DBInstanceIdentifiers", [])),
        )
        pool = self.prop("ConnectionPoolConfigurationInfo")
        if pool:
            backend.modify_db_proxy_target_group(self.prop("DBProxyName"), pool)

    def on_create(self) -> None:
        self._register()
        self.group_arn = self._group().arn

    def on_update(self, previous: dict[str, Any]) -> None:
        self._register()

    def on_delete(self) -> None:
        proxy = _backend(self).db_proxies.get(self.prop("DBProxyName"))
        if proxy is not None:
            proxy.proxy_target_groups[self.prop("TargetGroupName", "default")].targets = []

    def ref(self) -> str:
        return self.group_arn

    def attributes(self) -> dict[str, Any]:
        return {"TargetGroupArn": self.group_arn}
