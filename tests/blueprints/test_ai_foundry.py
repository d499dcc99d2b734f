"""ai-foundry (seed 001): CloudFront -> App Runner web/api -> private App Runner ai, RDS, S3.

Every concrete value the seed states, per environment, in the rendered templates.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from blueprints.support import (
    granted_actions,
    load_cfn,
    one,
    param_source,
    rendered,
    resources,
    statements,
)

ENVS = ["dev", "staging", "prod"]
APP = "ai-foundry"
DOMAINS = {
    "dev": "dev.ai.example.com",
    "staging": "staging.ai.example.com",
    "prod": "ai.example.com",
}
ZONE = "Z0AIFOUNDRY0ZONE01"
SUBNETS = {
    "Public": ["10.20.0.0/24", "10.20.1.0/24"],
    "PrivateApp": ["10.20.10.0/24", "10.20.11.0/24"],
    "PrivateData": ["10.20.20.0/24", "10.20.21.0/24"],
}
NATS = {"dev": 1, "staging": 1, "prod": 2}  # §7: one per AZ in prod, single in dev/staging
MAX_CONNECTIONS = {"dev": "150", "staging": "150", "prod": "400"}
# AWS managed policy ids the cdn blueprint resolves names to.
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def stack(env: str, name: str) -> dict[str, Any]:
    return rendered()[env]["stacks"][f"{APP}/{name}"]


def source(env: str, name: str, value: Any) -> tuple[str, str]:
    """The (stack, output) a `{"Ref": param}` is filled from at deploy time."""
    found = param_source(env, f"{APP}/{name}", value)
    assert found["kind"] == "stack_output", found
    return found["stack"].removeprefix(f"{APP}/"), found["output"]


def manifest_stack(env: str, name: str) -> dict[str, Any]:
    return rendered()[env]["manifest"]["stacks"][f"{APP}/{name}"]


def sub_text(value: Any) -> str:
    """The string of a `!Sub` (or a plain string)."""
    if isinstance(value, dict):
        inner = value["Fn::Sub"]
        return inner if isinstance(inner, str) else inner[0]
    return value


def by_sid(role: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements(role) if "Sid" in s}


# --- §2, §7: network ---------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_one_vpc_two_azs_three_tiers(env: str) -> None:
    network = stack(env, "network")
    assert one(network, "AWS::EC2::VPC")["Properties"]["CidrBlock"] == "10.20.0.0/16"
    subnets = resources(network, "AWS::EC2::Subnet")
    for tier, cidrs in SUBNETS.items():
        assert [subnets[f"{tier}Subnet{i + 1}"]["Properties"]["CidrBlock"] for i in range(2)] == (
            cidrs
        )
        azs = [subnets[f"{tier}Subnet{i + 1}"]["Properties"]["AvailabilityZone"] for i in range(2)]
        assert azs[0] != azs[1]  # A and B
    assert len(subnets) == 6


@pytest.mark.parametrize("env", ENVS)
def test_nat_one_per_az_in_prod_single_elsewhere(env: str) -> None:
    network = stack(env, "network")
    nats = resources(network, "AWS::EC2::NatGateway")
    assert len(nats) == NATS[env]
    assert {n["Properties"]["SubnetId"]["Ref"] for n in nats.values()} == {
        f"PublicSubnet{i + 1}" for i in range(NATS[env])
    }
    routes = resources(network, "AWS::EC2::Route")
    nat_routes = {
        name: r["Properties"]["NatGatewayId"]["Ref"]
        for name, r in routes.items()
        if "NatGatewayId" in r["Properties"]
    }
    assert sorted(nat_routes.values()) == sorted(nats)  # private app -> its AZ's NAT
    # Data subnets never route to the internet (§2).
    data_table = network["Resources"]["PrivateDataRouteTable"]
    assert data_table["Type"] == "AWS::EC2::RouteTable"
    assert not [
        r
        for r in routes.values()
        if r["Properties"]["RouteTableId"] == {"Ref": "PrivateDataRouteTable"}
    ]


@pytest.mark.parametrize("env", ENVS)
def test_s3_gateway_and_the_seed_interface_endpoints_in_the_data_subnets(env: str) -> None:
    network = stack(env, "network")
    endpoints = resources(network, "AWS::EC2::VPCEndpoint")
    kinds = {
        sub_text(e["Properties"]["ServiceName"]).split("}.", 1)[1]: e["Properties"]
        for e in endpoints.values()
    }
    assert {k: p["VpcEndpointType"] for k, p in kinds.items()} == {
        "s3": "Gateway",
        "secretsmanager": "Interface",
        "ecr.api": "Interface",
        "ecr.dkr": "Interface",
        "logs": "Interface",
        "sts": "Interface",
    }
    # S3 traffic from app and data tiers takes the gateway, not the NAT (§2, §7).
    tables = {t["Ref"] for t in kinds["s3"]["RouteTableIds"]}
    assert "PrivateDataRouteTable" in tables
    assert {f"PrivateAppRouteTable{i + 1}" for i in range(NATS[env])} <= tables
    for name, props in kinds.items():
        if name != "s3":
            assert props["SubnetIds"] == [
                {"Ref": "PrivateDataSubnet1"},
                {"Ref": "PrivateDataSubnet2"},
            ]
            assert props["PrivateDnsEnabled"] is True


@pytest.mark.parametrize("env", ENVS)
def test_nat_egress_alarm_per_nat_on_bytes_out_to_destination(env: str) -> None:
    network = stack(env, "network")
    alarms = resources(network, "AWS::CloudWatch::Alarm")
    assert len(alarms) == NATS[env]
    gb = {"dev": 5, "staging": 5, "prod": 50}[env]
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert props["Namespace"] == "AWS/NATGateway"
        assert props["MetricName"] == "BytesOutToDestination"
        assert props["Threshold"] == gb * 1024**3
        assert props["Period"] == 3600
    dims = {a["Properties"]["Dimensions"][0]["Value"]["Ref"] for a in alarms.values()}
    assert dims == set(resources(network, "AWS::EC2::NatGateway"))


# --- §3: App Runner services and security groups ------------------------------------------


def service(env: str, name: str) -> dict[str, Any]:
    return one(stack(env, name), "AWS::AppRunner::Service")["Properties"]


@pytest.mark.parametrize("env", ENVS)
def test_web_is_public_without_a_vpc_connector(env: str) -> None:
    web = stack(env, "web")
    props = service(env, "web")
    assert props["NetworkConfiguration"]["IngressConfiguration"]["IsPubliclyAccessible"] is True
    assert props["NetworkConfiguration"]["EgressConfiguration"] == {"EgressType": "DEFAULT"}
    assert not resources(web, "AWS::AppRunner::VpcConnector")
    assert not resources(web, "AWS::EC2::SecurityGroup")


@pytest.mark.parametrize("env", ENVS)
def test_api_is_public_with_a_connector_into_the_private_app_subnets(env: str) -> None:
    api = stack(env, "api")
    props = service(env, "api")
    assert props["NetworkConfiguration"]["IngressConfiguration"]["IsPubliclyAccessible"] is True
    egress = props["NetworkConfiguration"]["EgressConfiguration"]
    assert egress["EgressType"] == "VPC"
    connector = one(api, "AWS::AppRunner::VpcConnector")["Properties"]
    assert source(env, "api", connector["Subnets"]) == ("network", "PrivateAppSubnetIds")
    env_vars = {
        v["Name"]: v["Value"]
        for v in props["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"][
            "RuntimeEnvironmentVariables"
        ]
    }
    assert source(env, "api", env_vars["AI_SERVICE_URL"]) == ("ai", "PrivateUrl")
    # §4: through RDS Proxy in prod, straight to the instance elsewhere.
    db_host = ("proxy", "ProxyEndpoint") if env == "prod" else ("database", "Endpoint")
    assert source(env, "api", env_vars["DB_HOST"]) == db_host


@pytest.mark.parametrize("env", ENVS)
def test_ai_has_private_ingress_only_and_egress_through_the_vpc(env: str) -> None:
    ai = stack(env, "ai")
    props = service(env, "ai")
    assert props["NetworkConfiguration"]["IngressConfiguration"]["IsPubliclyAccessible"] is False
    assert props["NetworkConfiguration"]["EgressConfiguration"]["EgressType"] == "VPC"
    endpoint = one(ai, "AWS::EC2::VPCEndpoint")["Properties"]
    assert sub_text(endpoint["ServiceName"]).endswith(".apprunner.requests")
    assert source(env, "ai", endpoint["SubnetIds"]) == ("network", "PrivateDataSubnetIds")
    connection = one(ai, "AWS::AppRunner::VpcIngressConnection")["Properties"]
    assert connection["IngressVpcConfiguration"]["VpcEndpointId"] == {"Ref": "VpcEndpoint"}
    # sg-ai: no ingress of its own; the only way in is the rule api's stack adds (below).
    sg_ai = ai["Resources"]["VpcEndpointSecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in sg_ai
    assert not resources(ai, "AWS::EC2::SecurityGroupIngress")
    connector_sg = ai["Resources"]["VpcConnectorSecurityGroup"]["Properties"]
    assert [(r["FromPort"], r["CidrIp"]) for r in connector_sg["SecurityGroupEgress"]] == [
        (443, "0.0.0.0/0")  # AI providers through the NAT, endpoints
    ]
    assert "SecurityGroupIngress" not in connector_sg


@pytest.mark.parametrize("env", ENVS)
def test_sg_api_reaches_sg_ai_and_sg_rds_and_adds_itself_to_them(env: str) -> None:
    api = stack(env, "api")
    sg_api = api["Resources"]["VpcConnectorSecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in sg_api  # inbound reaches App Runner, not the connector
    egress = {
        (r["FromPort"], source(env, "api", r["DestinationSecurityGroupId"]))
        for r in sg_api["SecurityGroupEgress"]
        if "DestinationSecurityGroupId" in r
    }
    servers = {
        (443, ("ai", "VpcEndpointSecurityGroupId")),
        (5432, ("database", "SecurityGroupId")),
    }
    if env == "prod":
        servers.add((5432, ("proxy", "SecurityGroupId")))
    assert egress == servers
    world = [r for r in sg_api["SecurityGroupEgress"] if r.get("CidrIp") == "0.0.0.0/0"]
    assert [r["FromPort"] for r in world] == [443]  # Clerk JWKS, AI providers via NAT
    grants = {
        (g["Properties"]["FromPort"], source(env, "api", g["Properties"]["GroupId"]))
        for g in resources(api, "AWS::EC2::SecurityGroupIngress").values()
    }
    assert grants == servers
    for grant in resources(api, "AWS::EC2::SecurityGroupIngress").values():
        assert grant["Properties"]["SourceSecurityGroupId"] == {
            "Fn::GetAtt": ["VpcConnectorSecurityGroup", "GroupId"]
        }


@pytest.mark.parametrize("env", ENVS)
def test_sg_rds_accepts_only_what_its_clients_add(env: str) -> None:
    database = stack(env, "database")
    sg_rds = database["Resources"]["SecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in sg_rds  # api (and the proxy in prod) add themselves
    adders = {
        name
        for env_stacks in [rendered()[env]["stacks"]]
        for sid, template in env_stacks.items()
        if sid.startswith(f"{APP}/")
        for name in [sid.removeprefix(f"{APP}/")]
        for rule in resources(template, "AWS::EC2::SecurityGroupIngress").values()
        if source(env, name, rule["Properties"]["GroupId"]) == ("database", "SecurityGroupId")
    }
    assert adders == ({"api", "proxy"} if env == "prod" else {"api"})


# --- §6: per-service roles, secrets, KMS --------------------------------------------------


def instance_role(env: str, name: str) -> dict[str, Any]:
    return stack(env, name)["Resources"]["InstanceRole"]


XRAY = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
}


@pytest.mark.parametrize("env", ENVS)
def test_role_web_reads_its_logs_and_metrics_only(env: str) -> None:
    role = instance_role(env, "web")
    assert granted_actions(role) == XRAY | {
        "logs:DescribeLogStreams",
        "logs:FilterLogEvents",
        "logs:GetLogEvents",
        "cloudwatch:GetMetricData",
        "cloudwatch:ListMetrics",
    }
    logs = by_sid(role)["ReadOwnLogs"]["Resource"]
    assert [sub_text(r) for r in logs] == [
        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
        f"/aws/apprunner/acme-{env}-ai-foundry-web/*"
    ]


@pytest.mark.parametrize("env", ENVS)
def test_role_api_scoped_as_the_seed_lists(env: str) -> None:
    role = instance_role(env, "api")
    assert granted_actions(role) == XRAY | {
        "rds-db:connect",
        "s3:GetObject",
        "s3:PutObject",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "secretsmanager:GetSecretValue",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    sids = by_sid(role)
    uploads = f"arn:${{AWS::Partition}}:s3:::acme-{env}-ai-foundry-uploads-${{AWS::AccountId}}"
    assert [sub_text(r) for r in sids["UploadsObjects"]["Resource"]] == [uploads + "/uploads/*"]
    assert [sub_text(r) for r in sids["DatabaseIamAuth"]["Resource"]] == [
        "arn:${AWS::Partition}:rds-db:${AWS::Region}:${AWS::AccountId}:dbuser:*/foundry_api"
    ]
    secrets = {source(env, "api", r) for r in sids["ReadSecrets"]["Resource"]}
    assert secrets == {
        ("clerk-secret", "SecretArn"),
        ("internal-api-key", "SecretArn"),
        ("origin-verify", "SecretArn"),
        ("database", "MasterUserSecretArn"),
    }
    keys = {source(env, "api", r) for r in sids["DecryptSecrets"]["Resource"]}
    assert keys == {("kms-secrets", "KeyArn"), ("kms-rds", "KeyArn")}
    assert sids["DecryptSecrets"]["Condition"]["StringEquals"]["kms:ViaService"] == {
        "Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"
    }


@pytest.mark.parametrize("env", ENVS)
def test_role_ai_reads_secrets_and_strict_s3_prefixes(env: str) -> None:
    role = instance_role(env, "ai")
    assert granted_actions(role) == XRAY | {
        "s3:GetObject",
        "s3:PutObject",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "secretsmanager:GetSecretValue",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    sids = by_sid(role)
    uploads = f"arn:${{AWS::Partition}}:s3:::acme-{env}-ai-foundry-uploads-${{AWS::AccountId}}"
    assert [sub_text(r) for r in sids["ReadUploads"]["Resource"]] == [uploads + "/uploads/*"]
    assert sids["ReadUploads"]["Action"] == ["s3:GetObject"]
    assert [sub_text(r) for r in sids["Media"]["Resource"]] == [uploads + "/ai/*"]
    secrets = {source(env, "ai", r) for r in sids["ReadSecrets"]["Resource"]}
    assert secrets == {("internal-api-key", "SecretArn"), ("ai-provider-keys", "SecretArn")}
    for statement in statements(role):  # no wildcard resource except X-Ray's
        if statement["Resource"] == ["*"]:
            assert set(statement["Action"]) <= XRAY


@pytest.mark.parametrize("env", ENVS)
def test_secrets_under_the_secrets_cmk_and_never_a_value(env: str) -> None:
    for name, generated in (
        ("clerk-secret", False),
        ("ai-provider-keys", False),
        ("internal-api-key", True),
        ("origin-verify", True),
    ):
        template = stack(env, name)
        secret = one(template, "AWS::SecretsManager::Secret")["Properties"]
        assert secret["Name"] == f"acme-{env}-ai-foundry-{name}"
        assert source(env, name, secret["KmsKeyId"]) == ("kms-secrets", "KeyArn")
        assert "SecretString" not in secret
        assert ("GenerateSecretString" in secret) is generated
        policy = one(template, "AWS::SecretsManager::ResourcePolicy")["Properties"]
        [deny] = policy["ResourcePolicy"]["Statement"]
        assert deny["Effect"] == "Deny" and "aws:PrincipalAccount" in str(deny["Condition"])


@pytest.mark.parametrize("env", ENVS)
def test_customer_managed_keys_for_rds_s3_and_secrets_rotate(env: str) -> None:
    services = {
        "kms-rds": {"rds", "secretsmanager"},
        "kms-s3": {"s3"},
        "kms-secrets": {"secretsmanager"},
    }
    for name, via in services.items():
        key = one(stack(env, name), "AWS::KMS::Key")["Properties"]
        assert key["EnableKeyRotation"] is True
        found = {
            sub_text(s["Condition"]["StringEquals"]["kms:ViaService"]).split(".", 1)[0]
            for s in key["KeyPolicy"]["Statement"]
            if "kms:ViaService" in s.get("Condition", {}).get("StringEquals", {})
        }
        assert found == via
    # CloudFront (OAC) decrypts the public bucket's objects, for this account only.
    statements_ = one(stack(env, "kms-s3"), "AWS::KMS::Key")["Properties"]["KeyPolicy"]["Statement"]
    [cloudfront] = [s for s in statements_ if s["Sid"] == "CloudFrontOac"]
    assert cloudfront["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert cloudfront["Action"] == ["kms:Decrypt", "kms:DescribeKey"]


@pytest.mark.parametrize("env", ENVS)
def test_github_oidc_deploy_role_pushes_images_and_updates_services_only(env: str) -> None:
    template = stack(env, "deploy-role")
    role = one(template, "AWS::IAM::Role")["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == ["sts:AssumeRoleWithWebIdentity"]
    github_env = {"dev": "dev", "staging": "staging", "prod": "production"}[env]
    assert trust["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": [
                f"repo:acme/ai-foundry:environment:{github_env}"
            ],
        }
    }
    [policy] = role["Policies"]
    grants = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert set(grants) == {"EcrLogin", "EcrPush", "AppRunnerUpdate"}
    assert {source(env, "deploy-role", r) for r in grants["EcrPush"]["Resource"]} == {
        (f"{s}-repo", "RepositoryArn") for s in ("web", "api", "ai")
    }
    assert "ecr:PutImage" in grants["EcrPush"]["Action"]
    assert set(grants["AppRunnerUpdate"]["Action"]) == {
        "apprunner:UpdateService",
        "apprunner:StartDeployment",
        "apprunner:DescribeService",
    }
    assert [sub_text(r).rsplit(":", 1)[1] for r in grants["AppRunnerUpdate"]["Resource"]] == [
        f"service/acme-{env}-ai-foundry-{s}/*" for s in ("web", "api", "ai")
    ]
    # The services it may update are the ones the app-runner stacks name.
    for name in ("web", "api", "ai"):
        assert service(env, name)["ServiceName"] == f"acme-{env}-ai-foundry-{name}"


# --- §4: database ---------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_postgres_multi_az_kms_autoscaling_private(env: str) -> None:
    database = stack(env, "database")
    db = one(database, "AWS::RDS::DBInstance")
    props = db["Properties"]
    assert props["Engine"] == "postgres"
    assert props["MultiAZ"] is True
    assert props["StorageEncrypted"] is True
    assert source(env, "database", props["KmsKeyId"]) == ("kms-rds", "KeyArn")
    assert props["PubliclyAccessible"] is False
    assert props["DBSubnetGroupName"] == {"Ref": "SubnetGroup"}
    subnet_ids = database["Resources"]["SubnetGroup"]["Properties"]["SubnetIds"]
    assert source(env, "database", subnet_ids) == ("network", "PrivateDataSubnetIds")
    ceiling = {"dev": 100, "staging": 200, "prod": 500}[env]
    assert int(props["AllocatedStorage"]) == 20
    assert props["MaxAllocatedStorage"] == ceiling  # storage autoscaling
    assert props["ManageMasterUserPassword"] is True  # DB creds in Secrets Manager (§6)
    assert source(env, "database", props["MasterUserSecret"]["KmsKeyId"]) == ("kms-rds", "KeyArn")
    assert db["DeletionPolicy"] == "Snapshot"


@pytest.mark.parametrize("env", ENVS)
def test_parameter_group_limits_connections_and_statement_time(env: str) -> None:
    params = one(stack(env, "database"), "AWS::RDS::DBParameterGroup")["Properties"]["Parameters"]
    assert params["max_connections"] == MAX_CONNECTIONS[env]
    assert params["statement_timeout"] == "30000"
    assert params["rds.force_ssl"] == "1"


@pytest.mark.parametrize("env", ENVS)
def test_daily_backups_with_pitr_kept_a_week(env: str) -> None:
    props = one(stack(env, "database"), "AWS::RDS::DBInstance")["Properties"]
    assert props["BackupRetentionPeriod"] == 7  # >= 1 turns on PITR; 7: weekly retention
    assert props["PreferredBackupWindow"] == "03:00-03:30"  # daily
    assert props["CopyTagsToSnapshot"] is True


@pytest.mark.parametrize("env", ENVS)
def test_rds_proxy_only_in_prod(env: str) -> None:
    assert (f"{APP}/proxy" in rendered()[env]["stacks"]) is (env == "prod")
    if env != "prod":
        return
    proxy = one(stack(env, "proxy"), "AWS::RDS::DBProxy")["Properties"]
    assert proxy["RequireTLS"] is True
    assert proxy["EngineFamily"] == "POSTGRESQL"
    [auth] = proxy["Auth"]
    assert source(env, "proxy", auth["SecretArn"]) == ("database", "MasterUserSecretArn")
    target = one(stack(env, "proxy"), "AWS::RDS::DBProxyTargetGroup")["Properties"]
    assert source(env, "proxy", target["DBInstanceIdentifiers"][0]) == (
        "database",
        "DBInstanceIdentifier",
    )


# --- §5: buckets ----------------------------------------------------------------------------


def bucket_statements(env: str, name: str) -> dict[str, dict[str, Any]]:
    policy = one(stack(env, name), "AWS::S3::BucketPolicy")["Properties"]["PolicyDocument"]
    return {s["Sid"]: s for s in policy["Statement"]}


@pytest.mark.parametrize("env", ENVS)
def test_uploads_is_private_kms_tiered_and_closed_to_other_accounts(env: str) -> None:
    bucket = one(stack(env, "uploads"), "AWS::S3::Bucket")["Properties"]
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["BucketKeyEnabled"] is True
    assert source(env, "uploads", rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]) == (
        "kms-s3",
        "KeyArn",
    )
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["tiering"]["Transitions"] == [
        {"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
        {"StorageClass": "GLACIER", "TransitionInDays": 90},
    ]
    deny = bucket_statements(env, "uploads")["DenyOtherAccounts"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert deny["Condition"]["StringNotEquals"] == {
        "aws:PrincipalAccount": {"Ref": "AWS::AccountId"}
    }
    # Browsers PUT to the pre-signed URL from the env's own origin only.
    [cors] = bucket["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedOrigins"] == [f"https://{DOMAINS[env]}"]
    assert cors["AllowedMethods"] == ["PUT"]


@pytest.mark.parametrize("env", ENVS)
def test_public_bucket_is_read_by_cloudfront_oac_only(env: str) -> None:
    bucket = one(stack(env, "public"), "AWS::S3::Bucket")["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    grants = bucket_statements(env, "public")
    read = grants["AllowCloudFrontRead"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == ["s3:GetObject"]
    assert sub_text(read["Condition"]["StringLike"]["AWS:SourceArn"]) == (
        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*"
    )
    assert {s["Effect"] for s in grants.values()} == {"Allow", "Deny"}
    assert [s for s in grants.values() if s["Effect"] == "Allow"] == [read]


@pytest.mark.parametrize("env", ENVS)
def test_ecr_repositories_with_registry_enhanced_scanning(env: str) -> None:
    names = {
        one(stack(env, f"{s}-repo"), "AWS::ECR::Repository")["Properties"]["RepositoryName"]
        for s in ("web", "api", "ai")
    }
    assert names == {f"acme/{env}/ai-foundry/{s}" for s in ("web", "api", "ai")}
    scanning = one(stack(env, "web-repo"), "AWS::ECR::RegistryScanningConfiguration")
    assert scanning["Properties"]["ScanType"] == "ENHANCED"
    [rule] = scanning["Properties"]["Rules"]
    assert rule["ScanFrequency"] == "CONTINUOUS_SCAN"
    [repo_filter] = rule["RepositoryFilters"]
    assert repo_filter == {"Filter": "acme/*/ai-foundry/*", "FilterType": "WILDCARD"}
    assert all(re.fullmatch(repo_filter["Filter"].replace("*", ".*"), n) for n in names)
    # One registry setting per account and region: only one stack carries it.
    carriers = [
        sid
        for sid, t in rendered()[env]["stacks"].items()
        if resources(t, "AWS::ECR::RegistryScanningConfiguration")
    ]
    assert carriers == [f"{APP}/web-repo"]


# --- §1: edge -------------------------------------------------------------------------------


def distribution(env: str) -> dict[str, Any]:
    return one(stack(env, "cdn"), "AWS::CloudFront::Distribution")["Properties"][
        "DistributionConfig"
    ]


@pytest.mark.parametrize("env", ENVS)
def test_graphql_and_api_go_to_the_api_origin_everything_else_to_static(env: str) -> None:
    config = distribution(env)
    origins = {o["Id"]: o for o in config["Origins"]}
    assert set(origins) == {"web", "api", "public"}
    assert source(env, "cdn", origins["web"]["DomainName"]) == ("web", "ServiceUrl")
    assert source(env, "cdn", origins["api"]["DomainName"]) == ("api", "ServiceUrl")
    for origin in ("web", "api"):
        custom = origins[origin]["CustomOriginConfig"]
        assert custom["OriginProtocolPolicy"] == "https-only"
        assert custom["OriginSSLProtocols"] == ["TLSv1.2"]
    assert origins["public"]["OriginAccessControlId"] == {
        "Fn::GetAtt": ["OriginAccessControl", "Id"]
    }
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "web"
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == CACHING_OPTIMIZED
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert list(behaviours) == ["/graphql", "/api/*", "/assets/*"]
    for path in ("/graphql", "/api/*"):
        assert behaviours[path]["TargetOriginId"] == "api"
        assert behaviours[path]["CachePolicyId"] == CACHING_DISABLED  # per-user answers
        assert "POST" in behaviours[path]["AllowedMethods"]
    assert behaviours["/assets/*"]["TargetOriginId"] == "public"
    assert behaviours["/assets/*"]["CachePolicyId"] == CACHING_OPTIMIZED  # long TTLs
    assert all(
        b["ViewerProtocolPolicy"] == "redirect-to-https"
        for b in [config["DefaultCacheBehavior"], *behaviours.values()]
    )


@pytest.mark.parametrize("env", ENVS)
def test_api_origin_carries_the_origin_verify_secret_as_a_reference(env: str) -> None:
    config = distribution(env)
    [header] = {o["Id"]: o for o in config["Origins"]}["api"]["OriginCustomHeaders"]
    assert header["HeaderName"] == "X-Origin-Verify"
    assert header["HeaderValue"] == (
        "{{resolve:secretsmanager:" + f"acme-{env}-ai-foundry-origin-verify" + "}}"
    )
    # The secret the header names is the one this env's origin-verify stack creates.
    secret = one(stack(env, "origin-verify"), "AWS::SecretsManager::Secret")["Properties"]
    assert secret["Name"] == f"acme-{env}-ai-foundry-origin-verify"
    assert f"{APP}/origin-verify" in manifest_stack(env, "cdn")["depends_on"]


@pytest.mark.parametrize("env", ENVS)
def test_custom_domain_tls_waf_and_route53_aliases(env: str) -> None:
    config = distribution(env)
    assert config["Aliases"] == [DOMAINS[env]]
    cert = config["ViewerCertificate"]
    assert source(env, "cdn", cert["AcmCertificateArn"]) == ("certificate", "CertificateArn")
    assert cert["MinimumProtocolVersion"].startswith("TLSv1.2")
    assert source(env, "cdn", config["WebACLId"]) == ("waf", "WebAclArn")
    records = resources(stack(env, "cdn"), "AWS::Route53::RecordSet")
    assert sorted(r["Properties"]["Type"] for r in records.values()) == ["A", "AAAA"]
    for record in records.values():
        assert record["Properties"]["Name"] == DOMAINS[env]
        assert record["Properties"]["HostedZoneId"] == ZONE
    certificate = one(stack(env, "certificate"), "AWS::CertificateManager::Certificate")
    assert certificate["Properties"]["DomainName"] == DOMAINS[env]
    assert certificate["Properties"]["ValidationMethod"] == "DNS"


@pytest.mark.parametrize("env", ENVS)
def test_waf_rate_limit_managed_rules_and_introspection_in_stage_and_prod(env: str) -> None:
    acl = one(stack(env, "waf"), "AWS::WAFv2::WebACL")["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    rules = {r["Name"]: r for r in acl["Rules"]}
    rate = rules["RateLimitPerIp"]["Statement"]["RateBasedStatement"]
    assert (rate["Limit"], rate["EvaluationWindowSec"], rate["AggregateKeyType"]) == (
        2000,
        300,
        "IP",
    )
    managed = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in acl["Rules"]
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert managed == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    introspection = rules.get("BlockGraphqlIntrospection")
    assert (introspection is not None) is (env != "dev")  # §1: stage/prod only
    if introspection is not None:
        searched = {
            s["ByteMatchStatement"]["SearchString"]
            for s in introspection["Statement"]["OrStatement"]["Statements"]
        }
        assert searched == {"__schema"}


@pytest.mark.parametrize("env", ENVS)
def test_web_acl_and_certificate_live_in_us_east_1(env: str) -> None:
    for name in ("waf", "certificate"):
        assert manifest_stack(env, name)["region"] == "us-east-1"
    params = manifest_stack(env, "cdn")["parameters"]
    sources = {p["source"].get("stack") for p in params.values()}
    assert {f"{APP}/waf", f"{APP}/certificate"} <= sources


def only_app(text: str, app: str) -> str:
    """A config file with every app but `app` cut out (apps are the 2-space keys under
    `apps:`), so the test depends on nothing another app does in eu-west-1."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        key = re.match(r"^  ([a-z][a-z0-9-]*):\s*$", line)
        if key:
            skipping = key.group(1) != app
        elif re.match(r"^\S", line):
            skipping = False
        if not skipping:
            kept.append(line)
    return "".join(kept)


