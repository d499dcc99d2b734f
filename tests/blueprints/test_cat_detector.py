"""cat-detector (seed 000): HTTP API -> VPC link -> internal ALB -> Lambda; S3 events; EC2."""

from __future__ import annotations

from typing import Any

import pytest

from blueprints.support import granted_actions, one, param_source, rendered, resources, statements

ENVS = ["dev", "staging", "prod"]
APP = "cat-detector"
DOMAINS = {
    "dev": "dev.cats.example.com",
    "staging": "staging.cats.example.com",
    "prod": "cats.example.com",
}


def stack(env: str, name: str) -> dict[str, Any]:
    return rendered()[env]["stacks"][f"{APP}/{name}"]


def source(env: str, name: str, ref: dict[str, Any]) -> tuple[str, str]:
    found = param_source(env, f"{APP}/{name}", ref)
    return found["stack"], found["output"]


@pytest.mark.parametrize("env", ENVS)
def test_network_has_the_seed_endpoints(env: str) -> None:
    network = stack(env, "network")
    endpoints = resources(network, "AWS::EC2::VPCEndpoint")
    kinds = {
        e["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]: e["Properties"][
            "VpcEndpointType"
        ]
        for e in endpoints.values()
    }
    assert kinds == {
        "s3": "Gateway",
        "dynamodb": "Gateway",
        "rekognition": "Interface",
        "execute-api": "Interface",
    }
    assert len(resources(network, "AWS::EC2::NatGateway")) == 1


