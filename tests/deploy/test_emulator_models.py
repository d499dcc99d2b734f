"""infragen's emulator models (src/infragen/emulator/models): one test per resource type.

Each case deploys a tiny template with the type (and whatever it needs) through a moto
server with the models loaded, and checks CREATE_COMPLETE, the shapes of `Ref` and of
every GetAtt attribute in Outputs, an update (same physical id unless a create-only
property changed) and a delete (the resource is gone from the emulator).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

pytest.importorskip("moto.server", reason="moto[server] is not installed")

import boto3

from infragen.emulator import models

REGION = "us-east-1"
ACCOUNT = "123456789012"
ARN = f"arn:aws:{{}}:{REGION}:{ACCOUNT}:"  # no regex metacharacters: a pattern and a value

Check = Callable[[Any, str], bool]  # (boto3 session, Ref) -> does the resource exist?


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """moto's server on 127.0.0.1 with infragen's models registered: the emulator core's
    `server.start()`, or moto's own server after `models.load()` where the core is absent."""
    try:
        from infragen.emulator import server
    except ImportError:
        server = None
    if server is not None:
        emulator = server.start("127.0.0.1", 0)
        try:
            yield emulator.endpoint
        finally:
            emulator.stop()
        return
    from moto.cloudformation import parsing
    from moto.server import ThreadedMotoServer

    models.load()
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        moto.stop()


@pytest.fixture
def session(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> boto3.Session:
    """A reset emulator and a boto3 session that can only talk to it."""
    reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=30) as response:
        assert response.status == 200
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


def in_store(resource_type: str) -> Check:
    """The resource is in the models' own store (the server runs in this process)."""

    def check(_: Any, ref: str) -> bool:
        from infragen.emulator.models._base import backend

        stored = backend(ACCOUNT, REGION).resources[resource_type].values()
        return any(r.ref() == ref for r in stored)

    return check


def api(service: str, call: str, found: Callable[[Any], Any] = bool, **params: Any) -> Check:
    """The resource exists per the service's own API (moto's backend holds it).

    `params` values may use "{ref}"; `found` judges the response; an error means absent.
    """
    from botocore.exceptions import ClientError

    def check(session: Any, ref: str) -> bool:
        client = session.client(service)
        filled = {
            k: (v.format(ref=ref) if isinstance(v, str) else [x.format(ref=ref) for x in v])
            if isinstance(v, (str, list))
            else v
            for k, v in params.items()
        }
        try:
            return bool(found(getattr(client, call)(**filled)))
        except ClientError:
            return False

    return check


@dataclass
class Case:
    """One resource type: its properties, an update, and what Ref/GetAtt must look like."""

    type: str
    properties: dict[str, Any]
    update: dict[str, Any]  # merged into properties for the update
    shapes: dict[str, str]  # "Ref" or a GetAtt attribute -> regex of its value
    replaces: bool = False  # the update changes a create-only property
    extra: dict[str, Any] = field(default_factory=dict)  # resources it needs
    exists: Check | None = None  # default: in_store(type)

    @property
    def id(self) -> str:
        return self.type.removeprefix("AWS::")

    def template(self, properties: dict[str, Any]) -> str:
        outputs: dict[str, Any] = {}
        for name in self.shapes:
            key = re.sub(r"[^A-Za-z0-9]", "", name)
            value = {"Ref": "R"} if name == "Ref" else {"Fn::GetAtt": ["R", name]}
            outputs[key] = {"Value": value}
        # Dependencies first: moto creates a resource a Ref reaches at once, ignoring its
        # DependsOn, so template order is what keeps a Deployment after its Method.
        resources = {**self.extra, "R": {"Type": self.type, "Properties": properties}}
        return json.dumps({"Resources": resources, "Outputs": outputs})