def test_in_eu_west_1_the_global_pieces_stay_in_us_east_1(project: Path) -> None:
    """The app in eu-west-1: WAF and certificate stacks pinned to us-east-1, the distribution
    in the app's region taking their ARNs as cross-region Parameters."""
    from infragen.render.render import render_env
    from infragen.render.service import load_envs

    config = project / "config"
    for path in config.glob("*.yaml"):
        path.write_text(only_app(path.read_text(), APP))
    defaults = config / "defaults.yaml"
    text = defaults.read_text()
    assert re.search(r"(?m)^region: us-east-1$", text)
    defaults.write_text(re.sub(r"(?m)^region: us-east-1$", "region: eu-west-1", text, count=1))
    [env] = load_envs(config, ["prod"])
    result = render_env(env)
    manifest = result.manifest
    assert {sid.split("/")[0] for sid in manifest["stacks"]} == {APP}
    stacks = manifest["stacks"]
    assert len(stacks) == len(rendered()["prod"]["stacks"]) - sum(
        not sid.startswith(f"{APP}/") for sid in rendered()["prod"]["stacks"]
    )
    assert manifest["region"] == "eu-west-1"
    pinned = {sid for sid, s in stacks.items() if s["region"] == "us-east-1"}
    assert pinned == {f"{APP}/waf", f"{APP}/certificate"}
    assert {s["region"] for sid, s in stacks.items() if sid not in pinned} == {"eu-west-1"}
    cdn = stacks[f"{APP}/cdn"]
    by_output = {
        (p["source"]["stack"], p["source"]["output"]): name
        for name, p in cdn["parameters"].items()
        if p["source"]["kind"] == "stack_output"
    }
    assert {f"{APP}/certificate", f"{APP}/waf"} <= set(cdn["depends_on"])
    # The template uses those Parameters where CloudFront takes the ARNs.
    config_ = one(load_cfn(result.stacks[f"{APP}/cdn"].body), "AWS::CloudFront::Distribution")[
        "Properties"
    ]["DistributionConfig"]
    assert config_["ViewerCertificate"]["AcmCertificateArn"] == {
        "Ref": by_output[(f"{APP}/certificate", "CertificateArn")]
    }
    assert config_["WebACLId"] == {"Ref": by_output[(f"{APP}/waf", "WebAclArn")]}


