"""AWS Cloud Map (service discovery), backed by moto's Service Discovery and Route 53
backends: a private DNS namespace gets a private hosted zone for its name and VPC, and
GetNamespace/GetService answer for what a stack created.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.route53.models import Route53Backend, route53_backends
from moto.servicediscovery.models import (
    Namespace,
    ServiceDiscoveryBackend,
    servicediscovery_backends,
)
from moto.utilities.utils import get_partition

from infragen.emulator.models._base import EmulatedResource


def _backend(resource: EmulatedResource) -> ServiceDiscoveryBackend:
    return servicediscovery_backends[resource.account_id][resource.region_name]


def _route53(resource: EmulatedResource) -> Route53Backend:
    return route53_backends[resource.account_id][get_partition(resource.region_name)]


def _tag_list(resource: EmulatedResource) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in resource.tags.items()]


class PrivateDnsNamespace(EmulatedResource, CloudFormationModel):
    """AWS::ServiceDiscovery::PrivateDnsNamespace: a moto namespace plus its private hosted
    zone; Ref and Id are `ns-…`, also Arn and HostedZoneId. Built here rather than with
    moto's CreatePrivateDnsNamespace, which allows one namespace per VPC (AWS allows more)
    and names the zone `<name>-hz`."""

    TYPE = "AWS::ServiceDiscovery::PrivateDnsNamespace"
    ATTRIBUTES = frozenset({"Arn", "HostedZoneId", "Id"})
    CREATE_ONLY = ("Name", "Vpc")

    def on_create(self) -> None:
        name = self.prop("Name")
        zone = _route53(self).create_hosted_zone(
            name,
            private_zone=True,
            vpcid=self.prop("Vpc"),
            vpcregion=self.region_name,
            comment=f"Created by Route 53 Auto Naming for namespace {name}",
        )
        zone_id = zone.id.removeprefix("/hostedzone/")
        dns_properties = dict(self.prop("Properties", {}).get("DnsProperties", {}))
        dns_properties["HostedZoneId"] = zone_id
        namespace = Namespace(
            account_id=self.account_id,
            region=self.region_name,
            name=name,
            ns_type="DNS_PRIVATE",
            creator_request_id=self.token(32),
            description=self.prop("Description", ""),
            dns_properties=dns_properties,
            http_properties={"HttpName": name},
            vpc=self.prop("Vpc"),
        )
        backend = _backend(self)
        backend.namespaces[namespace.id] = namespace
        if self.tags:
            backend.tagger.tag_resource(namespace.arn, _tag_list(self))
        self.namespace_id, self.namespace_arn, self.zone_id = namespace.id, namespace.arn, zone_id

    def on_update(self, previous: dict[str, Any]) -> None:
        namespace = _backend(self).namespaces[self.namespace_id]
        namespace.description = self.prop("Description", "")

    def on_delete(self) -> None:
        _backend(self).namespaces.pop(self.namespace_id, None)
        _route53(self).zones.pop(self.zone_id, None)

    def ref(self) -> str:
        return self.namespace_id

    def attributes(self) -> dict[str, Any]:
        return {"Id": self.namespace_id, "Arn": self.namespace_arn, "HostedZoneId": self.zone_id}


class Service(EmulatedResource, CloudFormationModel):
    """AWS::ServiceDiscovery::Service: a moto Cloud Map service; Ref and Id are `srv-…`,
    also Arn and Name. Description, DNS records and health check update in place."""

    TYPE = "AWS::ServiceDiscovery::Service"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = frozenset({"Arn", "Id", "Name"})
    CREATE_ONLY = ("Name", "NamespaceId", "Type", "HealthCheckCustomConfig")

    def on_create(self) -> None:
        dns_config = self.prop("DnsConfig")
        namespace_id = self.prop("NamespaceId") or (dns_config or {}).get("NamespaceId")
        service = _backend(self).create_service(
            name=self.name,
            namespace_id=namespace_id,
            creator_request_id=self.token(32),
            description=self.prop("Description", ""),
            dns_config=dns_config,
            health_check_config=self.prop("HealthCheckConfig"),
            health_check_custom_config=self.prop("HealthCheckCustomConfig"),
            tags=_tag_list(self),
            service_type=self.prop("Type"),
        )
        self.service_id, self.service_arn = service.id, service.arn

    def on_update(self, previous: dict[str, Any]) -> None:
        service = _backend(self).get_service(self.service_id)
        service.description = self.prop("Description", "")
        service.dns_config = self.prop("DnsConfig")
        service.health_check_config = self.prop("HealthCheckConfig")

    def on_delete(self) -> None:
        _backend(self).delete_service(self.service_id)

    def ref(self) -> str:
        return self.service_id

    def attributes(self) -> dict[str, Any]:
        return {"Id": self.service_id, "Arn": self.service_arn, "Name": self.name}
