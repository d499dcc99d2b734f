"""The network blueprint: resources per NAT mode, routing per tier, endpoints, flow logs."""

from __future__ import annotations

from typing import Any

import pytest

from infragen.blueprints.base import BuildContext
from infragen.blueprints.network import Network

CONTEXT = BuildContext(
    project="acme", env="dev", app="shop", stack="network", region="us-east-1", production=False
)


def build(**overrides: Any) -> dict[str, Any]:
    vars_ = {
        "cidr": "10.0.0.0/16",
        "subnets": {
            "public": ["10.0.1.0/24", "10.0.2.0/24"],
            "private_app": ["10.0.10.0/24", "10.0.20.0/24"],
            "private_data": ["10.0.100.0/24", "10.0.200.0/24"],
        },
        **overrides,
    }
    return Network(Network.Vars.model_validate(vars_), CONTEXT).build().to_dict()


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


@pytest.mark.parametrize(
    ("mode", "nats", "app_tables"), [("per_az", 2, 2), ("single", 1, 1), ("none", 0, 1)]
)
def test_nat_modes(mode: str, nats: int, app_tables: int) -> None:
    template = build(nat=mode)
    assert len(of_type(template, "AWS::EC2::NatGateway")) == nats
    assert len(of_type(template, "AWS::EC2::EIP")) == nats
    routes = of_type(template, "AWS::EC2::Route")
    nat_routes = [r for r in routes.values() if "NatGatewayId" in r["Properties"]]
    assert len(nat_routes) == nats
    tables = of_type(template, "AWS::EC2::RouteTable")
    assert len([t for t in tables if t.startswith("PrivateApp")]) == app_tables


def test_per_az_nat_routes_each_app_subnet_through_its_own_az() -> None:
    template = build(nat="per_az")
    res = template["Resources"]
    assert res["NatGateway1"]["Properties"]["SubnetId"] == {"Ref": "PublicSubnet1"}
    assert res["NatGateway2"]["Properties"]["SubnetId"] == {"Ref": "PublicSubnet2"}
    assert res["PrivateAppDefaultRoute2"]["Properties"]["NatGatewayId"] == {"Ref": "NatGateway2"}
    assoc = res["PrivateAppSubnet2RouteTableAssociation"]["Properties"]
    assert assoc["RouteTableId"] == {"Ref": "PrivateAppRouteTable2"}
    # the same AZ index for the subnet and its NAT
    assert res["PrivateAppSubnet2"]["Properties"]["AvailabilityZone"] == {
        "Fn::Select": [1, {"Fn::GetAZs": ""}]
    }


def test_data_tier_never_routes_to_the_internet() -> None:
    template = build(nat="per_az")
    data_routes = [
        r
        for r in of_type(template, "AWS::EC2::Route").values()
        if r["Properties"]["RouteTableId"] == {"Ref": "PrivateDataRouteTable"}
    ]
    assert data_routes == []


def test_public_tier_routes_to_the_igw_and_maps_no_public_ips() -> None:
    template = build()
    route = template["Resources"]["PublicDefaultRoute"]
    assert route["Properties"]["GatewayId"] == {"Ref": "InternetGateway"}
    assert route["DependsOn"] == "InternetGatewayAttachment"
    for subnet in of_type(template, "AWS::EC2::Subnet").values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


def test_endpoints() -> None:
    template = build(
        gateway_endpoints=["s3", "dynamodb"],
        interface_endpoints=["ecr.api", "secretsmanager"],
        interface_endpoint_tier="private_data",
    )
    res = template["Resources"]
    s3 = res["S3GatewayEndpoint"]["Properties"]
    assert s3["VpcEndpointType"] == "Gateway"
    assert s3["ServiceName"] == {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"}
    assert {t["Ref"] for t in s3["RouteTableIds"]} == {
        "PrivateAppRouteTable1",
        "PrivateDataRouteTable",
    }
    ecr = res["EcrApiEndpoint"]["Properties"]
    assert ecr["VpcEndpointType"] == "Interface"
    assert ecr["PrivateDnsEnabled"] is True
    assert ecr["SubnetIds"] == [{"Ref": "PrivateDataSubnet1"}, {"Ref": "PrivateDataSubnet2"}]
    sg = res["EndpointSecurityGroup"]["Properties"]
    assert sg["SecurityGroupIngress"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "CidrIp": "10.0.0.0/16",
            "Description": "HTTPS from inside the VPC",
        }
    ]
    # endpoints need no egress: the group carries the match-nothing rule, not allow-all
    assert sg["SecurityGroupEgress"][0]["CidrIp"] == "255.255.255.255/32"
    assert "EndpointSecurityGroupId" in template["Outputs"]


def test_flow_logs_go_to_a_log_group_with_retention() -> None:
    template = build(flow_logs={"retention_days": 90, "traffic_type": "REJECT"})
    res = template["Resources"]
    assert res["FlowLogGroup"]["Properties"]["RetentionInDays"] == 90
    flow = res["FlowLog"]["Properties"]
    assert flow["TrafficType"] == "REJECT"
    assert flow["LogGroupName"] == {"Ref": "FlowLogGroup"}
    policy = res["FlowLogRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert policy["Resource"] == [{"Fn::GetAtt": ["FlowLogGroup", "Arn"]}]
    assert "*" not in str(policy["Action"])
    assert "FlowLog" not in build(flow_logs={"enabled": False})["Resources"]


def test_production_retains_the_flow_log_group() -> None:
    prod = BuildContext(**{**CONTEXT.__dict__, "env": "prod", "production": True})
    vars_ = Network.Vars.model_validate({"cidr": "10.0.0.0/16", "subnets": {}, "nat": "none"})
    group = Network(vars_, prod).build().to_dict()["Resources"]["FlowLogGroup"]
    assert group["DeletionPolicy"] == group["UpdateReplacePolicy"] == "Retain"


def test_outputs_follow_the_tiers_present() -> None:
    vars_ = Network.Vars.model_validate(
        {"cidr": "10.0.0.0/16", "subnets": {"private_app": ["10.0.1.0/24"]}, "nat": "none"}
    )
    assert Network.output_names(vars_) == {"VpcId", "VpcCidr", "PrivateAppSubnetIds"}
    built = Network(vars_, CONTEXT).build().to_dict()
    assert set(built["Outputs"]) == Network.output_names(vars_)
    assert "InternetGateway" not in built["Resources"]


def test_pinned_availability_zones() -> None:
    template = build(availability_zones=["us-east-1a", "us-east-1b"])
    subnet = template["Resources"]["PrivateAppSubnet2"]
    assert subnet["Properties"]["AvailabilityZone"] == "us-east-1b"
    assert subnet["Metadata"]["cfn-lint"]["config"]["ignore_checks"] == ["W3010"]