@pytest.mark.parametrize("env", ENVS)
def test_http_api_not_rest_routes_through_a_vpc_link_to_the_alb_listener(env: str) -> None:
    api = stack(env, "api")
    assert not resources(api, "AWS::ApiGateway::RestApi")
    assert one(api, "AWS::ApiGatewayV2::Api")["Properties"]["ProtocolType"] == "HTTP"
    integration = one(api, "AWS::ApiGatewayV2::Integration")["Properties"]
    assert integration["ConnectionType"] == "VPC_LINK"
    assert integration["IntegrationType"] == "HTTP_PROXY"
    assert source(env, "api", integration["IntegrationUri"]) == (
        "cat-detector/alb",
        "Listener80Arn",
    )
    link = one(api, "AWS::ApiGatewayV2::VpcLink")["Properties"]
    assert source(env, "api", link["SubnetIds"]) == ("cat-detector/network", "PrivateAppSubnetIds")
    stage = one(api, "AWS::ApiGatewayV2::Stage")["Properties"]
    assert stage["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["AccessLogGroup", "Arn"]}
    routes = {
        r["Properties"]["RouteKey"] for r in resources(api, "AWS::ApiGatewayV2::Route").values()
    }
    assert routes == {"ANY /", "ANY /{proxy+}"}


@pytest.mark.parametrize("env", ENVS)
def test_custom_domain_with_certificate_and_route53_alias(env: str) -> None:
    api = stack(env, "api")
    domain = one(api, "AWS::ApiGatewayV2::DomainName")["Properties"]
    assert domain["DomainName"] == DOMAINS[env]
    [config] = domain["DomainNameConfigurations"]
    assert config["CertificateArn"] == {"Ref": "Certificate"}
    assert config["SecurityPolicy"] == "TLS_1_2"
    cert = one(api, "AWS::CertificateManager::Certificate")["Properties"]
    assert cert["ValidationMethod"] == "DNS"
    records = resources(api, "AWS::Route53::RecordSet")
    assert {r["Properties"]["Type"] for r in records.values()} == {"A", "AAAA"}
    for record in records.values():
        props = record["Properties"]
        assert props["Name"] == DOMAINS[env]
        assert props["HostedZoneId"] == "Z0CATSEXAMPLE0ZONE01"
        assert props["AliasTarget"]["DNSName"] == {
            "Fn::GetAtt": ["DomainName", "RegionalDomainName"]
        }


@pytest.mark.parametrize("env", ENVS)
def test_internal_alb_spans_private_subnets_a_and_b_with_a_lambda_target(env: str) -> None:
    alb = stack(env, "alb")
    lb = one(alb, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert lb["Scheme"] == "internal"
    assert source(env, "alb", lb["Subnets"]) == ("cat-detector/network", "PrivateAppSubnetIds")
    network = stack(env, "network")
    app_subnets = resources(network, "AWS::EC2::Subnet")
    azs = {
        str(s["Properties"]["AvailabilityZone"])
        for k, s in app_subnets.items()
        if k.startswith("PrivateApp")
    }
    assert len(azs) == 2  # A and B, one per AZ
    group = one(alb, "AWS::ElasticLoadBalancingV2::TargetGroup")
    assert group["Properties"]["TargetType"] == "lambda"
    assert source(env, "alb", group["Properties"]["Targets"][0]["Id"]) == (
        "cat-detector/function",
        "FunctionArn",
    )
    permission = one(alb, "AWS::Lambda::Permission")["Properties"]
    assert permission["Principal"] == "elasticloadbalancing.amazonaws.com"
    assert f"targetgroup/{group['Properties']['Name']}/*" in permission["SourceArn"]["Fn::Sub"]
    assert group["DependsOn"] == ["DetectorTargetGroupInvokePermission"]
    sg = alb["Resources"]["SecurityGroup"]["Properties"]
    [ingress] = sg["SecurityGroupIngress"]
    assert ingress["FromPort"] == 80
    assert source(env, "alb", ingress["CidrIp"]) == ("cat-detector/network", "VpcCidr")


@pytest.mark.parametrize("env", ENVS)
def test_function_may_use_rekognition_the_upload_objects_and_the_table_only(env: str) -> None:
    role = one(stack(env, "function"), "AWS::IAM::Role")
    assert granted_actions(role) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "rekognition:DetectLabels",
        "s3:GetObject",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
    }
    by_action = {a: s["Resource"] for s in statements(role) for a in s["Action"]}
    assert by_action["s3:GetObject"] == [
        {
            "Fn::Sub": f"arn:${{AWS::Partition}}:s3:::acme-{env}-cat-detector-uploads-"
            "${AWS::AccountId}/*"
        }
    ]
    assert source(env, "function", by_action["dynamodb:Query"][0]) == (
        "cat-detector/table",
        "TableArn",
    )
    assert by_action["logs:PutLogEvents"] == [{"Fn::GetAtt": ["LogGroup", "Arn"]}]


@pytest.mark.parametrize("env", ENVS)
def test_uploads_invoke_the_function_without_a_cycle(env: str) -> None:
    uploads = stack(env, "uploads")
    bucket = one(uploads, "AWS::S3::Bucket")
    props = bucket["Properties"]
    [notification] = props["NotificationConfiguration"]["LambdaConfigurations"]
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert source(env, "uploads", notification["Function"]) == (
        "cat-detector/function",
        "FunctionArn",
    )
    permission = one(uploads, "AWS::Lambda::Permission")
    assert bucket["DependsOn"] == ["NotificationPermission1"]
    assert permission["Properties"]["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::" + props["BucketName"]["Fn::Sub"]
    }
    # secure defaults
    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"],
        True,
    )
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    policy = one(uploads, "AWS::S3::BucketPolicy")["Properties"]["PolicyDocument"]
    [deny] = policy["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize("env", ENVS)
def test_ec2_client_is_private_imdsv2_and_may_invoke_upload_and_use_the_table(env: str) -> None:
    client = stack(env, "client")
    data = one(client, "AWS::EC2::LaunchTemplate")["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    [nic] = data["NetworkInterfaces"]
    assert nic["AssociatePublicIpAddress"] is False
    assert nic["SubnetId"]["Fn::Select"][0] == 0  # private subnet A
    assert data["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True
    role = one(client, "AWS::IAM::Role")
    by_action = {a: s["Resource"] for s in statements(role) for a in s["Action"]}
    assert set(by_action) == {
        "execute-api:Invoke",
        "s3:PutObject",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
    }
    assert source(env, "client", by_action["execute-api:Invoke"][0]) == (
        "cat-detector/api",
        "InvokeResourceArn",
    )
    assert source(env, "client", by_action["s3:PutObject"][0]) == (
        "cat-detector/uploads",
        "ObjectsArn",
    )
    assert "SecurityGroupIngress" not in client["Resources"]["SecurityGroup"]["Properties"]


@pytest.mark.parametrize("env", ENVS)
def test_metadata_table_is_encrypted_recoverable_on_demand(env: str) -> None:
    table = one(stack(env, "table"), "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionPolicy"] == ("Retain" if env == "prod" else "Delete")


def test_no_world_ingress_anywhere_in_either_app() -> None:
    for env in ENVS:
        for sid, template in rendered()[env]["stacks"].items():
            if not sid.startswith(("cat-detector/", "jobs-api/")):
                continue
            for name, res in template["Resources"].items():
                rules = res["Properties"].get("SecurityGroupIngress", [])
                if res["Type"] == "AWS::EC2::SecurityGroupIngress":
                    rules = [res["Properties"]]
                for rule in rules:
                    assert rule.get("CidrIp") != "0.0.0.0/0", (env, sid, name)


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_open_routes_are_declared_public_for_review(env: str) -> None:
    """Seed 000 names no authorizer: the routes say so (W9104 would flag a forgotten one)."""
    api = rendered()[env]["stacks"]["cat-detector/api"]
    routes = resources(api, "AWS::ApiGatewayV2::Route").values()
    assert {r["Properties"]["RouteKey"] for r in routes} == {"ANY /", "ANY /{proxy+}"}
    assert all(
        r["Properties"]["AuthorizationType"] == "NONE" and r["Metadata"]["infragen"]["public"]
        for r in routes
    )
