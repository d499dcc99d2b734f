"""Amazon ElastiCache: replication groups and subnet groups backed by moto's ElastiCache
backend (DescribeReplicationGroups shows them), parameter groups in infragen's store
(moto has no parameter-group API). Nothing listens on the endpoints.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.elasticache.models import ElastiCacheBackend, elasticache_backends

from infragen.emulator.models._base import EmulatedResource, truthy


def _backend(resource: EmulatedResource) -> ElastiCacheBackend:
    return elasticache_backends[resource.account_id][resource.region_name]


def _generated(name: str) -> str:
    """CloudFormation's generated ElastiCache names are lower case (at most 40 chars)."""
    return name.lower()[:40].rstrip("-")


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


class ReplicationGroup(EmulatedResource, CloudFormationModel):
    """AWS::ElastiCache::ReplicationGroup (Redis/Valkey, cluster mode disabled or enabled): a
    moto replication group; Ref is its id. GetAtt: PrimaryEndPoint.Address/.Port,
    ReaderEndPoint.Address/.Port, ReadEndPoint.Addresses/.Ports (comma-separated) and
    .AddressesList/.PortsList, ConfigurationEndPoint.Address/.Port (cluster mode)."""

    TYPE = "AWS::ElastiCache::ReplicationGroup"
    NAME_PROPERTY = "ReplicationGroupId"
    ATTRIBUTES = frozenset(
        {
            "PrimaryEndPoint.Address",
            "PrimaryEndPoint.Port",
            "ReaderEndPoint.Address",
            "ReaderEndPoint.Port",
            "ReadEndPoint.Addresses",
            "ReadEndPoint.AddressesList",
            "ReadEndPoint.Ports",
            "ReadEndPoint.PortsList",
            "ConfigurationEndPoint.Address",
            "ConfigurationEndPoint.Port",
        }
    )
    CREATE_ONLY = (
        "ReplicationGroupId",
        "AtRestEncryptionEnabled",
        "CacheSubnetGroupName",
        "DataTieringEnabled",
        "GlobalReplicationGroupId",
        "KmsKeyId",
        "NetworkType",
        "Port",
        "PreferredCacheClusterAZs",
        "SnapshotArns",
        "SnapshotName",
    )

    def on_create(self) -> None:
        if not self.prop("ReplicationGroupId"):
            self.name = _generated(self.name)
        cluster_mode = self.prop("ClusterMode") or (
            "enabled" if _int(self.prop("NumNodeGroups")) not in (None, 1) else None
        )
        group = _backend(self).create_replication_group(
            replication_group_id=self.name,
            replication_group_description=self.prop("ReplicationGroupDescription", ""),
            global_replication_group_id=self.prop("GlobalReplicationGroupId"),
            primary_cluster_id=self.prop("PrimaryClusterId"),
            automatic_failover_enabled=truthy(self.prop("AutomaticFailoverEnabled")),
            multi_az_enabled=truthy(self.prop("MultiAZEnabled")),
            num_cache_clusters=_int(self.prop("NumCacheClusters")),  # type: ignore[arg-type]
            preferred_cache_cluster_azs=list(self.prop("PreferredCacheClusterAZs", [])),
            num_node_groups=_int(self.prop("NumNodeGroups")),  # type: ignore[arg-type]
            replicas_per_node_group=_int(self.prop("ReplicasPerNodeGroup")),  # type: ignore[arg-type]
            node_group_configuration=list(self.prop("NodeGroupConfiguration", [])),
            cache_node_type=self.prop("CacheNodeType"),
            engine=self.prop("Engine", "redis"),
            engine_version=self.prop("EngineVersion"),
            cache_parameter_group_name=self.prop("CacheParameterGroupName"),
            cache_subnet_group_name=self.prop("CacheSubnetGroupName"),
            cache_security_group_names=list(self.prop("CacheSecurityGroupNames", [])),
            security_group_ids=list(self.prop("SecurityGroupIds", [])),
            tags=[{"Key": k, "Value": v} for k, v in self.tags.items()],
            snapshot_arns=list(self.prop("SnapshotArns", [])),
            snapshot_name=self.prop("SnapshotName"),
            preferred_maintenance_window=self.prop("PreferredMaintenanceWindow"),
            port=_int(self.prop("Port")),  # type: ignore[arg-type]
            notification_topic_arn=self.prop("NotificationTopicArn"),
            auto_minor_version_upgrade=truthy(self.prop("AutoMinorVersionUpgrade", True)),
            snapshot_retention_limit=_int(self.prop("SnapshotRetentionLimit")),  # type: ignore[arg-type]
            snapshot_window=self.prop("SnapshotWindow"),
            # Often a {{resolve:secretsmanager:…}} reference, which moto does not resolve.
            auth_token=self.prop("AuthToken"),
            transit_encryption_enabled=truthy(self.prop("TransitEncryptionEnabled")),
            at_rest_encryption_enabled=truthy(self.prop("AtRestEncryptionEnabled")),
            kms_key_id=self.prop("KmsKeyId"),
            user_group_ids=list(self.prop("UserGroupIds", [])),
            log_delivery_configurations=list(self.prop("LogDeliveryConfigurations", [])),
            data_tiering_enabled=truthy(self.prop("DataTieringEnabled")),
            network_type=self.prop("NetworkType"),
            ip_discovery=self.prop("IpDiscovery"),
            transit_encryption_mode=self.prop("TransitEncryptionMode"),
            cluster_mode=cluster_mode,  # type: ignore[arg-type]
            serverless_cache_snapshot_name=None,  # type: ignore[arg-type]
        )
        self.port = str(group.port)
        self.cluster_mode = bool(cluster_mode and cluster_mode.lower() == "enabled")
        if self.cluster_mode:
            self.configuration_address = group.configuration_endpoint["address"]
            self.domain = self.configuration_address.removeprefix("clustercfg.")
        else:
            node_group = group.node_groups[0]
            self.domain = node_group["primary_endpoint_address"].removeprefix("master.")
        clusters = int(self.prop("NumCacheClusters", 1) or 1)
        self.nodes = [f"{self.name}-{n:03d}.{self.domain}" for n in range(1, clusters + 1)]

    def on_update(self, previous: dict[str, Any]) -> None:
        _backend(self).modify_replication_group(
            replication_group_id=self.name,
            replication_group_description=self.prop("ReplicationGroupDescription"),
            engine=self.prop("Engine"),
            cache_node_type=self.prop("CacheNodeType"),
            automatic_failover_enabled=truthy(self.prop("AutomaticFailoverEnabled")),
            multi_az_enabled=truthy(self.prop("MultiAZEnabled")),
            snapshot_retention_limit=_int(self.prop("SnapshotRetentionLimit")),  # type: ignore[arg-type]
        )

    def on_delete(self) -> None:
        # moto only marks a deleted group "deleting"; AWS forgets it, so the id is free again.
        _backend(self).replication_groups.pop(self.name, None)

    def ref(self) -> str:
        return self.name

    def attributes(self) -> dict[str, Any]:
        addresses = self.nodes
        values: dict[str, Any] = {
            "ReadEndPoint.Addresses": ",".join(addresses),
            "ReadEndPoint.AddressesList": addresses,
            "ReadEndPoint.Ports": ",".join(self.port for _ in addresses),
            "ReadEndPoint.PortsList": [self.port for _ in addresses],
            "PrimaryEndPoint.Address": f"master.{self.domain}",
            "PrimaryEndPoint.Port": self.port,
            "ReaderEndPoint.Address": f"replica.{self.domain}",
            "ReaderEndPoint.Port": self.port,
            "ConfigurationEndPoint.Address": f"clustercfg.{self.domain}",
            "ConfigurationEndPoint.Port": self.port,
        }
        return values