# --- §10, §14: alarms and budget ------------------------------------------------------------


def alarm_metrics(env: str, name: str) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in resources(stack(env, name), "AWS::CloudWatch::Alarm").values()
    }


@pytest.mark.parametrize("env", ENVS)
def test_alarms_api_5xx_db_cpu_storage_connections_ai_errors(env: str) -> None:
    api = alarm_metrics(env, "api")
    assert api["5xxStatusResponses"]["Namespace"] == "AWS/AppRunner"
    assert api["5xxStatusResponses"]["Threshold"] == 10
    assert api["RequestLatency"]["ExtendedStatistic"] == "p99"
    assert alarm_metrics(env, "ai")["5xxStatusResponses"]["Threshold"] == 10
    db = alarm_metrics(env, "database")
    assert db["CPUUtilization"]["Threshold"] == 80  # §10: DB CPU > 80 %
    assert db["CPUUtilization"]["ComparisonOperator"] == "GreaterThanThreshold"
    free_gb = {"dev": 5, "staging": 5, "prod": 20}[env]
    assert db["FreeStorageSpace"]["Threshold"] == free_gb * 1024**3
    assert db["FreeStorageSpace"]["ComparisonOperator"] == "LessThanThreshold"
    assert db["DatabaseConnections"]["Threshold"] == int(MAX_CONNECTIONS[env]) * 0.8


