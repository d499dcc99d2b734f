"""AWS App Runner (no moto backend): services, VPC connectors and their configurations.

ARNs follow App Runner's shapes, `…:service/<name>/<32 hex id>` and
`…:<kind>/<name>/<revision>/<32 hex id>`; nothing runs.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from infragen.emulator.models._base import HEX, LOWER, EmulatedResource, backend


def _revision(resource: EmulatedResource) -> int:
    """App Runner numbers the configurations that share a name 1, 2, …"""
    others = backend(resource.account_id, resource.region_name).of_type(resource.TYPE)
    return 1 + sum(1 for other in others if other.name == resource.name)


class Service(EmulatedResource, CloudFormationModel):
    """AWS::AppRunner::Service: ARN, id and default URL; Status is always RUNNING."""

    TYPE = "AWS::AppRunner::Service"
    NAME_PROPERTY = "ServiceName"
    ATTRIBUTES = frozenset({"ServiceArn", "ServiceId", "ServiceUrl", "Status"})
    CREATE_ONLY = ("ServiceName", "EncryptionConfiguration", "Tags")

    def on_create(self) -> None:
        self.service_id = self.token(32, HEX)
        self.service_arn = self.arn("apprunner", f"service/{self.name}/{self.service_id}")
        self.service_url = f"{self.token(10)}.{self.region_name}.awsapprunner.com"

    def ref(self) -> str:
        return self.service_arn

    def attributes(self) -> dict[str, Any]:
        return {
            "ServiceArn": self.service_arn,
            "ServiceId": self.service_id,
            "ServiceUrl": self.service_url,
            "Status": "RUNNING",
        }


class VpcConnector(EmulatedResource, CloudFormationModel):
    """AWS::AppRunner::VpcConnector: ARN and revision; every property is create-only."""

    TYPE = "AWS::AppRunner::VpcConnector"
    NAME_PROPERTY = "VpcConnectorName"
    ATTRIBUTES = frozenset({"VpcConnectorArn", "VpcConnectorRevision"})
    CREATE_ONLY = ("VpcConnectorName", "Subnets", "SecurityGroups", "Tags")

    def on_create(self) -> None:
        self.revision = _revision(self)
        self.connector_arn = self.arn(
            "apprunner", f"vpcconnector/{self.name}/{self.revision}/{self.token(32, HEX)}"
        )

    def ref(self) -> str:
        return self.connector_arn

    def attributes(self) -> dict[str, Any]:
        return {"VpcConnectorArn": self.connector_arn, "VpcConnectorRevision": self.revision}


class AutoScalingConfiguration(EmulatedResource, CloudFormationModel):
    """AWS::AppRunner::AutoScalingConfiguration: ARN, revision, Latest (always true)."""

    TYPE = "AWS::AppRunner::AutoScalingConfiguration"
    NAME_PROPERTY = "AutoScalingConfigurationName"
    ATTRIBUTES = frozenset(
        {"AutoScalingConfigurationArn", "AutoScalingConfigurationRevision", "Latest"}
    )
    CREATE_ONLY = ("AutoScalingConfigurationName", "MaxConcurrency", "MaxSize", "MinSize", "Tags")

    def on_create(self) -> None:
        self.revision = _revision(self)
        self.config_arn = self.arn(
            "apprunner",
            f"autoscalingconfiguration/{self.name}/{self.revision}/{self.token(32, HEX)}",
        )

    def ref(self) -> str:
        return self.config_arn

    def attributes(self) -> dict[str, Any]:
        return {
            "AutoScalingConfigurationArn": self.config_arn,
            "AutoScalingConfigurationRevision": self.revision,
            "Latest": "true",
        }


class ObservabilityConfiguration(EmulatedResource, CloudFormationModel):
    """AWS::AppRunner::ObservabilityConfiguration: ARN, revision, Latest (always true)."""

    TYPE = "AWS::AppRunner::ObservabilityConfiguration"
    NAME_PROPERTY = "ObservabilityConfigurationName"
    ATTRIBUTES = frozenset(
        {"ObservabilityConfigurationArn", "ObservabilityConfigurationRevision", "Latest"}
    )
    CREATE_ONLY = ("ObservabilityConfigurationName", "TraceConfiguration", "Tags")

    def on_create(self) -> None:
        self.revision = _revision(self)
        self.config_arn = self.arn(
            "apprunner",
            f"observabilityconfiguration/{self.name}/{self.revision}/{self.token(32, HEX)}",
        )

    def ref(self) -> str:
        return self.config_arn

    def attributes(self) -> dict[str, Any]:
        return {
            "ObservabilityConfigurationArn": self.config_arn,
            "ObservabilityConfigurationRevision": self.revision,
            "Latest": "true",
        }


class VpcIngressConnection(EmulatedResource, CloudFormationModel):
    """AWS::AppRunner::VpcIngressConnection: ARN, private domain name, Status AVAILABLE."""

    TYPE = "AWS::AppRunner::VpcIngressConnection"
    NAME_PROPERTY = "VpcIngressConnectionName"
    ATTRIBUTES = frozenset({"VpcIngressConnectionArn", "DomainName", "Status"})
    CREATE_ONLY = ("VpcIngressConnectionName", "ServiceArn", "Tags")

    def on_create(self) -> None:
        self.connection_arn = self.arn(
            "apprunner", f"vpcingressconnection/{self.name}/{self.token(32, HEX)}"
        )
        self.domain_name = (
            f"{self.token(10)}.{self.token(10, LOWER, 'vpce')}.{self.region_name}.awsapprunner.com"
        )

    def ref(self) -> str:
        return self.connection_arn

    def attributes(self) -> dict[str, Any]:
        return {
            "VpcIngressConnectionArn": self.connection_arn,
            "DomainName": self.domain_name,
            "Status": "AVAILABLE",
        }