CASES = [
    Case(
        "AWS::AppRunner::Service",
        {"ServiceName": "web", "SourceConfiguration": {"ImageRepository": {}}},
        {"InstanceConfiguration": {"Cpu": "1 vCPU"}},
        {
            "Ref": ARN.format("apprunner") + r"service/web/[0-9a-f]{32}",
            "ServiceArn": ARN.format("apprunner") + r"service/web/[0-9a-f]{32}",
            "ServiceId": r"[0-9a-f]{32}",
            "ServiceUrl": rf"[a-z0-9]{{10}}\.{REGION}\.awsapprunner\.com",
            "Status": "RUNNING",
        },
    ),
    Case(
        "AWS::AppRunner::VpcConnector",
        {"Subnets": ["subnet-1"], "SecurityGroups": ["sg-1"]},
        {"Subnets": ["subnet-2"]},
        {
            "Ref": ARN.format("apprunner") + r"vpcconnector/[\w-]+/1/[0-9a-f]{32}",
            "VpcConnectorArn": ARN.format("apprunner") + r"vpcconnector/[\w-]+/1/[0-9a-f]{32}",
            "VpcConnectorRevision": "1",
        },
        replaces=True,
    ),
    Case(
        "AWS::AppRunner::AutoScalingConfiguration",
        {"AutoScalingConfigurationName": "web", "MinSize": 1, "MaxSize": 2},
        {"MaxSize": 5},
        {
            "Ref": ARN.format("apprunner") + r"autoscalingconfiguration/web/\d+/[0-9a-f]{32}",
            "AutoScalingConfigurationArn": ARN.format("apprunner")
            + r"autoscalingconfiguration/web/\d+/[0-9a-f]{32}",
            "AutoScalingConfigurationRevision": r"\d+",
            "Latest": "true",
        },
        replaces=True,
    ),
    Case(
        "AWS::AppRunner::ObservabilityConfiguration",
        {"TraceConfiguration": {"Vendor": "AWSXRAY"}},
        {"Tags": [{"Key": "a", "Value": "b"}]},
        {
            "Ref": ARN.format("apprunner") + r"observabilityconfiguration/[\w-]+/1/[0-9a-f]{32}",
            "ObservabilityConfigurationArn": ARN.format("apprunner")
            + r"observabilityconfiguration/[\w-]+/1/[0-9a-f]{32}",
            "ObservabilityConfigurationRevision": "1",
            "Latest": "true",
        },
        replaces=True,
    ),
    Case(
        "AWS::AppRunner::VpcIngressConnection",
        {
            "ServiceArn": "arn:aws:apprunner:us-east-1:123456789012:service/web/0123",
            "IngressVpcConfiguration": {"VpcId": "vpc-1", "VpcEndpointId": "vpce-1"},
        },
        {"IngressVpcConfiguration": {"VpcId": "vpc-1", "VpcEndpointId": "vpce-2"}},
        {
            "Ref": ARN.format("apprunner") + r"vpcingressconnection/[\w-]+/[0-9a-f]{32}",
            "VpcIngressConnectionArn": ARN.format("apprunner")
            + r"vpcingressconnection/[\w-]+/[0-9a-f]{32}",
            "DomainName": rf"[a-z0-9]{{10}}\.[a-z0-9]{{10}}\.{REGION}\.awsapprunner\.com",
            "Status": "AVAILABLE",
        },
    ),
]


VPC = {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}},
    "SubnetA": {
        "Type": "AWS::EC2::Subnet",
        "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.9.1.0/24"},
    },
    "SubnetB": {
        "Type": "AWS::EC2::Subnet",
        "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.9.2.0/24"},
    },
}
SUBNETS = [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}]
SECRET = {
    "S": {
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {"Name": "db-credentials", "SecretString": "x"},
    }
}
TARGET = {
    "ServiceNamespace": "dynamodb",
    "ResourceId": "table/orders",
    "ScalableDimension": "dynamodb:table:ReadCapacityUnits",
    "MinCapacity": 1,
    "MaxCapacity": 10,
}
REST_API = {
    "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "rest"}},
    "Get": {
        "Type": "AWS::ApiGateway::Method",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
            "HttpMethod": "GET",
            "AuthorizationType": "NONE",
            "Integration": {"Type": "MOCK", "IntegrationHttpMethod": "GET", "Uri": "none"},
        },
    },
    "Deployment": {
        "Type": "AWS::ApiGateway::Deployment",
        "DependsOn": "Get",
        "Properties": {"RestApiId": {"Ref": "Api"}},
    },
}
ECS_SERVICE = {
    "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterName": "apps"}},
    "Task": {
        "Type": "AWS::ECS::TaskDefinition",
        "Properties": {
            "Family": "web",
            "ContainerDefinitions": [{"Name": "web", "Image": "nginx", "Memory": 512}],
        },
    },
    "Service": {
        "Type": "AWS::ECS::Service",
        "Properties": {
            "ServiceName": "web",
            "Cluster": {"Ref": "Cluster"},
            "TaskDefinition": {"Ref": "Task"},
            "DesiredCount": 1,
        },
    },
}
ALARM = {
    "Namespace": "AWS/ApiGateway",
    "MetricName": "5XXError",
    "Dimensions": [{"Name": "ApiName", "Value": "rest"}],
    "Statistic": "Sum",
    "Period": 300,
    "EvaluationPeriods": 1,
    "Threshold": 5,
    "ComparisonOperator": "GreaterThanThreshold",
}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

