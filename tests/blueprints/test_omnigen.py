"""omnigen (seed 003, network topology): every value of the seed, per environment.

dev and staging run the seed's "Current Setup" (one private subnet, one NAT); prod runs its
"Production Upgrade Path" (a second private subnet in us-east-1b and a second NAT).
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprints.support import granted_actions, one, param_source, rendered, resources, statements

ENVS = ["dev", "staging", "prod"]
APP = "omnigen"
WORLD = "0.0.0.0/0"

PUBLIC = {"10.0.1.0/24": "us-east-1a", "10.0.2.0/24": "us-east-1b"}
PRIVATE = {
    "dev": {"10.0.10.0/24": "us-east-1a"},
    "staging": {"10.0.10.0/24": "us-east-1a"},
    "prod": {"10.0.10.0/24": "us-east-1a", "10.0.11.0/24": "us-east-1b"},
}
NATS = {"dev": 1, "staging": 1, "prod": 2}
LAMBDAS = {"generator": (2048, 300), "composer": (10240, 900)}


def stack(env: str, name: str) -> dict[str, Any]:
    return rendered()[env]["stacks"][f"{APP}/{name}"]


def source(env: str, name: str, ref: dict[str, Any]) -> tuple[str, str]:
    found = param_source(env, f"{APP}/{name}", ref)
    return found["stack"], found["output"]


def subnets(env: str, prefix: str) -> dict[str, dict[str, Any]]:
    network = stack(env, "network")
    return {
        k: s["Properties"]
        for k, s in resources(network, "AWS::EC2::Subnet").items()
        if k.startswith(prefix)
    }


def rule_set(rules: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """(protocol, from, to, peer) per rule; a peer is a CIDR or a Ref/GetAtt."""
    found = set()
    for rule in rules:
        peer = next(
            rule[k]
            for k in (
                "CidrIp",
                "SourceSecurityGroupId",
                "DestinationSecurityGroupId",
            )
            if k in rule
        )
        peer = peer if isinstance(peer, str) else str(peer)
        found.add((rule["IpProtocol"], rule.get("FromPort"), rule.get("ToPort"), peer))
    return found


# --- network -------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_vpc_and_subnets_per_environment(env: str) -> None:
    network = stack(env, "network")
    assert one(network, "AWS::EC2::VPC")["Properties"]["CidrBlock"] == "10.0.0.0/16"
    assert rendered()[env]["manifest"]["stacks"][f"{APP}/network"]["region"] == "us-east-1"
    public = {p["CidrBlock"]: p["AvailabilityZone"] for p in subnets(env, "Public").values()}
    assert public == PUBLIC
    private = {p["CidrBlock"]: p["AvailabilityZone"] for p in subnets(env, "PrivateApp").values()}
    assert private == PRIVATE[env]
    assert not subnets(env, "PrivateData")
    # "No public IPs on ECS tasks or Lambdas": no subnet hands them out
    assert {p["MapPublicIpOnLaunch"] for p in subnets(env, "").values()} == {False}


@pytest.mark.parametrize("env", ENVS)
def test_public_route_table_sends_0_0_0_0_to_the_igw_for_both_public_subnets(env: str) -> None:
    res = stack(env, "network")["Resources"]
    route = res["PublicDefaultRoute"]["Properties"]
    assert route["DestinationCidrBlock"] == WORLD
    assert route["GatewayId"] == {"Ref": "InternetGateway"}
    associated = {
        a["Properties"]["SubnetId"]["Ref"]
        for a in resources(stack(env, "network"), "AWS::EC2::SubnetRouteTableAssociation").values()
        if a["Properties"]["RouteTableId"] == {"Ref": "PublicRouteTable"}
    }
    assert associated == set(subnets(env, "Public"))


@pytest.mark.parametrize("env", ENVS)
def test_nat_gateways_one_outside_prod_two_in_prod_each_with_an_eip(env: str) -> None:
    network = stack(env, "network")
    nats = resources(network, "AWS::EC2::NatGateway")
    assert len(nats) == NATS[env]
    assert len(resources(network, "AWS::EC2::EIP")) == NATS[env]
    res = network["Resources"]
    # the first NAT sits in the us-east-1a public subnet, the prod one in us-east-1b
    azs = [
        res[nat["Properties"]["SubnetId"]["Ref"]]["Properties"]["AvailabilityZone"]
        for nat in nats.values()
    ]
    assert sorted(azs) == ["us-east-1a", "us-east-1b"][: NATS[env]]
    for nat in nats.values():
        eip = nat["Properties"]["AllocationId"]["Fn::GetAtt"][0]
        assert res[eip]["Type"] == "AWS::EC2::EIP"


@pytest.mark.parametrize("env", ENVS)
def test_private_route_tables_go_to_the_nat_of_their_az_and_the_gateway_endpoints(
    env: str,
) -> None:
    network = stack(env, "network")
    res = network["Resources"]
    tables = {k for k in resources(network, "AWS::EC2::RouteTable") if k.startswith("PrivateApp")}
    assert len(tables) == NATS[env]
    for name, subnet in subnets(env, "PrivateApp").items():
        assoc = res[f"{name}RouteTableAssociation"]["Properties"]
        table = assoc["RouteTableId"]["Ref"]
        [default] = [
            r["Properties"]
            for r in resources(network, "AWS::EC2::Route").values()
            if r["Properties"]["RouteTableId"] == {"Ref": table}
        ]
        assert default["DestinationCidrBlock"] == WORLD
        nat = res[default["NatGatewayId"]["Ref"]]["Properties"]
        assert (
            res[nat["SubnetId"]["Ref"]]["Properties"]["AvailabilityZone"]
            == (subnet["AvailabilityZone"])
        )
    gateways = {
        e["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]: e["Properties"]
        for e in resources(network, "AWS::EC2::VPCEndpoint").values()
        if e["Properties"]["VpcEndpointType"] == "Gateway"
    }
    assert set(gateways) == {"s3", "dynamodb"}
    for endpoint in gateways.values():
        assert {t["Ref"] for t in endpoint["RouteTableIds"]} == tables


@pytest.mark.parametrize("env", ENVS)
def test_ecr_interface_endpoints_with_private_dns_in_the_private_subnets(env: str) -> None:
    network = stack(env, "network")
    interfaces = {
        e["Properties"]["ServiceName"]["Fn::Sub"]: e["Properties"]
        for e in resources(network, "AWS::EC2::VPCEndpoint").values()
        if e["Properties"]["VpcEndpointType"] == "Interface"
    }
    assert set(interfaces) == {
        "com.amazonaws.${AWS::Region}.ecr.api",
        "com.amazonaws.${AWS::Region}.ecr.dkr",
    }
    for endpoint in interfaces.values():
        assert endpoint["PrivateDnsEnabled"] is True
        assert {s["Ref"] for s in endpoint["SubnetIds"]} == set(subnets(env, "PrivateApp"))
        assert endpoint["SecurityGroupIds"] == [{"Ref": "EndpointSecurityGroup"}]


# --- security groups (the seed's table) -----------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_endpoint_group_takes_443_only_from_the_compute_groups_and_sends_anything(
    env: str,
) -> None:
    group = stack(env, "network")["Resources"]["EndpointSecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in group  # not the whole VPC: the consumers grant it
    assert rule_set(group["SecurityGroupEgress"]) == {("-1", None, None, WORLD)}
    # each compute stack adds "in 443 from my group" to the endpoint group
    for name in ("generator", "composer", "api"):
        [grant] = [
            g["Properties"]
            for g in resources(stack(env, name), "AWS::EC2::SecurityGroupIngress").values()
            if source(env, name, g["Properties"]["GroupId"])
            == ("omnigen/network", "EndpointSecurityGroupId")
        ]
        assert (grant["IpProtocol"], grant["FromPort"], grant["ToPort"]) == ("tcp", 443, 443)
        assert grant["SourceSecurityGroupId"] in (
            {"Ref": "SecurityGroup"},
            {"Fn::GetAtt": ["SecurityGroup", "GroupId"]},
        )


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("name", sorted(LAMBDAS))
def test_lambda_group_no_inbound_all_outbound(env: str, name: str) -> None:
    template = stack(env, name)
    group = template["Resources"]["SecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in group
    assert rule_set(group["SecurityGroupEgress"]) == {("-1", None, None, WORLD)}
    # the only ingress resource of the stack is the one on the endpoint group
    for grant in resources(template, "AWS::EC2::SecurityGroupIngress").values():
        assert "Ref" in grant["Properties"]["GroupId"]
        assert grant["Properties"]["GroupId"] != {"Ref": "SecurityGroup"}


@pytest.mark.parametrize("env", ENVS)
def test_alb_group_in_80_and_443_from_anywhere(env: str) -> None:
    alb = stack(env, "alb")
    group = alb["Resources"]["SecurityGroup"]["Properties"]
    assert rule_set(group["SecurityGroupIngress"]) == {
        ("tcp", 80, 80, WORLD),
        ("tcp", 443, 443, WORLD),
    }


def test_no_world_ingress_except_the_public_alb_on_80_and_443() -> None:
    for env in ENVS:
        for sid, template in rendered()[env]["stacks"].items():
            if not sid.startswith(f"{APP}/"):
                continue
            for name, res in template["Resources"].items():
                rules = res["Properties"].get("SecurityGroupIngress", [])
                if res["Type"] == "AWS::EC2::SecurityGroupIngress":
                    rules = [res["Properties"]]
                for rule in rules:
                    if rule.get("CidrIp") == WORLD:
                        assert (sid, name) == (f"{APP}/alb", "SecurityGroup"), (env, sid, name)
                        assert rule["FromPort"] in (80, 443), (env, sid, name)


# --- ALB ------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_internet_facing_alb_in_both_public_subnets_forwards_to_8080(env: str) -> None:
    alb = stack(env, "alb")
    lb = one(alb, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert lb["Scheme"] == "internet-facing"
    assert source(env, "alb", lb["Subnets"]) == ("omnigen/network", "PublicSubnetIds")
    group = one(alb, "AWS::ElasticLoadBalancingV2::TargetGroup")["Properties"]
    assert (group["TargetType"], group["Port"], group["Protocol"]) == ("ip", 8080, "HTTP")
    listeners = {
        listener["Properties"]["Port"]: listener["Properties"]
        for listener in resources(alb, "AWS::ElasticLoadBalancingV2::Listener").values()
    }
    assert set(listeners) == {80, 443}
    [redirect] = listeners[80]["DefaultActions"]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"]["Protocol"] == "HTTPS"
    https = listeners[443]
    assert https["Protocol"] == "HTTPS"
    assert https["DefaultActions"] == [
        {"Type": "forward", "TargetGroupArn": {"Ref": "ApiTargetGroup"}}
    ]
    assert param_source(env, f"{APP}/alb", https["Certificates"][0]["CertificateArn"]) == {
        "kind": "ssm",
        "path": f"/acme/{env}/omnigen/alb-certificate-arn",
    }
    assert alb["Outputs"]["ApiTargetGroupArn"]["Value"] == {"Ref": "ApiTargetGroup"}


# --- Lambdas --------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("name", sorted(LAMBDAS))
def test_lambdas_memory_timeout_image_and_private_subnets(env: str, name: str) -> None:
    memory, timeout = LAMBDAS[name]
    fn = one(stack(env, name), "AWS::Lambda::Function")["Properties"]
    assert fn["MemorySize"] == memory
    assert fn["Timeout"] == timeout
    assert fn["PackageType"] == "Image"
    image = fn["Code"]["ImageUri"]["Fn::Join"][1]
    assert source(env, name, image[0]) == (f"omnigen/{name}-repo", "RepositoryUri")
    assert source(env, name, fn["VpcConfig"]["SubnetIds"]) == (
        "omnigen/network",
        "PrivateAppSubnetIds",
    )
    assert fn["VpcConfig"]["SecurityGroupIds"] == [{"Ref": "SecurityGroup"}]
    env_vars = fn["Environment"]["Variables"]
    assert source(env, name, env_vars["JOBS_TABLE"]) == ("omnigen/jobs", "TableName")
    assert source(env, name, env_vars["ASSETS_BUCKET"]) == ("omnigen/assets", "BucketName")


def test_composer_has_room_in_tmp() -> None:
    for env in ENVS:
        fn = one(stack(env, "composer"), "AWS::Lambda::Function")["Properties"]
        assert fn["EphemeralStorage"] == {"Size": 10240}


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("name", sorted(LAMBDAS))
def test_lambda_roles_reach_only_the_tables_and_the_asset_objects(env: str, name: str) -> None:
    role = one(stack(env, name), "AWS::IAM::Role")
    services = {a.split(":")[0] for a in granted_actions(role)}
    assert services == {"logs", "xray", "dynamodb", "s3"}
    for statement in statements(role):
        for action in statement["Action"]:
            if action.startswith("s3:"):
                assert [source(env, name, r) for r in statement["Resource"]] == [
                    ("omnigen/assets", "ObjectsArn")
                ]
            if action.startswith("dynamodb:"):
                targets = {source(env, name, r)[0] for r in statement["Resource"]}
                assert targets <= {"omnigen/jobs", "omnigen/usage"}


# --- data -----------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize(
    ("name", "keys"),
    [("jobs", [("job_id", "HASH")]), ("usage", [("user_id", "HASH"), ("period", "RANGE")])],
)
def test_jobs_and_usage_tables(env: str, name: str, keys: list[tuple[str, str]]) -> None:
    table = one(stack(env, name), "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["TableName"] == f"acme-{env}-omnigen-{name}"
    assert [(k["AttributeName"], k["KeyType"]) for k in props["KeySchema"]] == keys
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is (env == "prod")
    assert table["DeletionPolicy"] == ("Retain" if env == "prod" else "Delete")


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("name", ["assets", "frontend"])
def test_assets_and_frontend_buckets_are_private_encrypted_versioned(env: str, name: str) -> None:
    template = stack(env, name)
    bucket = one(template, "AWS::S3::Bucket")
    props = bucket["Properties"]
    assert props["BucketName"] == {"Fn::Sub": f"acme-{env}-omnigen-{name}-${{AWS::AccountId}}"}
    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"],
        True,
    )
    [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    [lifecycle] = props["LifecycleConfiguration"]["Rules"]
    assert lifecycle["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    [deny] = one(template, "AWS::S3::BucketPolicy")["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert bucket["DeletionPolicy"] == ("Retain" if env == "prod" else "Delete")


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("image", ["api", "generator", "composer"])
def test_one_ecr_repository_per_image(env: str, image: str) -> None:
    repo = one(stack(env, f"{image}-repo"), "AWS::ECR::Repository")["Properties"]
    assert repo["RepositoryName"] == f"acme/{env}/omnigen/{image}"
    assert repo["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert repo["ImageTagMutability"] == "IMMUTABLE"


# --- ECS service (the ecs-fargate-service blueprint) ----------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_ecs_go_api_runs_on_fargate_in_the_private_subnets_on_8080(env: str) -> None:
    api = stack(env, "api")
    service = one(api, "AWS::ECS::Service")["Properties"]
    assert service["LaunchType"] == "FARGATE"
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    assert source(env, "api", network["Subnets"]) == ("omnigen/network", "PrivateAppSubnetIds")
    assert network["SecurityGroups"] == [{"Fn::GetAtt": ["SecurityGroup", "GroupId"]}]
    assert service["DesiredCount"] == 2
    [target] = service["LoadBalancers"]
    assert target["ContainerPort"] == 8080
    assert source(env, "api", target["TargetGroupArn"]) == ("omnigen/alb", "ApiTargetGroupArn")
    task = one(api, "AWS::ECS::TaskDefinition")["Properties"]
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    assert task["NetworkMode"] == "awsvpc"
    [container] = task["ContainerDefinitions"]
    assert [m["ContainerPort"] for m in container["PortMappings"]] == [8080]
    image = container["Image"]["Fn::Join"][1]
    assert source(env, "api", image[0]) == ("omnigen/api-repo", "RepositoryUri")


@pytest.mark.parametrize("env", ENVS)
def test_ecs_group_in_8080_from_the_alb_out_all_and_alb_out_8080_to_ecs(env: str) -> None:
    api = stack(env, "api")
    group = api["Resources"]["SecurityGroup"]["Properties"]
    [ingress] = group["SecurityGroupIngress"]
    assert (ingress["IpProtocol"], ingress["FromPort"], ingress["ToPort"]) == ("tcp", 8080, 8080)
    assert source(env, "api", ingress["SourceSecurityGroupId"]) == (
        "omnigen/alb",
        "SecurityGroupId",
    )
    assert rule_set(group["SecurityGroupEgress"]) == {("-1", None, None, WORLD)}
    # "ALB out: ECS-SG:8080", added to the ALB's group by this stack (no stack cycle) ...
    [egress] = resources(api, "AWS::EC2::SecurityGroupEgress").values()
    egress = egress["Properties"]
    assert source(env, "api", egress["GroupId"]) == ("omnigen/alb", "SecurityGroupId")
    assert (egress["IpProtocol"], egress["FromPort"], egress["ToPort"]) == ("tcp", 8080, 8080)
    assert egress["DestinationSecurityGroupId"] == {"Fn::GetAtt": ["SecurityGroup", "GroupId"]}
    # ... and it is the ALB's only way out: its own template opens nothing
    alb_group = stack(env, "alb")["Resources"]["SecurityGroup"]["Properties"]
    [placeholder] = alb_group["SecurityGroupEgress"]
    assert placeholder["CidrIp"] == "255.255.255.255/32"  # the "no traffic" rule


@pytest.mark.parametrize("env", ENVS)
def test_ecs_roles_pull_only_the_api_image_and_reach_the_app_resources(env: str) -> None:
    api = stack(env, "api")
    execution = api["Resources"]["ExecutionRole"]
    by_action = {a: s["Resource"] for s in statements(execution) for a in s["Action"]}
    assert source(env, "api", by_action["ecr:BatchGetImage"][0]) == (
        "omnigen/api-repo",
        "RepositoryArn",
    )
    task = api["Resources"]["TaskRole"]
    by_action = {a: s["Resource"] for s in statements(task) for a in s["Action"]}
    assert {source(env, "api", r) for r in by_action["lambda:InvokeFunction"]} == {
        ("omnigen/generator", "FunctionArn"),
        ("omnigen/composer", "FunctionArn"),
    }
    assert [source(env, "api", r) for r in by_action["s3:PutObject"]] == [
        ("omnigen/assets", "ObjectsArn")
    ]
    assert {a.split(":")[0] for a in by_action} == {"dynamodb", "s3", "lambda"}


def test_stack_order_network_first_the_ecs_service_last() -> None:
    for env in ENVS:
        deps = {
            sid: set(spec["depends_on"])
            for sid, spec in rendered()[env]["manifest"]["stacks"].items()
            if sid.startswith(f"{APP}/")
        }
        assert deps[f"{APP}/network"] == set()
        assert deps[f"{APP}/alb"] == {f"{APP}/network"}
        assert {f"{APP}/alb", f"{APP}/generator", f"{APP}/composer"} <= deps[f"{APP}/api"]
        for name in LAMBDAS:
            assert f"{APP}/{name}-repo" in deps[f"{APP}/{name}"]