@pytest.mark.parametrize("env", ENVS)
def test_monthly_budget_on_the_app_tag(env: str) -> None:
    budget = one(stack(env, "budget"), "AWS::Budgets::Budget")["Properties"]
    data = budget["Budget"]
    assert data["TimeUnit"] == "MONTHLY"
    assert data["BudgetLimit"] == {
        "Amount": {"dev": 300, "staging": 600, "prod": 2500}[env],
        "Unit": "USD",
    }
    assert data["CostFilters"] == {"TagKeyValue": ["user:Service$ai-foundry"]}
    kinds = {n["Notification"]["NotificationType"] for n in budget["NotificationsWithSubscribers"]}
    assert kinds == {"ACTUAL", "FORECASTED"}


# --- the new blueprint vars refuse what AWS would refuse ---------------------------------


@pytest.mark.parametrize(
    ("blueprint", "vars", "message"),
    [
        (
            "s3-bucket",
            {"lifecycle_rules": [{"id": "x", "transition_to_ia_days": 30,
                                  "transition_to_glacier_days": 45}]},
            "at least 30 days after transition_to_ia_days",
        ),
        (
            "s3-bucket",
            {"cors": [{"allowed_origins": ["*"], "allowed_methods": ["PUT"]}]},
            "is not an origin",
        ),
        (
            "network",
            {"cidr": "10.0.0.0/16", "subnets": {"private_app": ["10.0.1.0/24"]}, "nat": "none",
             "nat_alarms": {"bytes_out_gb": 1}},
            "nat_alarms watch NAT gateways",
        ),
        (
            "ecr-repository",
            {"registry_scanning": {"filters": ["Bad Name"]}},
            "String should match pattern",
        ),
    ],
)  # fmt: skip
def test_new_vars_refuse_what_aws_refuses(
    blueprint: str, vars: dict[str, Any], message: str
) -> None:
    from pydantic import ValidationError

    from infragen.testing import render_blueprint

    with pytest.raises(ValidationError, match=message):
        render_blueprint(blueprint, vars)