CASES += [
    Case(
        "AWS::ApiGatewayV2::Api",
        {"Name": "http", "ProtocolType": "HTTP"},
        {"Description": "changed"},
        {
            "Ref": r"[a-z0-9]{10}",
            "ApiId": r"[a-z0-9]{10}",
            "ApiEndpoint": rf"https://[a-z0-9]{{10}}\.execute-api\.{REGION}\.amazonaws\.com",
            "ExecuteApiArn": ARN.format("execute-api") + r"[a-z0-9]{10}",
        },
    ),
    Case(
        "AWS::ApiGatewayV2::Integration",
        {"ApiId": "abcdefghij", "IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://x"},
        {"PayloadFormatVersion": "1.0"},
        {"Ref": r"[a-z0-9]{7}", "IntegrationId": r"[a-z0-9]{7}"},
    ),
    Case(
        "AWS::ApiGatewayV2::Route",
        {"ApiId": "abcdefghij", "RouteKey": "ANY /"},
        {"RouteKey": "GET /"},
        {"Ref": r"[a-z0-9]{7}", "RouteId": r"[a-z0-9]{7}"},
    ),
    Case(
        "AWS::ApiGatewayV2::Stage",
        {"ApiId": "abcdefghij", "StageName": "$default", "AutoDeploy": True},
        {"AutoDeploy": False},
        {"Ref": r"\$default"},
    ),
    Case(
        "AWS::ApiGatewayV2::VpcLink",
        {"Name": "link", "SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
        {"Name": "renamed"},
        {"Ref": r"[a-z0-9]{6}", "VpcLinkId": r"[a-z0-9]{6}"},
    ),
    Case(
        "AWS::ApiGatewayV2::DomainName",
        {
            "DomainName": "api.example.com",
            "DomainNameConfigurations": [
                {"CertificateArn": "arn:aws:acm:x", "EndpointType": "REGIONAL"}
            ],
        },
        {"Tags": {"Owner": "team"}},
        {
            "Ref": r"api\.example\.com",
            "RegionalDomainName": rf"d-[a-z0-9]{{10}}\.execute-api\.{REGION}\.amazonaws\.com",
            "RegionalHostedZoneId": "Z1UJRXOUMOOFQ8",
            "DomainNameArn": rf"arn:aws:apigateway:{REGION}::/domainnames/api\.example\.com",
        },
    ),
    Case(
        "AWS::ApiGatewayV2::ApiMapping",
        {"ApiId": "abcdefghij", "DomainName": "api.example.com", "Stage": "$default"},
        {"ApiMappingKey": "v1"},
        {"Ref": r"[a-z0-9]{6}", "ApiMappingId": r"[a-z0-9]{6}"},
    ),
    Case(
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": {
                "Enabled": True,
                "Origins": [{"Id": "o", "DomainName": "b.s3.amazonaws.com"}],
            }
        },
        {
            "DistributionConfig": {
                "Enabled": False,
                "Origins": [{"Id": "o", "DomainName": "b.s3.amazonaws.com"}],
            }
        },
        {
            "Ref": r"E[A-Z0-9]{13}",
            "Id": r"E[A-Z0-9]{13}",
            "DomainName": r"d[a-z0-9]{13}\.cloudfront\.net",
        },
    ),
    Case(
        "AWS::CloudFront::OriginAccessControl",
        {"OriginAccessControlConfig": {"Name": "oac", "OriginAccessControlOriginType": "s3"}},
        {"OriginAccessControlConfig": {"Name": "oac2", "OriginAccessControlOriginType": "s3"}},
        {"Ref": r"E[A-Z0-9]{13}", "Id": r"E[A-Z0-9]{13}"},
    ),
    Case(
        "AWS::WAFv2::WebACL",
        {
            "Name": "edge",
            "Scope": "CLOUDFRONT",
            "DefaultAction": {"Allow": {}},
            "Rules": [
                {
                    "Name": "Common",
                    "Priority": 0,
                    "Statement": {
                        "ManagedRuleGroupStatement": {
                            "VendorName": "AWS",
                            "Name": "AWSManagedRulesCommonRuleSet",
                        }
                    },
                }
            ],
        },
        {"DefaultAction": {"Block": {}}},
        {
            "Ref": rf"edge\|{UUID}\|CLOUDFRONT",
            "Arn": rf"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/edge/{UUID}",
            "Id": UUID,
            "Capacity": r"\d+",
            "LabelNamespace": rf"awswaf:{ACCOUNT}:webacl:edge:",
        },
    ),
    Case(
        "AWS::WAFv2::LoggingConfiguration",
        {
            "ResourceArn": ARN.format("wafv2") + "regional/webacl/a/1",
            "LogDestinationConfigs": [ARN.format("logs") + "log-group:aws-waf-logs-a"],
        },
        {"RedactedFields": [{"SingleHeader": {"Name": "cookie"}}]},
        {"Ref": ARN.format("wafv2") + r"regional/webacl/a/1", "ManagedByFirewallManager": "false"},
    ),
    Case(
        "AWS::WAFv2::WebACLAssociation",
        {
            "ResourceArn": "arn:aws:apprunner:us-east-1:123456789012:service/web/1",
            "WebACLArn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/a/1",
        },
        {"WebACLArn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/b/2"},
        {"Ref": r"arn:aws:apprunner:\S+\|arn:aws:wafv2:\S+"},
        replaces=True,
    ),
    Case(
        "AWS::SecretsManager::Secret",
        {
            "Name": "app/credentials",
            "GenerateSecretString": {
                "SecretStringTemplate": '{"username": "app"}',
                "GenerateStringKey": "password",
                "PasswordLength": 24,
                "ExcludeCharacters": '"@/\\',
            },
        },
        {"Description": "rotated by hand"},
        {
            "Ref": ARN.format("secretsmanager") + r"secret:app/credentials-[A-Za-z0-9]{6}",
            "Id": ARN.format("secretsmanager") + r"secret:app/credentials-[A-Za-z0-9]{6}",
        },
        exists=api("secretsmanager", "describe_secret", SecretId="{ref}"),
    ),
    Case(
        "AWS::SecretsManager::ResourcePolicy",
        {"SecretId": {"Ref": "S"}, "ResourcePolicy": {"Version": "2012-10-17", "Statement": []}},
        {"BlockPublicPolicy": True},
        {
            "Ref": ARN.format("secretsmanager") + r"secret:db-credentials-\w{6}",
            "Id": ARN.format("secretsmanager") + r"secret:db-credentials-\w{6}",
        },
        extra=SECRET,
        exists=api(
            "secretsmanager",
            "get_resource_policy",
            lambda r: r.get("ResourcePolicy"),
            SecretId="{ref}",
        ),
    ),
    Case(
        "AWS::SecretsManager::RotationSchedule",
        {
            "SecretId": {"Ref": "S"},
            "RotationLambdaARN": ARN.format("lambda") + "function:rotate",
            "RotationRules": {"AutomaticallyAfterDays": 30},
        },
        {"RotationRules": {"AutomaticallyAfterDays": 7}},
        {
            "Ref": ARN.format("secretsmanager") + r"secret:db-credentials-\w{6}",
            "Id": ARN.format("secretsmanager") + r"secret:db-credentials-\w{6}",
        },
        extra=SECRET,
        exists=api(
            "secretsmanager",
            "describe_secret",
            lambda r: r.get("RotationEnabled"),
            SecretId="{ref}",
        ),
    ),
    Case(
        "AWS::CertificateManager::Certificate",
        {"DomainName": "app.example.com", "ValidationMethod": "DNS"},
        {"DomainName": "www.example.com"},
        {
            "Ref": ARN.format("acm") + rf"certificate/{UUID}",
            "CertificateArn": ARN.format("acm") + rf"certificate/{UUID}",
        },
        replaces=True,
        exists=api("acm", "describe_certificate", CertificateArn="{ref}"),
    ),
    Case(
        "AWS::Budgets::Budget",
        {
            "Budget": {
                "BudgetName": "monthly",
                "BudgetType": "COST",
                "TimeUnit": "MONTHLY",
                "BudgetLimit": {"Amount": 100, "Unit": "USD"},
            },
            "NotificationsWithSubscribers": [
                {
                    "Notification": {
                        "NotificationType": "ACTUAL",
                        "ComparisonOperator": "GREATER_THAN",
                        "Threshold": 80,
                    },
                    "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "a@example.com"}],
                }
            ],
        },
        {
            "Budget": {
                "BudgetName": "monthly",
                "BudgetType": "COST",
                "TimeUnit": "MONTHLY",
                "BudgetLimit": {"Amount": 200, "Unit": "USD"},
            }
        },
        {"Ref": "monthly", "Id": "monthly"},
        replaces=False,
        exists=api("budgets", "describe_budget", AccountId=ACCOUNT, BudgetName="{ref}"),
    ),
    Case(
        "AWS::RDS::DBProxy",
        {
            "DBProxyName": "db-proxy",
            "EngineFamily": "POSTGRESQL",
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/proxy",
            "Auth": [{"AuthScheme": "SECRETS", "SecretArn": "arn:aws:secretsmanager:x"}],
            "VpcSubnetIds": SUBNETS,
        },
        {"RequireTLS": True},
        {
            "Ref": "db-proxy",
            "DBProxyArn": ARN.format("rds") + r"db-proxy:prx-[a-z0-9]{17}",
            "Endpoint": rf"db-proxy\.[\w-]+\.{REGION}\.rds\.amazonaws\.com",
            "VpcId": r"vpc-[0-9a-f]+",
        },
        extra=VPC,
        exists=api("rds", "describe_db_proxies", DBProxyName="{ref}"),
    ),
    Case(
        "AWS::RDS::DBProxyTargetGroup",
        {
            "DBProxyName": {"Ref": "Proxy"},
            "TargetGroupName": "default",
            "DBInstanceIdentifiers": ["db1"],
        },
        {"ConnectionPoolConfigurationInfo": {"MaxConnectionsPercent": 90}},
        {
            "Ref": ARN.format("rds") + r"target-group:prx-tg-[a-z0-9]{17}",
            "TargetGroupArn": ARN.format("rds") + r"target-group:prx-tg-[a-z0-9]{17}",
        },
        extra={
            **VPC,
            "Proxy": {
                "Type": "AWS::RDS::DBProxy",
                "Properties": {
                    "DBProxyName": "db-proxy",
                    "EngineFamily": "POSTGRESQL",
                    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/proxy",
                    "Auth": [],
                    "VpcSubnetIds": SUBNETS,
                },
            },
        },
        exists=lambda session, ref: any(
            group["TargetGroupArn"] == ref and group["IsDefault"]
            for proxy in session.client("rds").describe_db_proxies()["DBProxies"]
            for group in session.client("rds").describe_db_proxy_target_groups(
                DBProxyName=proxy["DBProxyName"]
            )["TargetGroups"]
        ),
    ),
    Case(
        "AWS::ServiceDiscovery::PrivateDnsNamespace",
        {"Name": "apps.internal", "Vpc": {"Ref": "Vpc"}},
        {"Description": "changed"},
        {
            "Ref": r"ns-\w+",
            "Id": r"ns-\w+",
            "Arn": ARN.format("servicediscovery") + r"namespace/ns-\w+",
            "HostedZoneId": r"[A-Z0-9]+",
        },
        extra=VPC,
        exists=api("servicediscovery", "get_namespace", Id="{ref}"),
    ),
    Case(
        "AWS::ServiceDiscovery::Service",
        {
            "Name": "api",
            "NamespaceId": {"Ref": "Namespace"},
            "DnsConfig": {"DnsRecords": [{"Type": "A", "TTL": 10}], "RoutingPolicy": "MULTIVALUE"},
            "HealthCheckCustomConfig": {"FailureThreshold": 1},
        },
        {"Description": "changed"},
        {
            "Ref": r"srv-\w+",
            "Id": r"srv-\w+",
            "Arn": ARN.format("servicediscovery") + r"service/srv-\w+",
            "Name": "api",
        },
        extra={
            **VPC,
            "Namespace": {
                "Type": "AWS::ServiceDiscovery::PrivateDnsNamespace",
                "Properties": {"Name": "apps.internal", "Vpc": {"Ref": "Vpc"}},
            },
        },
        exists=api("servicediscovery", "get_service", Id="{ref}"),
    ),
    Case(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ServiceNamespace": "ecs",
            "ScalableDimension": "ecs:service:DesiredCount",
            "ResourceId": {
                "Fn::Join": [
                    "/",
                    ["service", {"Ref": "Cluster"}, {"Fn::GetAtt": ["Service", "Name"]}],
                ]
            },
            "MinCapacity": 1,
            "MaxCapacity": 4,
        },
        {"MaxCapacity": 8},
        {
            "Ref": r"service/apps/web\|ecs:service:DesiredCount\|ecs",
            "Id": r"service/apps/web\|ecs:service:DesiredCount\|ecs",
        },
        extra=ECS_SERVICE,
        exists=api(
            "application-autoscaling",
            "describe_scalable_targets",
            lambda r: r["ScalableTargets"],
            ServiceNamespace="ecs",
            ResourceIds=["service/apps/web"],
        ),
    ),
    Case(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyName": "reads",
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": {"Ref": "Target"},
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 70,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "DynamoDBReadCapacityUtilization"
                },
            },
        },
        {
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 50,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "DynamoDBReadCapacityUtilization"
                },
            }
        },
        {
            "Ref": rf"arn:aws:autoscaling:{REGION}:{ACCOUNT}:scalingPolicy:{UUID}:"
            r"resource/dynamodb/table/orders:policyName/reads",
            "Arn": rf"arn:aws:autoscaling:{REGION}:{ACCOUNT}:scalingPolicy:{UUID}:"
            r"resource/dynamodb/table/orders:policyName/reads",
        },
        extra={
            "Target": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": TARGET}
        },
        exists=api(
            "application-autoscaling",
            "describe_scaling_policies",
            lambda r: r["ScalingPolicies"],
            ServiceNamespace="dynamodb",
            PolicyNames=["reads"],
        ),
    ),
    Case(
        "AWS::IAM::OIDCProvider",
        {
            "Url": "https://token.actions.githubusercontent.com",
            "ClientIdList": ["sts.amazonaws.com"],
        },
        {"ThumbprintList": ["6938fd4d98bab03faadb97b34396831e3780aea1"]},
        {
            "Ref": rf"arn:aws:iam::{ACCOUNT}:oidc-provider/token\.actions\.githubusercontent\.com",
            "Arn": rf"arn:aws:iam::{ACCOUNT}:oidc-provider/token\.actions\.githubusercontent\.com",
        },
        exists=api("iam", "get_open_id_connect_provider", OpenIDConnectProviderArn="{ref}"),
    ),
    Case(
        "AWS::ECR::RegistryScanningConfiguration",
        {
            "ScanType": "ENHANCED",
            "Rules": [
                {
                    "ScanFrequency": "CONTINUOUS_SCAN",
                    "RepositoryFilters": [{"Filter": "apps/*", "FilterType": "WILDCARD"}],
                }
            ],
        },
        {
            "Rules": [
                {
                    "ScanFrequency": "SCAN_ON_PUSH",
                    "RepositoryFilters": [{"Filter": "*", "FilterType": "WILDCARD"}],
                }
            ]
        },
        {"Ref": ACCOUNT, "RegistryId": ACCOUNT},
        exists=api(
            "ecr",
            "get_registry_scanning_configuration",
            lambda r: r["scanningConfiguration"]["scanType"] == "ENHANCED",
        ),
    ),
    Case(
        "AWS::ElastiCache::ReplicationGroup",
        {
            "ReplicationGroupId": "cache",
            "ReplicationGroupDescription": "sessions",
            "Engine": "redis",
            "CacheNodeType": "cache.t4g.micro",
            "NumCacheClusters": 2,
            "AutomaticFailoverEnabled": True,
            "TransitEncryptionEnabled": True,
            "AuthToken": "{{resolve:secretsmanager:redis-token}}",
        },
        {"ReplicationGroupDescription": "sessions and queues"},
        {
            "Ref": "cache",
            "PrimaryEndPoint.Address": r"master\.cache\.[\w.]+\.cache\.amazonaws\.com",
            "PrimaryEndPoint.Port": "6379",
            "ReaderEndPoint.Address": r"replica\.cache\.[\w.]+\.cache\.amazonaws\.com",
            "ReaderEndPoint.Port": "6379",
            "ReadEndPoint.Addresses": r"cache-001\.[\w.]+,cache-002\.[\w.]+",
            "ReadEndPoint.Ports": "6379,6379",
        },
        exists=api("elasticache", "describe_replication_groups", ReplicationGroupId="{ref}"),
    ),
    Case(
        "AWS::ElastiCache::SubnetGroup",
        {"Description": "cache subnets", "SubnetIds": SUBNETS},
        {"Description": "cache subnets (changed)"},
        {"Ref": r"emu-[a-z0-9-]+"},
        extra=VPC,
        exists=api("elasticache", "describe_cache_subnet_groups", CacheSubnetGroupName="{ref}"),
    ),
    Case(
        "AWS::ElastiCache::ParameterGroup",
        {"CacheParameterGroupFamily": "redis7", "Description": "cache", "Properties": {}},
        {"CacheParameterGroupFamily": "valkey8"},
        {"Ref": r"emu-[a-z0-9-]+", "CacheParameterGroupName": r"emu-[a-z0-9-]+"},
        replaces=True,
    ),
    Case(
        "AWS::CloudWatch::Alarm",
        {"AlarmName": "api-5xx", **ALARM},
        {"Threshold": 10},
        {"Ref": "api-5xx", "Arn": ARN.format("cloudwatch") + "alarm:api-5xx"},
        exists=api(
            "cloudwatch", "describe_alarms", lambda r: r["MetricAlarms"], AlarmNames=["{ref}"]
        ),
    ),
    Case(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": "Bucket"},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": "arn:aws:s3:::emu-bucket/*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
        {"PolicyDocument": {"Version": "2012-10-17", "Statement": []}},
        {"Ref": "emu-bucket"},
        extra={"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "emu-bucket"}}},
        exists=api("s3", "get_bucket_policy", Bucket="{ref}"),
    ),
    Case(
        "AWS::EC2::SecurityGroupEgress",
        {
            "GroupId": {"Fn::GetAtt": ["Group", "GroupId"]},
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "CidrIp": "10.0.0.0/8",
        },
        {"ToPort": 444},
        {"Ref": r"sgr-[0-9a-f]+", "Id": r"sgr-[0-9a-f]+"},
        replaces=True,
        extra={
            **VPC,
            "Group": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"GroupDescription": "g", "VpcId": {"Ref": "Vpc"}},
            },
        },
        exists=api(
            "ec2",
            "describe_security_group_rules",
            lambda r: r["SecurityGroupRules"],
            SecurityGroupRuleIds=["{ref}"],
        ),
    ),
    Case(
        "AWS::ApiGateway::Stage",
        {
            "RestApiId": {"Ref": "Api"},
            "StageName": "v1",
            "DeploymentId": {"Ref": "Deployment"},
            "TracingEnabled": True,
        },
        {"Variables": {"mode": "test"}},
        {"Ref": "v1"},
        extra=REST_API,
    ),
    Case(
        "AWS::ApiGateway::UsagePlan",
        {"UsagePlanName": "free", "Throttle": {"RateLimit": 10, "BurstLimit": 20}},
        {"Throttle": {"RateLimit": 100, "BurstLimit": 200}},
        {"Ref": r"\w+", "Id": r"\w+"},
        exists=api("apigateway", "get_usage_plan", usagePlanId="{ref}"),
    ),
    Case(
        "AWS::ApiGateway::ApiKey",
        {"Name": "web-client", "Enabled": True},
        {"Description": "the web client"},
        {"Ref": r"\w+", "APIKeyId": r"\w+"},
        exists=api("apigateway", "get_api_key", apiKey="{ref}"),
    ),
    Case(
        "AWS::ApiGateway::UsagePlanKey",
        {"KeyId": {"Ref": "Key"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "Plan"}},
        {"UsagePlanId": {"Ref": "OtherPlan"}},
        {"Ref": r"\w+:\w+"},
        replaces=True,
        extra={
            "Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": True}},
            "Plan": {"Type": "AWS::ApiGateway::UsagePlan", "Properties": {"UsagePlanName": "a"}},
            "OtherPlan": {
                "Type": "AWS::ApiGateway::UsagePlan",
                "Properties": {"UsagePlanName": "b"},
            },
        },
        exists=lambda session, ref: (
            ref.split(":")[0]
            in {
                k["id"]
                for k in session.client("apigateway").get_usage_plan_keys(
                    usagePlanId=ref.split(":")[1]
                )["items"]
            }
        ),
    ),
    Case(
        "AWS::ApiGateway::Authorizer",
        {
            "RestApiId": {"Ref": "Api"},
            "Name": "tokens",
            "Type": "TOKEN",
            "IdentitySource": "method.request.header.Authorization",
            "AuthorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:auth/invocations",
        },
        {"AuthorizerResultTtlInSeconds": 60},
        {"Ref": r"\w+", "AuthorizerId": r"\w+"},
        extra={"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "rest"}}},
    ),
    Case(
        "AWS::ApiGateway::Account",
        {"CloudWatchRoleArn": f"arn:aws:iam::{ACCOUNT}:role/apigw-logs"},
        {"CloudWatchRoleArn": f"arn:aws:iam::{ACCOUNT}:role/apigw-logs-2"},
        {"Ref": r"emu-A-R-[0-9a-f]{16}", "Id": r"emu-A-R-[0-9a-f]{16}"},
    ),
]


