"""tsdevstack (seed 004): CloudFront (api, app, spa) -> ALB -> Kong -> NestJS on ECS Fargate,
App Runner Next.js, private S3 SPA; RDS PostgreSQL 16 + ElastiCache Redis 7.

Every concrete value the seed states, per environment, in the rendered templates.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from blueprints.support import granted_actions, one, param_source, rendered, resources, statements

ENVS = ["dev", "staging", "prod"]
APP = "tsdevstack"
WORLD = "0.0.0.0/0"
DOMAINS = {"dev": "dev.example.com", "staging": "staging.example.com", "prod": "example.com"}
ZONE = "Z0TSDEVSTACKZONE01"
SUBNETS = {  # seed "Networking": public, private (ECS) and database subnets
    "Public": ["10.0.1.0/24", "10.0.2.0/24"],
    "PrivateApp": ["10.0.10.0/24", "10.0.20.0/24"],
    "PrivateData": ["10.0.100.0/24", "10.0.200.0/24"],
}
# "Tiers: db.t3.micro (dev) through db.r6g.large (prod)"; staging is our choice.
DB_CLASS = {"dev": "db.t3.micro", "staging": "db.t3.small", "prod": "db.r6g.large"}
MULTI_AZ = {"dev": False, "staging": False, "prod": True}  # "No (dev) / Yes (prod)"
CACHE_NODE = {"dev": "cache.t3.micro", "staging": "cache.t3.small", "prod": "cache.r6g.large"}
# The seed's tier table: vCPU, memory.
TIERS = {"micro": (0.25, 512), "small": (0.5, 1024), "medium": (1, 2048), "large": (2, 4096)}
NEXTJS_TIER = {"dev": "micro", "staging": "small", "prod": "medium"}
MANAGED = [
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
]
METADATA_IP = "169.254.169.254"
# AWS managed CloudFront policy ids.
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
DISTRIBUTIONS = {"api": "cdn-api", "app": "cdn-app", "spa": "cdn-spa"}
EDGE_WAFS = {"api": "waf-api", "app": "waf-app", "spa": "waf-spa"}
KEY = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789"

# Task tiers per env: dev as the seed's estimate (0.5 vCPU x 1 GB tasks), prod's services on
# "Production services" (medium) and Kong, which every request crosses, on large.
SIZES = {
    "dev": {"kong": "small", "auth-service": "small", "offers-service": "small"},
    "staging": {"kong": "small", "auth-service": "small", "offers-service": "small"},
    "prod": {"kong": "large", "auth-service": "medium", "offers-service": "medium"},
}
SERVICES = ["kong", "auth-service", "offers-service"]
BACKENDS = ["auth-service", "offers-service"]
DATABASES = {"kong": ("KONG_PG_DATABASE", "kong_db"), "auth-service": ("DB_NAME", "auth_db"),
             "offers-service": ("DB_NAME", "offers_db")}  # fmt: skip
SECRET_FOLDERS = {
    "kong": {"shared", "kong"},
    "auth-service": {"shared", "auth-service"},
    "offers-service": {"shared", "offers-service"},
}


def stack(env: str, name: str) -> dict[str, Any]:
    return rendered()[env]["stacks"][f"{APP}/{name}"]


def manifest_stack(env: str, name: str) -> dict[str, Any]:
    return rendered()[env]["manifest"]["stacks"][f"{APP}/{name}"]


def source(env: str, name: str, ref: Any) -> tuple[str, str]:
    """The (stack, output) a `{"Ref": param}` of `name` is filled from at deploy time."""
    found = param_source(env, f"{APP}/{name}", ref)
    assert found["kind"] == "stack_output", found
    return found["stack"].removeprefix(f"{APP}/"), found["output"]


def secret_reference(env: str, name: str) -> str:
    return "{{resolve:secretsmanager:" + f"tsdevstack/{env}/shared/{name}" + "}}"


def sub_text(value: Any) -> str:
    if isinstance(value, dict):
        inner = value["Fn::Sub"]
        return inner if isinstance(inner, str) else inner[0]
    return value


# --- Networking -----------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_vpc_and_the_three_subnet_tiers(env: str) -> None:
    network = stack(env, "network")
    assert one(network, "AWS::EC2::VPC")["Properties"]["CidrBlock"] == "10.0.0.0/16"
    subnets = resources(network, "AWS::EC2::Subnet")
    assert len(subnets) == 6
    for tier, cidrs in SUBNETS.items():
        found = [subnets[f"{tier}Subnet{i + 1}"]["Properties"] for i in range(2)]
        assert [s["CidrBlock"] for s in found] == cidrs
        assert found[0]["AvailabilityZone"] != found[1]["AvailabilityZone"]
        assert {s["MapPublicIpOnLaunch"] for s in found} == {False}


@pytest.mark.parametrize("env", ENVS)
def test_nat_per_az_in_every_env_and_no_internet_route_from_database_subnets(env: str) -> None:
    network = stack(env, "network")
    res = network["Resources"]
    nats = resources(network, "AWS::EC2::NatGateway")
    assert {n["Properties"]["SubnetId"]["Ref"] for n in nats.values()} == {
        "PublicSubnet1",
        "PublicSubnet2",
    }
    routes = [r["Properties"] for r in resources(network, "AWS::EC2::Route").values()]
    for index in (1, 2):  # each private subnet to the NAT of its own AZ
        table = res[f"PrivateAppSubnet{index}RouteTableAssociation"]["Properties"]["RouteTableId"]
        [route] = [r for r in routes if r["RouteTableId"] == table]
        nat = res[route["NatGatewayId"]["Ref"]]["Properties"]
        assert (
            res[nat["SubnetId"]["Ref"]]["Properties"]["AvailabilityZone"]
            == res[f"PrivateAppSubnet{index}"]["Properties"]["AvailabilityZone"]
        )
    assert not [r for r in routes if r["RouteTableId"] == {"Ref": "PrivateDataRouteTable"}]


# --- Data: RDS PostgreSQL 16 + ElastiCache Redis 7 -------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_postgres_16_class_multi_az_and_7_day_backups_per_env(env: str) -> None:
    database = stack(env, "database")
    db = one(database, "AWS::RDS::DBInstance")["Properties"]
    assert db["Engine"] == "postgres"
    assert db["EngineVersion"].split(".")[0] == "16"
    assert db["DBInstanceClass"] == DB_CLASS[env]
    assert db["MultiAZ"] is MULTI_AZ[env]
    assert db["BackupRetentionPeriod"] == 7
    assert db["PubliclyAccessible"] is False
    assert db["StorageEncrypted"] is True
    assert db["DBName"] == "kong_db"
    subnets = one(database, "AWS::RDS::DBSubnetGroup")["Properties"]["SubnetIds"]
    assert source(env, "database", subnets) == ("network", "PrivateDataSubnetIds")


@pytest.mark.parametrize("env", ENVS)
def test_redis_7_node_type_tls_auth_token_from_secrets_manager_per_env(env: str) -> None:
    redis = stack(env, "redis")
    group = one(redis, "AWS::ElastiCache::ReplicationGroup")["Properties"]
    assert group["Engine"] == "redis"
    assert group["EngineVersion"].split(".")[0] == "7"
    assert group["CacheNodeType"] == CACHE_NODE[env]
    assert group["AtRestEncryptionEnabled"] is True
    assert group["TransitEncryptionEnabled"] is True
    # The token is a dynamic reference to the redis-auth secret's ARN, never a value.
    [prefix, arn, suffix] = group["AuthToken"]["Fn::Join"][1]
    assert (prefix, suffix) == ("{{resolve:secretsmanager:", "}}")
    assert source(env, "redis", arn) == ("redis-auth", "SecretArn")
    assert group["MultiAZEnabled"] is (env == "prod")
    assert group["AutomaticFailoverEnabled"] is (env == "prod")
    subnets = one(redis, "AWS::ElastiCache::SubnetGroup")["Properties"]["SubnetIds"]
    assert source(env, "redis", subnets) == ("network", "PrivateDataSubnetIds")
    secret = one(stack(env, "redis-auth"), "AWS::SecretsManager::Secret")["Properties"]
    assert secret["Name"] == f"tsdevstack/{env}/shared/redis-auth-token"
    assert "SecretString" not in secret
    assert secret["GenerateSecretString"]["ExcludePunctuation"] is True  # no / " @


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize(("name", "port"), [("database", 5432), ("redis", 6379)])
def test_rds_sg_and_redis_sg_have_no_egress_and_no_ingress_of_their_own(
    env: str, name: str, port: int
) -> None:
    group = stack(env, name)["Resources"]["SecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in group  # the ECS services add themselves (below)
    [no_traffic] = group["SecurityGroupEgress"]
    assert no_traffic["CidrIp"] == "255.255.255.255/32"  # "Outbound: None"


# --- Secrets Manager ------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("origin-verify", "shared/origin-verify-token"),
        ("redis-auth", "shared/redis-auth-token"),
        ("kong-db-credentials", "kong/database"),
        ("auth-service-db-credentials", "auth-service/database"),
        ("offers-service-db-credentials", "offers-service/database"),
    ],
)
def test_secrets_live_under_tsdevstack_env_folders(env: str, name: str, path: str) -> None:
    template = stack(env, name)
    secret = one(template, "AWS::SecretsManager::Secret")["Properties"]
    assert secret["Name"] == f"tsdevstack/{env}/{path}"
    assert template["Outputs"]["SecretName"]["Value"] == f"tsdevstack/{env}/{path}"
    assert source(env, name, secret["KmsKeyId"]) == ("kms-secrets", "KeyArn")
    assert "SecretString" not in secret and "GenerateSecretString" in secret


# --- Edge: WAF ------------------------------------------------------------------------------


def web_acl(env: str, name: str) -> dict[str, Any]:
    return one(stack(env, name), "AWS::WAFv2::WebACL")["Properties"]


def rules(acl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["Name"]: r for r in acl["Rules"]}


def managed_groups(acl: dict[str, Any]) -> list[str]:
    return [
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in acl["Rules"]
        if "ManagedRuleGroupStatement" in r["Statement"]
    ]


def assert_blocks_metadata_ssrf(acl: dict[str, Any]) -> None:
    ssrf = rules(acl)["BlockMetadataSsrf"]
    assert ssrf["Action"] == {"Block": {}}
    matches = [s["ByteMatchStatement"] for s in ssrf["Statement"]["OrStatement"]["Statements"]]
    assert {m["SearchString"] for m in matches} == {METADATA_IP}
    assert {next(iter(m["FieldToMatch"])) for m in matches} == {"UriPath", "QueryString", "Body"}
    assert {m["PositionalConstraint"] for m in matches} == {"CONTAINS"}


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("distribution", sorted(EDGE_WAFS))
def test_each_distribution_has_a_cloudfront_web_acl_in_us_east_1(
    env: str, distribution: str
) -> None:
    name = EDGE_WAFS[distribution]
    assert manifest_stack(env, name)["region"] == "us-east-1"
    acl = web_acl(env, name)
    assert acl["Scope"] == "CLOUDFRONT"
    assert managed_groups(acl) == MANAGED
    assert_blocks_metadata_ssrf(acl)
    rate = rules(acl)["RateLimitPerIp"]
    assert rate["Action"] == {"Block": {}}
    statement = rate["Statement"]["RateBasedStatement"]
    # "1000 requests per 5 minutes per IP"
    assert (statement["Limit"], statement["EvaluationWindowSec"]) == (1000, 300)
    assert statement["AggregateKeyType"] == "IP"
    config = distribution_config(env, DISTRIBUTIONS[distribution])
    assert source(env, DISTRIBUTIONS[distribution], config["WebACLId"]) == (name, "WebAclArn")


@pytest.mark.parametrize("env", ENVS)
def test_app_runner_sits_behind_a_regional_web_acl_checking_the_origin_header(env: str) -> None:
    acl = web_acl(env, "waf-nextjs")
    assert acl["Scope"] == "REGIONAL"
    assert managed_groups(acl) == MANAGED
    assert_blocks_metadata_ssrf(acl)
    verify = rules(acl)["RequireOriginVerify"]
    assert verify["Action"] == {"Block": {}}
    match = verify["Statement"]["NotStatement"]["Statement"]["ByteMatchStatement"]
    assert match["FieldToMatch"] == {"SingleHeader": {"Name": "x-origin-verify"}}
    assert match["PositionalConstraint"] == "EXACTLY"
    assert match["SearchString"] == secret_reference(env, "origin-verify-token")
    [association] = resources(stack(env, "waf-nextjs"), "AWS::WAFv2::WebACLAssociation").values()
    assert source(env, "waf-nextjs", association["Properties"]["ResourceArn"]) == (
        "nextjs",
        "ServiceArn",
    )
    assert f"{APP}/origin-verify" in manifest_stack(env, "waf-nextjs")["depends_on"]
    # The header's value is never logged.
    logging = one(stack(env, "waf-nextjs"), "AWS::WAFv2::LoggingConfiguration")["Properties"]
    redacted = {f["SingleHeader"]["Name"] for f in logging["RedactedFields"]}
    assert "x-origin-verify" in redacted


def only_app(text: str, app: str) -> str:
    """A config file with every app but `app` cut out (apps are the 2-space keys under
    `apps:`), so the test depends on nothing another app does in another region."""
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


PINNED = {"edge-certificate", *EDGE_WAFS.values(), *DISTRIBUTIONS.values()}


def test_in_eu_west_1_the_cloudfront_pieces_stay_in_us_east_1(project: Path) -> None:
    """The app in eu-west-1: certificate, CLOUDFRONT web ACLs and distributions (whose 5xx
    alarms need CloudFront's us-east-1 metrics) pinned; the ARNs cross as Parameters."""
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
    stacks = render_env(env).manifest["stacks"]
    assert {sid.removeprefix(f"{APP}/") for sid in stacks} == {
        sid.removeprefix(f"{APP}/")
        for sid in rendered()["prod"]["stacks"]
        if sid.startswith(f"{APP}/")
    }
    pinned = {
        sid.removeprefix(f"{APP}/") for sid, s in stacks.items() if s["region"] == "us-east-1"
    }
    assert pinned == PINNED
    assert stacks[f"{APP}/waf-nextjs"]["region"] == "eu-west-1"  # REGIONAL, beside App Runner
    for distribution, name in DISTRIBUTIONS.items():
        sources = {
            (p["source"]["stack"], p["source"]["output"])
            for p in stacks[f"{APP}/{name}"]["parameters"].values()
            if p["source"]["kind"] == "stack_output"
        }
        assert (f"{APP}/edge-certificate", "CertificateArn") in sources
        assert (f"{APP}/{EDGE_WAFS[distribution]}", "WebAclArn") in sources


# --- Edge: CloudFront -----------------------------------------------------------------------


def distribution_config(env: str, name: str) -> dict[str, Any]:
    return one(stack(env, name), "AWS::CloudFront::Distribution")["Properties"][
        "DistributionConfig"
    ]


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("distribution", sorted(DISTRIBUTIONS))
def test_custom_domain_tls_http2_and_route53_records(env: str, distribution: str) -> None:
    name = DISTRIBUTIONS[distribution]
    config = distribution_config(env, name)
    host = f"{distribution}.{DOMAINS[env]}"
    assert config["Aliases"] == [host]
    assert config["HttpVersion"] in ("http2", "http2and3")
    certificate = config["ViewerCertificate"]
    assert source(env, name, certificate["AcmCertificateArn"]) == (
        "edge-certificate",
        "CertificateArn",
    )
    assert certificate["MinimumProtocolVersion"].startswith("TLSv1.2")
    records = resources(stack(env, name), "AWS::Route53::RecordSet")
    assert sorted(r["Properties"]["Type"] for r in records.values()) == ["A", "AAAA"]
    for record in records.values():
        assert record["Properties"]["Name"] == host
        assert record["Properties"]["HostedZoneId"] == ZONE
        assert record["Properties"]["AliasTarget"]["DNSName"] == {
            "Fn::GetAtt": ["Distribution", "DomainName"]
        }
    # One us-east-1 certificate covers the three names.
    assert manifest_stack(env, "edge-certificate")["region"] == "us-east-1"
    cert = one(stack(env, "edge-certificate"), "AWS::CertificateManager::Certificate")
    names = [cert["Properties"]["DomainName"], *cert["Properties"]["SubjectAlternativeNames"]]
    assert host in names


@pytest.mark.parametrize("env", ENVS)
def test_app_distribution_sends_origin_verify_to_app_runner(env: str) -> None:
    config = distribution_config(env, "cdn-app")
    [origin] = config["Origins"]
    assert source(env, "cdn-app", origin["DomainName"]) == ("nextjs", "ServiceUrl")
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["OriginCustomHeaders"] == [
        {
            "HeaderName": "X-Origin-Verify",
            "HeaderValue": secret_reference(env, "origin-verify-token"),
        }
    ]
    assert f"{APP}/origin-verify" in manifest_stack(env, "cdn-app")["depends_on"]
    # SSR is never cached; Next.js's hashed build assets are (edge caching).
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == CACHING_DISABLED
    [assets] = config["CacheBehaviors"]
    assert (assets["PathPattern"], assets["CachePolicyId"]) == (
        "/_next/static/*",
        CACHING_OPTIMIZED,
    )


@pytest.mark.parametrize("env", ENVS)
def test_spa_distribution_reads_private_s3_through_oac_and_routes_errors_to_index(
    env: str,
) -> None:
    template = stack(env, "cdn-spa")
    config = distribution_config(env, "cdn-spa")
    [origin] = config["Origins"]
    assert source(env, "cdn-spa", origin["DomainName"]["Fn::Sub"][1]["Bucket"]) == (
        "spa",
        "BucketName",
    )
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
    assert "OriginCustomHeaders" not in origin  # "WAF + OAC", no origin header
    oac = one(template, "AWS::CloudFront::OriginAccessControl")["Properties"]
    oac = oac["OriginAccessControlConfig"]
    assert (oac["SigningProtocol"], oac["SigningBehavior"]) == ("sigv4", "always")
    errors = {e["ErrorCode"]: e for e in config["CustomErrorResponses"]}
    assert set(errors) == {403, 404}
    for error in errors.values():
        assert (error["ResponseCode"], error["ResponsePagePath"]) == (200, "/index.html")
    # The bucket: private, versioned, read only by CloudFront.
    bucket = one(stack(env, "spa"), "AWS::S3::Bucket")["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    policy = one(stack(env, "spa"), "AWS::S3::BucketPolicy")["Properties"]["PolicyDocument"]
    [read] = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == ["s3:GetObject"]


# --- ALB: internet-facing, 4 listeners ----------------------------------------------------


def listeners(env: str) -> dict[int, dict[str, Any]]:
    alb = stack(env, "alb")
    return {
        listener["Properties"]["Port"]: listener["Properties"]
        for listener in resources(alb, "AWS::ElasticLoadBalancingV2::Listener").values()
    }


def listener_rules(env: str, port: int) -> list[dict[str, Any]]:
    alb = stack(env, "alb")
    found = [
        r["Properties"]
        for r in resources(alb, "AWS::ElasticLoadBalancingV2::ListenerRule").values()
        if r["Properties"]["ListenerArn"] == {"Ref": f"Listener{port}"}
    ]
    return sorted(found, key=lambda r: r["Priority"])


def forwards_to(rule: dict[str, Any]) -> str:
    [action] = rule["Actions"]
    assert action["Type"] == "forward"
    return action["TargetGroupArn"]["Ref"]


@pytest.mark.parametrize("env", ENVS)
def test_alb_is_internet_facing_in_the_public_subnets_with_four_listeners(env: str) -> None:
    lb = one(stack(env, "alb"), "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert lb["Scheme"] == "internet-facing"
    assert source(env, "alb", lb["Subnets"]) == ("network", "PublicSubnetIds")
    found = listeners(env)
    assert {port: found[port]["Protocol"] for port in found} == {
        80: "HTTP",
        443: "HTTPS",
        8443: "HTTPS",
        8080: "HTTP",
    }
    for port in (443, 8443):
        [certificate] = found[port]["Certificates"]
        assert source(env, "alb", certificate["CertificateArn"]) == (
            "alb-certificate",
            "CertificateArn",
        )
        assert found[port]["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    cert = one(stack(env, "alb-certificate"), "AWS::CertificateManager::Certificate")
    assert cert["Properties"]["DomainName"] == f"api.{DOMAINS[env]}"


@pytest.mark.parametrize("env", ENVS)
def test_http_80_redirects_to_https(env: str) -> None:
    [action] = listeners(env)[80]["DefaultActions"]
    assert action["Type"] == "redirect"
    assert action["RedirectConfig"] == {
        "Protocol": "HTTPS",
        "Port": "443",
        "StatusCode": "HTTP_301",
    }
    assert not listener_rules(env, 80)


@pytest.mark.parametrize("env", ENVS)
def test_https_443_forwards_to_kong_only_with_the_origin_verify_header(env: str) -> None:
    [default] = listeners(env)[443]["DefaultActions"]
    assert default["Type"] == "fixed-response"
    assert default["FixedResponseConfig"]["StatusCode"] == "403"
    [rule] = listener_rules(env, 443)
    [condition] = rule["Conditions"]
    assert condition["Field"] == "http-header"
    header = condition["HttpHeaderConfig"]
    assert header["HttpHeaderName"] == "X-Origin-Verify"
    [value] = header["Values"]
    [prefix, arn, suffix] = value["Fn::Join"][1]  # a dynamic reference, never the value
    assert (prefix, suffix) == ("{{resolve:secretsmanager:", "}}")
    assert source(env, "alb", arn) == ("origin-verify", "SecretArn")
    assert forwards_to(rule) == "KongTargetGroup"
    # The same secret the distributions send (by name) and the regional WAF checks.
    secret = one(stack(env, "origin-verify"), "AWS::SecretsManager::Secret")["Properties"]
    assert secret["Name"] == f"tsdevstack/{env}/shared/origin-verify-token"
    assert secret["GenerateSecretString"]["ExcludePunctuation"] is True  # no ALB wildcards


@pytest.mark.parametrize("env", ENVS)
def test_internal_8443_routes_by_host_and_8080_by_path(env: str) -> None:
    for port in (8443, 8080):
        [default] = listeners(env)[port]["DefaultActions"]
        assert (default["Type"], default["FixedResponseConfig"]["StatusCode"]) == (
            "fixed-response",
            "404",
        )
    hosts = {
        tuple(rule["Conditions"][0]["HostHeaderConfig"]["Values"]): forwards_to(rule)
        for rule in listener_rules(env, 8443)
    }
    assert hosts == {
        ("auth-service.tsdevstack.local",): "AuthServiceTargetGroup",
        ("offers-service.tsdevstack.local",): "OffersServiceTargetGroup",
    }
    [oidc] = listener_rules(env, 8080)
    [condition] = oidc["Conditions"]
    assert condition["Field"] == "path-pattern"
    assert "/.well-known/openid-configuration" in condition["PathPatternConfig"]["Values"]
    assert forwards_to(oidc) == "AuthServiceTargetGroup"


@pytest.mark.parametrize("env", ENVS)
def test_alb_sg_443_from_anywhere_internal_ports_from_the_vpcs_nats_out_to_ecs(env: str) -> None:
    group = stack(env, "alb")["Resources"]["SecurityGroup"]["Properties"]
    world = [r for r in group["SecurityGroupIngress"] if r.get("CidrIp") == WORLD]
    assert [(r["FromPort"], r["ToPort"]) for r in world] == [(443, 443)]
    internal = {
        (r["FromPort"], source(env, "alb", r["CidrIp"]))
        for r in group["SecurityGroupIngress"]
        if r.get("CidrIp") != WORLD
    }
    assert internal == {
        (port, ("network", f"NatGateway{n}PublicCidr")) for port in (8443, 8080) for n in (1, 2)
    }
    [placeholder] = group["SecurityGroupEgress"]  # its own template opens nothing ...
    assert placeholder["CidrIp"] == "255.255.255.255/32"
    # ... each ECS stack adds "alb-sg out to my port" (the seed's "Outbound: ECS tasks").
    outbound = set()
    for name in SERVICES:
        for egress in resources(stack(env, name), "AWS::EC2::SecurityGroupEgress").values():
            props = egress["Properties"]
            assert source(env, name, props["GroupId"]) == ("alb", "SecurityGroupId")
            assert props["DestinationSecurityGroupId"] == {
                "Fn::GetAtt": ["SecurityGroup", "GroupId"]
            }
            outbound.add((name, props["FromPort"], props["ToPort"]))
    assert outbound == {
        ("kong", 8000, 8000),
        ("auth-service", 3000, 3000),
        ("offers-service", 3000, 3000),
    }


@pytest.mark.parametrize("env", ENVS)
def test_api_distribution_sends_origin_verify_to_the_alb_and_forwards_host(env: str) -> None:
    config = distribution_config(env, "cdn-api")
    [origin] = config["Origins"]
    assert source(env, "cdn-api", origin["DomainName"]) == ("alb", "DnsName")
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["OriginCustomHeaders"] == [
        {
            "HeaderName": "X-Origin-Verify",
            "HeaderValue": secret_reference(env, "origin-verify-token"),
        }
    ]
    behavior = config["DefaultCacheBehavior"]
    assert behavior["OriginRequestPolicyId"] == ALL_VIEWER  # Host: api.<domain>, the ALB's cert
    assert behavior["CachePolicyId"] == CACHING_DISABLED
    assert "POST" in behavior["AllowedMethods"]
    assert f"{APP}/origin-verify" in manifest_stack(env, "cdn-api")["depends_on"]


# --- ECS Fargate: Kong and the NestJS services ----------------------------------------------


def ecs_service(env: str, name: str) -> dict[str, Any]:
    return one(stack(env, name), "AWS::ECS::Service")["Properties"]


def container(env: str, name: str) -> dict[str, Any]:
    task = one(stack(env, name), "AWS::ECS::TaskDefinition")["Properties"]
    [main] = task["ContainerDefinitions"]
    return main


def scaling(env: str, name: str) -> tuple[dict[str, Any], set[str]]:
    template = stack(env, name)
    target = one(template, "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"]
    metrics = {
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"][
            "PredefinedMetricSpecification"
        ]["PredefinedMetricType"]
        for p in resources(template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    }
    return target, metrics


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("name", SERVICES)
def test_tasks_sized_from_the_tier_table_in_private_subnets(env: str, name: str) -> None:
    task = one(stack(env, name), "AWS::ECS::TaskDefinition")["Properties"]
    vcpu, memory_mb = TIERS[SIZES[env][name]]
    assert (task["Cpu"], task["Memory"]) == (str(int(vcpu * 1024)), str(memory_mb))
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    service = ecs_service(env, name)
    assert service["LaunchType"] == "FARGATE"
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    assert source(env, name, network["Subnets"]) == ("network", "PrivateAppSubnetIds")
    variable, database = DATABASES[name]
    env_vars = {e["Name"]: e["Value"] for e in container(env, name)["Environment"]}
    assert env_vars[variable] == database  # separate databases per service


@pytest.mark.parametrize("env", ENVS)
def test_kong_always_runs_and_is_the_only_target_of_443(env: str) -> None:
    target, metrics = scaling(env, "kong")
    assert target["MinCapacity"] >= 1  # "Kong must always run"
    assert metrics == {"ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget"}
    [lb] = ecs_service(env, "kong")["LoadBalancers"]
    assert lb["ContainerPort"] == 8000
    assert source(env, "kong", lb["TargetGroupArn"]) == ("alb", "KongTargetGroupArn")
    cluster = one(stack(env, "kong"), "AWS::ECS::Cluster")["Properties"]
    for name in BACKENDS:  # one cluster: Kong's
        assert source(env, name, ecs_service(env, name)["Cluster"]) == ("kong", "ClusterArn")
    assert cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enabled"}]


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("name", BACKENDS)
def test_services_scale_on_cpu_and_requests_and_to_zero_outside_prod(env: str, name: str) -> None:
    target, metrics = scaling(env, name)
    assert metrics == {"ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget"}
    assert target["MinCapacity"] == (1 if env == "prod" else 0)
    assert target["MaxCapacity"] > target["MinCapacity"]
    assert "DesiredCount" not in ecs_service(env, name)  # a deploy never wakes or resets it
    [lb] = ecs_service(env, name)["LoadBalancers"]
    group = {"auth-service": "AuthService", "offers-service": "OffersService"}[name]
    assert source(env, name, lb["TargetGroupArn"]) == ("alb", f"{group}TargetGroupArn")


@pytest.mark.parametrize("env", ENVS)
def test_cloud_map_namespace_project_local_with_a_service_per_backend(env: str) -> None:
    namespace = one(stack(env, "namespace"), "AWS::ServiceDiscovery::PrivateDnsNamespace")
    assert namespace["Properties"]["Name"] == "tsdevstack.local"
    assert source(env, "namespace", namespace["Properties"]["Vpc"]) == ("network", "VpcId")
    for name in BACKENDS:
        discovery = one(stack(env, name), "AWS::ServiceDiscovery::Service")["Properties"]
        assert discovery["Name"] == name  # <service>.tsdevstack.local
        assert source(env, name, discovery["NamespaceId"]) == ("namespace", "NamespaceId")
        assert discovery["DnsConfig"]["DnsRecords"][0]["Type"] == "A"
        [registry] = ecs_service(env, name)["ServiceRegistries"]
        assert registry["RegistryArn"] == {"Fn::GetAtt": ["DiscoveryService", "Arn"]}


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("name", SERVICES)
def test_secrets_reach_task_definitions_as_arns_under_the_seed_folders(env: str, name: str) -> None:
    main = container(env, name)
    folders = set()
    for secret in main["Secrets"]:
        value = secret["ValueFrom"]
        arn = value["Fn::Join"][1][0] if "Fn::Join" in value else value
        producer, output = source(env, name, arn)
        assert output == "SecretArn"
        secret = one(stack(env, producer), "AWS::SecretsManager::Secret")["Properties"]
        project, env_name, folder, _ = secret["Name"].split("/", 3)
        assert (project, env_name) == ("tsdevstack", env), secret["Name"]
        folders.add(folder)
    assert folders == SECRET_FOLDERS[name]
    names = {e["Name"] for e in main["Environment"]}
    assert not {s["Name"] for s in main["Secrets"]} & names
    assert not any("PASSWORD" in n for n in names)


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("name", SERVICES)
def test_ecs_sg_in_from_the_alb_all_out(env: str, name: str) -> None:
    group = stack(env, name)["Resources"]["SecurityGroup"]["Properties"]
    port = 8000 if name == "kong" else 3000
    sources = {
        (r["FromPort"], source(env, name, r["SourceSecurityGroupId"]))
        for r in group["SecurityGroupIngress"]
    }
    expected = {(port, ("alb", "SecurityGroupId"))}
    if name == "offers-service":  # Cloud Map calls from auth-service (seed: Service > Service)
        expected.add((3000, ("auth-service", "SecurityGroupId")))
    assert sources == expected
    [egress] = group["SecurityGroupEgress"]
    assert (egress["IpProtocol"], egress["CidrIp"]) == ("-1", WORLD)


@pytest.mark.parametrize("env", ENVS)
def test_rds_sg_5432_and_redis_sg_6379_from_ecs_only(env: str) -> None:
    granted: dict[tuple[str, int], set[str]] = {}
    for sid, template in rendered()[env]["stacks"].items():
        if not sid.startswith(f"{APP}/"):
            continue
        name = sid.removeprefix(f"{APP}/")
        for grant in resources(template, "AWS::EC2::SecurityGroupIngress").values():
            props = grant["Properties"]
            target, _ = source(env, name, props["GroupId"])
            assert props["FromPort"] == props["ToPort"]
            assert props["SourceSecurityGroupId"] == {"Fn::GetAtt": ["SecurityGroup", "GroupId"]}
            granted.setdefault((target, props["FromPort"]), set()).add(name)
    assert granted == {
        ("database", 5432): set(SERVICES),
        ("redis", 6379): set(SERVICES),
        ("auth-service", 3000): {"offers-service"},
    }


# --- Scale-to-zero: the wake-up Lambda --------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_wakeup_lambda_may_update_only_this_apps_services(env: str) -> None:
    template = stack(env, "wakeup")
    role = one(template, "AWS::IAM::Role")
    ecs = [s for s in statements(role) if any(a.startswith("ecs:") for a in s["Action"])]
    [statement] = ecs
    assert statement["Effect"] == "Allow"
    assert set(statement["Action"]) == {"ecs:UpdateService", "ecs:DescribeServices"}
    assert {source(env, "wakeup", r) for r in statement["Resource"]} == {
        ("auth-service", "ServiceArn"),
        ("offers-service", "ServiceArn"),
    }
    assert {a.split(":")[0] for a in granted_actions(role)} == {"logs", "xray", "ecs"}
    fn = one(template, "AWS::Lambda::Function")["Properties"]
    env_vars = fn["Environment"]["Variables"]
    assert source(env, "wakeup", env_vars["ECS_CLUSTER"]) == ("kong", "ClusterName")
    assert {source(env, "wakeup", env_vars[k]) for k in ("AUTH_SERVICE", "OFFERS_SERVICE")} == {
        ("auth-service", "ServiceName"),
        ("offers-service", "ServiceName"),
    }


@pytest.mark.parametrize("env", ENVS)
def test_kong_may_invoke_exactly_the_wakeup_lambda(env: str) -> None:
    role = stack(env, "kong")["Resources"]["TaskRole"]
    [statement] = statements(role)
    assert statement["Action"] == ["lambda:InvokeFunction"]
    [resource] = statement["Resource"]
    function = one(stack(env, "wakeup"), "AWS::Lambda::Function")["Properties"]["FunctionName"]
    assert sub_text(resource) == (
        f"arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{function}"
    )
    env_vars = {e["Name"]: e["Value"] for e in container(env, "kong")["Environment"]}
    assert env_vars["WAKEUP_FUNCTION_NAME"] == function
    assert env_vars["WAKEUP_RETRY_AFTER_SECONDS"] == "45"  # Kong's 503 Retry-After


# --- App Runner (Next.js) -------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_nextjs_on_app_runner_sized_from_the_tier_table(env: str) -> None:
    service = one(stack(env, "nextjs"), "AWS::AppRunner::Service")["Properties"]
    cpu, memory_mb = TIERS[NEXTJS_TIER[env]]
    instance = service["InstanceConfiguration"]
    assert instance["Cpu"] == f"{cpu:g} vCPU"
    assert instance["Memory"] == f"{memory_mb / 1024:g} GB"
    assert service["NetworkConfiguration"]["IngressConfiguration"]["IsPubliclyAccessible"] is True
    scaling = one(stack(env, "nextjs"), "AWS::AppRunner::AutoScalingConfiguration")
    assert scaling["Properties"]["MinSize"] >= 1  # request-based scaling, always warm


# --- CloudWatch alarms ----------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_alarms_on_the_edge_and_the_data_stores(env: str) -> None:
    def metrics(name: str) -> set[str]:
        return {
            a["Properties"]["MetricName"]
            for a in resources(stack(env, name), "AWS::CloudWatch::Alarm").values()
        }

    for name in DISTRIBUTIONS.values():
        assert "5xxErrorRate" in metrics(name)
    for name in [*EDGE_WAFS.values(), "waf-nextjs"]:
        assert "BlockedRequests" in metrics(name)
    assert {"CPUUtilization", "FreeStorageSpace"} <= metrics("database")
    assert {"CPUUtilization", "DatabaseMemoryUsagePercentage", "Evictions"} <= metrics("redis")
    assert "5xxStatusResponses" in metrics("nextjs")


# --- security by default --------------------------------------------------------------------


def test_no_world_ingress_except_the_alb_on_443() -> None:
    for env in ENVS:
        for sid, template in rendered()[env]["stacks"].items():
            if not sid.startswith(f"{APP}/"):
                continue
            for name, res in template["Resources"].items():
                rules_ = res["Properties"].get("SecurityGroupIngress", [])
                if res["Type"] == "AWS::EC2::SecurityGroupIngress":
                    rules_ = [res["Properties"]]
                for rule in rules_:
                    if rule.get("CidrIp") == WORLD:
                        assert (sid, name) == (f"{APP}/alb", "SecurityGroup"), (env, sid, name)
                        assert (rule["FromPort"], rule["ToPort"]) == (443, 443), (env, sid)


def test_no_secret_value_in_any_template() -> None:
    for env in ENVS:
        for sid, body in rendered()[env]["bodies"].items():
            if sid.startswith(f"{APP}/"):
                # A value would be a SecretString (or a literal AuthToken / header value);
                # every secret here is generated by Secrets Manager or read by reference.
                assert not re.search(r"^\s+SecretString:", body, re.MULTILINE), sid


# --- the blueprint vars added for tsdevstack refuse what AWS would refuse -----------------


@pytest.mark.parametrize(
    ("blueprint", "vars", "message"),
    [
        (
            "secret",
            {"name": "{app}/{env}/shared/origin-verify", "kms_key_arn": KEY},
            "ends with '-' and six characters",
        ),
        ("secret", {"name": "{stack}/{env}/shared/token", "kms_key_arn": KEY}, "should match"),
        ("secret", {"name": "{app}//shared", "kms_key_arn": KEY}, "should match"),
        (
            "network",
            {"cidr": "10.0.0.0/16", "subnets": {"private_app": ["10.0.10.0/24"]}, "nat": "none",
             "nat_public_ip_outputs": True},
            "needs NAT gateways",
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


def test_a_path_name_is_used_whole_and_a_suffix_keeps_the_prefix() -> None:
    from infragen.testing import render_blueprint

    def name(secret_name: str) -> str:
        template = render_blueprint("secret", {"name": secret_name, "kms_key_arn": KEY}, env="prod")
        return template["Resources"]["Secret"]["Properties"]["Name"]

    assert name("{app}/{env}/kong/database") == "test/prod/kong/database"
    assert name("{project}/{env}/{app}/x.y_z") == "acme/prod/test/x.y_z"
    assert name("kong-database") == "acme-prod-test-kong-database"
