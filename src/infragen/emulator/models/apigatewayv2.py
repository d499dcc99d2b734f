"""Amazon API Gateway v2 (HTTP and WebSocket APIs), in infragen's store: the ids, endpoint
and domain-name attributes the http-api blueprint wires onward; no request is served.

moto 5.2.5 has an API Gateway v2 backend but no CloudFormation models for it.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from infragen.emulator.models._base import LOWER, UPPER, EmulatedResource

# Route 53 alias zone of API Gateway's regional endpoints, per region (AWS General
# Reference, "Amazon API Gateway endpoints and quotas"); other regions get a stand-in.
REGIONAL_ZONES = {
    "us-east-1": "Z1UJRXOUMOOFQ8",
    "us-east-2": "ZOJJZC49E0EPZ",
    "us-west-1": "Z2MUQ32089INYE",
    "us-west-2": "Z2OJLYMUO9EFXC",
    "ca-central-1": "Z19DQILCV0OWEC",
    "eu-west-1": "ZLY8HYME6SFDD",
    "eu-west-2": "ZJ5UAJN8Y3Z2Q",
    "eu-west-3": "Z3KY65QIEKYHQQ",
    "eu-central-1": "Z1U9ULNL0V5AJ3",
    "eu-north-1": "Z3UWIKFBOOGXPP",
    "ap-south-1": "Z3VO1THU9YC4UR",
    "ap-northeast-1": "Z1YSHQZHG15GKL",
    "ap-northeast-2": "Z20JF4UZKIW1U8",
    "ap-southeast-1": "ZL327KTPIQFUL",
    "ap-southeast-2": "Z2RPCDW04V8134",
    "sa-east-1": "ZCMLWB8V5SYIT",
}


class Api(EmulatedResource, CloudFormationModel):
    """AWS::ApiGatewayV2::Api (HTTP or WEBSOCKET, no OpenAPI import): Ref and ApiId are a
    10-character id; ApiEndpoint is https:// (wss:// for WebSocket)
    `<id>.execute-api.<region>.amazonaws.com`; ExecuteApiArn is its execute-api ARN."""

    TYPE = "AWS::ApiGatewayV2::Api"
    ATTRIBUTES = frozenset({"ApiEndpoint", "ApiId", "ExecuteApiArn"})
    CREATE_ONLY = ("ProtocolType",)

    def on_create(self) -> None:
        self.api_id = self.token(10)

    def ref(self) -> str:
        return self.api_id

    def attributes(self) -> dict[str, Any]:
        scheme = "wss" if self.prop("ProtocolType") == "WEBSOCKET" else "https"
        return {
            "ApiId": self.api_id,
            "ApiEndpoint": f"{scheme}://{self.api_id}.execute-api.{self.region_name}.amazonaws.com",
            "ExecuteApiArn": self.arn("execute-api", self.api_id),
        }


class Integration(EmulatedResource, CloudFormationModel):
    """AWS::ApiGatewayV2::Integration: Ref and IntegrationId are a 7-character id."""

    TYPE = "AWS::ApiGatewayV2::Integration"
    ATTRIBUTES = frozenset({"IntegrationId"})
    CREATE_ONLY = ("ApiId",)

    def on_create(self) -> None:
        self.integration_id = self.token(7)

    def ref(self) -> str:
        return self.integration_id

    def attributes(self) -> dict[str, Any]:
        return {"IntegrationId": self.integration_id}


class Route(EmulatedResource, CloudFormationModel):
    """AWS::ApiGatewayV2::Route: Ref and RouteId are a 7-character id."""

    TYPE = "AWS::ApiGatewayV2::Route"
    ATTRIBUTES = frozenset({"RouteId"})
    CREATE_ONLY = ("ApiId",)

    def on_create(self) -> None:
        self.route_id = self.token(7)

    def ref(self) -> str:
        return self.route_id

    def attributes(self) -> dict[str, Any]:
        return {"RouteId": self.route_id}


class Stage(EmulatedResource, CloudFormationModel):
    """AWS::ApiGatewayV2::Stage: Ref is the stage name (`$default` included); no GetAtt."""

    TYPE = "AWS::ApiGatewayV2::Stage"
    NAME_PROPERTY = "StageName"
    CREATE_ONLY = ("ApiId", "StageName")

    def ref(self) -> str:
        return self.name

    def key(self) -> str:
        # Two APIs may both have a `$default` stage.
        return f"{self.prop('ApiId')}/{self.name}"


class VpcLink(EmulatedResource, CloudFormationModel):
    """AWS::ApiGatewayV2::VpcLink: Ref and VpcLinkId are a 6-character id. Name and tags
    update in place, other subnets or security groups replace it."""

    TYPE = "AWS::ApiGatewayV2::VpcLink"
    ATTRIBUTES = frozenset({"VpcLinkId"})
    CREATE_ONLY = ("SecurityGroupIds", "SubnetIds")

    def on_create(self) -> None:
        self.link_id = self.token(6)

    def ref(self) -> str:
        return self.link_id

    def attributes(self) -> dict[str, Any]:
        return {"VpcLinkId": self.link_id}


class DomainName(EmulatedResource, CloudFormationModel):
    """AWS::ApiGatewayV2::DomainName (regional endpoint): Ref is the domain name;
    RegionalDomainName `d-<id>.execute-api.<region>.amazonaws.com`, RegionalHostedZoneId
    the region's API Gateway alias zone, DomainNameArn its apigateway ARN."""

    TYPE = "AWS::ApiGatewayV2::DomainName"
    NAME_PROPERTY = "DomainName"
    ATTRIBUTES = frozenset({"DomainNameArn", "RegionalDomainName", "RegionalHostedZoneId"})
    CREATE_ONLY = ("DomainName",)

    def on_create(self) -> None:
        self.regional = f"d-{self.token(10)}.execute-api.{self.region_name}.amazonaws.com"

    def ref(self) -> str:
        return self.name

    def attributes(self) -> dict[str, Any]:
        zone = REGIONAL_ZONES.get(self.region_name) or "Z" + self.token(13, UPPER, "zone")
        return {
            "DomainNameArn": f"arn:aws:apigateway:{self.region_name}::/domainnames/{self.name}",
            "RegionalDomainName": self.regional,
            "RegionalHostedZoneId": zone,
        }


class ApiMapping(EmulatedResource, CloudFormationModel):
    """AWS::ApiGatewayV2::ApiMapping: Ref and ApiMappingId are a 6-character id."""

    TYPE = "AWS::ApiGatewayV2::ApiMapping"
    ATTRIBUTES = frozenset({"ApiMappingId"})
    CREATE_ONLY = ("DomainName",)

    def on_create(self) -> None:
        self.mapping_id = self.token(6, LOWER)

    def ref(self) -> str:
        return self.mapping_id

    def attributes(self) -> dict[str, Any]:
        return {"ApiMappingId": self.mapping_id}