def outputs(cfn: Any, stack: str) -> dict[str, str]:
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def assert_shapes(case: Case, values: dict[str, str]) -> None:
    for name, pattern in case.shapes.items():
        value = values.get(re.sub(r"[^A-Za-z0-9]", "", name))
        assert value is not None, f"{case.type} {name}: no output"
        assert re.fullmatch(pattern, value), f"{case.type} {name}: {value!r} !~ {pattern!r}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_type_creates_updates_and_deletes(case: Case, session: boto3.Session) -> None:
    cfn = session.client("cloudformation")
    exists = case.exists or in_store(case.type)
    stack = "emu-" + re.sub(r"[^A-Za-z0-9]", "-", case.id)

    cfn.create_stack(StackName=stack, TemplateBody=case.template(case.properties))
    status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE"
    created = outputs(cfn, stack)
    assert_shapes(case, created)
    ref = created["Ref"]
    resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    assert {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in resources}["R"] == ref
    assert exists(session, ref)

    cfn.update_stack(StackName=stack, TemplateBody=case.template(case.properties | case.update))
    status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    assert status == "UPDATE_COMPLETE"
    updated = outputs(cfn, stack)
    assert_shapes(case, updated)
    if case.replaces:
        assert updated["Ref"] != ref
        assert not exists(session, ref)
    else:
        assert updated["Ref"] == ref
    assert exists(session, updated["Ref"])

    cfn.delete_stack(StackName=stack)
    stacks = cfn.describe_stacks(StackName=created_id(cfn, stack))["Stacks"]
    assert stacks[0]["StackStatus"] == "DELETE_COMPLETE"
    assert not exists(session, updated["Ref"])


def created_id(cfn: Any, name: str) -> str:
    """A deleted stack is described by its id only."""
    summaries = cfn.list_stacks()["StackSummaries"]
    return next(s["StackId"] for s in summaries if s["StackName"] == name)


def test_change_sets_create_and_update_a_modelled_type(session: boto3.Session) -> None:
    """infragen's default method: a model behaves the same through change sets."""
    pytest.importorskip(
        "infragen.emulator.server", reason="moto's ExecuteChangeSet needs the core's fixes"
    )
    cfn = session.client("cloudformation")
    case = next(c for c in CASES if c.type == "AWS::AppRunner::Service")

    def execute(change_set_type: str, properties: dict[str, Any]) -> dict[str, str]:
        created = cfn.create_change_set(
            StackName="emu-change-sets",
            ChangeSetName=f"infragen-{change_set_type.lower()}",
            ChangeSetType=change_set_type,
            TemplateBody=case.template(properties),
        )
        cfn.execute_change_set(ChangeSetName=created["Id"])
        return outputs(cfn, "emu-change-sets")

    first = execute("CREATE", case.properties)
    assert_shapes(case, first)
    second = execute("UPDATE", case.properties | case.update)
    assert_shapes(case, second)
    assert second["Ref"] == first["Ref"]