class SubnetGroup(EmulatedResource, CloudFormationModel):
    """AWS::ElastiCache::SubnetGroup: a moto cache subnet group; Ref is its name. The
    description and subnets update in place."""

    TYPE = "AWS::ElastiCache::SubnetGroup"
    NAME_PROPERTY = "CacheSubnetGroupName"
    CREATE_ONLY = ("CacheSubnetGroupName",)

    def on_create(self) -> None:
        if not self.prop("CacheSubnetGroupName"):
            self.name = _generated(self.name)
        _backend(self).create_cache_subnet_group(
            cache_subnet_group_name=self.name,
            cache_subnet_group_description=self.prop("Description", ""),
            subnet_ids=list(self.prop("SubnetIds", [])),
            tags=[{"Key": k, "Value": v} for k, v in self.tags.items()] or None,
        )

    def on_update(self, previous: dict[str, Any]) -> None:
        group = _backend(self).cache_subnet_groups[self.name]
        group.cache_subnet_group_description = self.prop("Description", "")
        group.subnet_ids = list(self.prop("SubnetIds", []))

    def on_delete(self) -> None:
        _backend(self).cache_subnet_groups.pop(self.name, None)

    def ref(self) -> str:
        return self.name


class ParameterGroup(EmulatedResource, CloudFormationModel):
    """AWS::ElastiCache::ParameterGroup: kept in infragen's store (moto has no parameter
    groups); Ref and CacheParameterGroupName are its name. A new family replaces it."""

    TYPE = "AWS::ElastiCache::ParameterGroup"
    NAME_PROPERTY = "CacheParameterGroupName"
    ATTRIBUTES = frozenset({"CacheParameterGroupName"})
    CREATE_ONLY = ("CacheParameterGroupFamily",)

    def on_create(self) -> None:
        if not self.prop("CacheParameterGroupName"):
            self.name = _generated(self.name)

    def ref(self) -> str:
        return self.name

    def attributes(self) -> dict[str, Any]:
        return {"CacheParameterGroupName": self.name}
