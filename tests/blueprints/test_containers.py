"""ecs-fargate-service and app-runner-service: located vars errors through the CLI, and what
the rendered templates promise (private tasks, secrets by ARN only, scoped roles, lint-clean)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from blueprints.support import load_cfn, one, resources, statements
from blueprints.test_golden import CASES_DIR, build
from infragen.blueprints.app_runner_service import APP_RUNNER_MEMORY
from infragen.blueprints.ecs_fargate_service import (
    FARGATE_MEMORY,
    fargate_memory_error,
)
from infragen.config.loader import load_yaml_text
from infragen.lint.runner import lint_text
from infragen.render.yaml_out import dump_template
from infragen.testing import render_blueprint
from project_support import new_project, override

DEFAULTS = """\
project: acme
region: us-east-1
apps:
  shop:
    stacks:
      web:
        blueprint: ecs-fargate-service
        vars:
          cpu: 256
          memory_mb: 512
          image:
            repository_uri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop
            repository_arn: arn:aws:ecr:us-east-1:123456789012:repository/shop
            tag: !env SHOP_IMAGE_TAG
          container_port: 8080
          vpc_id: vpc-0123456789abcdef0
          subnet_ids: [subnet-0123456789abcdef0]
          egress: [{port: 443, cidr: 0.0.0.0/0, description: HTTPS}]
      runner:
        blueprint: app-runner-service
        vars:
          image:
            repository_uri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop
            repository_arn: arn:aws:ecr:us-east-1:123456789012:repository/shop
            tag: !env SHOP_IMAGE_TAG
"""


# (id, dev.yaml, expected "file:line:col: message" start)
CASES = [
    (
        "fargate-memory-not-offered-for-cpu",
        override("web", "          cpu: 512\n          memory_mb: 512\n"),
        "config/dev.yaml:7:22: memory_mb: memory_mb 512 is not a Fargate size for cpu 512: it "
        "takes 1024-4096 in steps of 1024 MiB",
    ),
    (
        "fargate-cpu-unknown",
        override("web", "          cpu: 300\n"),
        "config/dev.yaml:6:16: cpu: Input should be 256, 512, 1024",
    ),
    (
        "ecs-secret-written-as-a-literal",
        override("web", "          secrets:\n            DB_PASSWORD: hunter2\n"),
        "config/dev.yaml:7:26: secrets.DB_PASSWORD: this is not a Secrets Manager secret ARN "
        "(arn:aws:secretsmanager:<region>:<account>:secret:<name>); a secret must not be written "
        "in config",
    ),
    (
        "ecs-secret-as-a-dynamic-reference",
        override("web", "          secrets:\n            DB_PASSWORD: !secret secretsmanager:db\n"),
        "config/dev.yaml:7:26: secrets.DB_PASSWORD: !secret would resolve the value into the "
        "task's configuration",
    ),
    (
        "ecs-secret-literal-in-the-long-form",
        override("web", "          secrets:\n            DB_PASSWORD: {arn: hunter2-hunter2}\n"),
        "config/dev.yaml:7:32: secrets.DB_PASSWORD.arn: this is not a Secrets Manager secret ARN",
    ),
    (
        "ecs-secret-looking-name-in-plain-environment",
        override("web", "          environment:\n            DB_PASSWORD: !env DB_PASSWORD\n"),
        "config/dev.yaml:7:26: environment.DB_PASSWORD: DB_PASSWORD looks like a secret: plain "
        "environment values are readable in the service's configuration; give its Secrets "
        "Manager ARN under `secrets`",
    ),
    (
        "app-runner-secret-looking-name-in-plain-environment",
        override("runner", "          environment:\n            OPENAI_API_KEY: sk-live-123\n"),
        "config/dev.yaml:7:29: environment.OPENAI_API_KEY: OPENAI_API_KEY looks like a secret",
    ),
    (
        "unknown-container-property",
        override("web", "          container:\n            ReadOnlyRootFilesystem: true\n"),
        "config/dev.yaml:7:13: container.ReadOnlyRootFilesystem: ContainerDefinition has no "
        "property 'ReadOnlyRootFilesystem'; did you mean 'ReadonlyRootFilesystem'?",
    ),
    (
        "unknown-nested-container-property",
        override(
            "web",
            "          container:\n            HealthCheck: {Command: [CMD, 'true'], Retry: 3}\n",
        ),
        "config/dev.yaml:7:51: container.HealthCheck.Retry: HealthCheck has no property 'Retry'; "
        "did you mean 'Retries'?",
    ),
    (
        "container-property-owned-by-a-var",
        override("web", "          container:\n            Image: nginx\n"),
        "config/dev.yaml:7:20: container.Image: Image is set by the var image",
    ),
    (
        "sidecar-without-an-image",
        override("web", "          sidecars:\n            - Name: log-router\n"),
        "config/dev.yaml:7:15: sidecars.0: ContainerDefinition needs Image",
    ),
    (
        "listener-rule-without-a-condition",
        override(
            "web",
            "          load_balancer: {listener_arn: arn:aws:elasticloadbalancing:x, "
            "priority: 10}\n",
        ),
        "config/dev.yaml:6:26: load_balancer.path_patterns: a listener rule needs path_patterns "
        "or host_headers",
    ),
    (
        "request-scaling-without-a-load-balancer",
        override(
            "web", "          autoscaling: {min_tasks: 1, max_tasks: 3, requests_per_target: 100}\n"
        ),
        "config/dev.yaml:6:74: autoscaling.requests_per_target: requests_per_target needs "
        "load_balancer",
    ),
    (
        "app-runner-memory-not-offered-for-cpu",
        override("runner", "          cpu: 0.5\n          memory_gb: 2\n"),
        "config/dev.yaml:7:22: memory_gb: memory_gb 2 is not offered with cpu 0.5 vCPU: App "
        "Runner takes 1 GB",
    ),
    (
        "app-runner-secret-written-as-a-literal",
        override("runner", "          secrets:\n            API_KEY: sk-live-123\n"),
        "config/dev.yaml:7:22: secrets.API_KEY: this is not a Secrets Manager secret ARN",
    ),
    (
        "app-runner-reserved-env-name",
        override("runner", "          environment:\n            AWSAPPRUNNER_X: '1'\n"),
        "config/dev.yaml:7:29: environment.AWSAPPRUNNER_X: AWSAPPRUNNER_X: names starting "
        "AWSAPPRUNNER are App Runner's",
    ),
    (
        "app-runner-private-without-an-endpoint",
        override("runner", "          private: {vpc_id: vpc-0123456789abcdef0}\n"),
        "config/dev.yaml:6:20: private.vpc_endpoint_id: give vpc_endpoint_id",
    ),
]


@pytest.fixture
def container_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    new_project(tmp_path, monkeypatch, DEFAULTS)
    return tmp_path


def test_the_base_project_renders(container_project: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("render")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("dev_yaml", "where"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_nonsense_vars_are_located(
    container_project: Path, invoke: Callable[..., Result], dev_yaml: str, where: str
) -> None:
    (container_project / "config" / "dev.yaml").write_text(dev_yaml)

    result = invoke("render")

    assert result.exit_code == 2, result.output
    assert where in result.stderr, result.stderr
    for secret in ("hunter2", "sk-live-123"):  # a secret written by mistake is not echoed
        assert secret not in result.stderr
    assert not (container_project / "templates_out").exists()


def test_every_fargate_size_is_accepted_and_its_neighbours_are_not() -> None:
    for cpu, memory in FARGATE_MEMORY.items():
        for size in memory:
            assert fargate_memory_error(cpu, size) is None
        assert fargate_memory_error(cpu, memory[0] - 512) is not None
        assert fargate_memory_error(cpu, memory[-1] + 512) is not None
    assert fargate_memory_error(256, 1536) is not None  # not offered, though between two that are
    assert "512, 1024 or 2048" in (fargate_memory_error(256, 1536) or "")
    assert fargate_memory_error(8192, 20480) is None
    assert fargate_memory_error(8192, 18432) is not None  # 8 vCPU: steps of 4 GB
    assert FARGATE_MEMORY[16384][-1] == 122880  # 120 GB, Fargate's largest task


def test_app_runner_sizes_are_the_documented_pairs() -> None:
    pairs = {(cpu, memory) for cpu, sizes in APP_RUNNER_MEMORY.items() for memory in sizes}
    assert len(pairs) == 11
    assert ("4", "12") in pairs and ("0.25", "0.5") in pairs and ("0.5", "2") not in pairs


# --- what the rendered templates promise -------------------------------------------------


def rendered(case: str) -> dict[str, Any]:
    return load_cfn(dump_template(build(CASES_DIR / f"{case}.yaml")))


@pytest.fixture(scope="module")
def ecs() -> dict[str, Any]:
    return rendered("ecs-fargate-alb-scaling")


@pytest.fixture(scope="module")
def ecs_prod() -> dict[str, Any]:
    return rendered("ecs-fargate-existing-cluster-prod")


def role(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    found = template["Resources"][logical_id]
    assert found["Type"] == "AWS::IAM::Role"
    return found


def by_sid(template: dict[str, Any], logical_id: str) -> dict[str, dict[str, Any]]:
    return {s.get("Sid", ""): s for s in statements(role(template, logical_id))}


def test_tasks_run_in_private_subnets_with_their_own_group(ecs: dict[str, Any]) -> None:
    service = one(ecs, "AWS::ECS::Service")["Properties"]
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    assert network["Subnets"] == {"Ref": "SubnetIds"}
    assert network["SecurityGroups"] == [{"Fn::GetAtt": ["SecurityGroup", "GroupId"]}]
    assert service["LaunchType"] == "FARGATE"
    assert service["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
        "Enable": True,
        "Rollback": True,
    }
    assert "DesiredCount" not in service  # autoscaling owns the count


def test_the_group_admits_only_the_listed_groups_on_the_container_port(
    ecs: dict[str, Any],
) -> None:
    group = ecs["Resources"]["SecurityGroup"]["Properties"]
    assert group["SecurityGroupIngress"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 8080,
            "ToPort": 8080,
            "SourceSecurityGroupId": {"Ref": "IngressFrom0SecurityGroupId"},
            "Description": "HTTP from the ALB",
        }
    ]
    # Seed 003: ECS out to 0.0.0.0/0 on every port; the ALB's egress to it comes from here.
    assert [r["IpProtocol"] for r in group["SecurityGroupEgress"]] == ["-1"]
    egress = one(ecs, "AWS::EC2::SecurityGroupEgress")["Properties"]
    assert egress["GroupId"] == {"Ref": "IngressFrom0SecurityGroupId"}
    assert egress["DestinationSecurityGroupId"] == {"Fn::GetAtt": ["SecurityGroup", "GroupId"]}
    assert (egress["FromPort"], egress["ToPort"]) == (8080, 8080)


def test_secrets_reach_the_container_by_arn_only(ecs: dict[str, Any]) -> None:
    task = one(ecs, "AWS::ECS::TaskDefinition")["Properties"]
    main = task["ContainerDefinitions"][0]
    assert {e["Name"] for e in main["Environment"]} == {"JOBS_TABLE", "PORT"}
    assert main["Secrets"] == [
        {
            "Name": "DB_PASSWORD",
            "ValueFrom": {
                "Fn::Join": [
                    "",
                    [
                        "arn:aws:secretsmanager:us-east-1:123456789012:secret:golden/db-AbCdEf",
                        ":password::",
                    ],
                ]
            },
        },
        {"Name": "REPLICATE_API_TOKEN", "ValueFrom": {"Ref": "SecretsReplicateApiTokenArn"}},
    ]
    assert "{{resolve:" not in str(ecs)


def test_the_execution_role_reads_exactly_the_given_secrets(ecs: dict[str, Any]) -> None:
    grants = by_sid(ecs, "ExecutionRole")
    assert grants["ReadSecrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert grants["ReadSecrets"]["Resource"] == [
        {"Ref": "SecretsReplicateApiTokenArn"},
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:golden/db-AbCdEf",
    ]
    assert grants["DecryptSecrets"]["Action"] == ["kms:Decrypt"]
    assert grants["DecryptSecrets"]["Resource"] == [{"Ref": "SecretsKmsKeyArns0"}]
    assert "kms:ViaService" in grants["DecryptSecrets"]["Condition"]["StringEquals"]
    assert grants["EcrPull"]["Resource"] == [{"Ref": "ImageRepositoryArn"}]
    assert grants["Logs"]["Resource"] == [{"Fn::GetAtt": ["LogGroup", "Arn"]}]
    # The application's own role gets the config's policy and nothing about secrets.
    assert set(by_sid(ecs, "TaskRole")) == {"Jobs"}


def test_without_secrets_the_execution_role_reads_none() -> None:
    spec = load_yaml_text(DEFAULTS, "defaults.yaml").data["apps"]["shop"]["stacks"]["web"]
    template = render_blueprint("ecs-fargate-service", spec["vars"])
    actions = {a for s in statements(role(template, "ExecutionRole")) for a in s["Action"]}
    assert not {"secretsmanager:GetSecretValue", "kms:Decrypt"} & actions
    assert {"ecr:BatchGetImage", "logs:PutLogEvents"} <= actions


def test_image_is_the_repository_and_a_deploy_time_tag(ecs: dict[str, Any]) -> None:
    main = one(ecs, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"][0]
    assert main["Image"] == {
        "Fn::Join": ["", [{"Ref": "ImageRepositoryUri"}, ":", {"Ref": "ImageTag"}]]
    }
    assert ecs["Parameters"]["ImageTag"]["Description"].startswith("!env API_IMAGE_TAG")


def test_task_definition_is_fargate_awsvpc_with_the_checked_extras(ecs: dict[str, Any]) -> None:
    task = one(ecs, "AWS::ECS::TaskDefinition")["Properties"]
    assert (task["Cpu"], task["Memory"], task["NetworkMode"]) == ("512", "1024", "awsvpc")
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    assert task["RuntimePlatform"]["CpuArchitecture"] == "ARM64"
    main, sidecar = task["ContainerDefinitions"]
    assert main["ReadonlyRootFilesystem"] is True and main["Essential"] is True
    assert main["HealthCheck"]["Command"][0] == "CMD-SHELL"
    assert main["LogConfiguration"]["LogDriver"] == "awslogs"
    assert main["LogConfiguration"]["Options"]["awslogs-group"] == {"Ref": "LogGroup"}
    assert sidecar["Name"] == "otel-collector"
    assert sidecar["LogConfiguration"]["Options"]["awslogs-stream-prefix"] == "otel-collector"
    assert one(ecs, "AWS::Logs::LogGroup")["Properties"]["RetentionInDays"] == 30


def test_target_group_created_here_hangs_off_the_alb_listener(ecs: dict[str, Any]) -> None:
    group = one(ecs, "AWS::ElasticLoadBalancingV2::TargetGroup")["Properties"]
    assert (group["TargetType"], group["Port"]) == ("ip", 8080)
    assert group["HealthCheckPath"] == "/healthz"
    rule = one(ecs, "AWS::ElasticLoadBalancingV2::ListenerRule")["Properties"]
    assert rule["ListenerArn"] == {"Ref": "LoadBalancerListenerArn"}
    assert rule["Actions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}]
    service = one(ecs, "AWS::ECS::Service")
    assert service["DependsOn"] == ["ListenerRule"]
    assert service["Properties"]["LoadBalancers"][0]["ContainerName"] == "api"
    assert ecs["Outputs"]["TargetGroupArn"]["Value"] == {"Ref": "TargetGroup"}


def test_autoscaling_tracks_cpu_and_alb_requests(ecs: dict[str, Any]) -> None:
    target = one(ecs, "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 10)
    assert target["ScalableDimension"] == "ecs:service:DesiredCount"
    policies = {
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"][
            "PredefinedMetricSpecification"
        ]["PredefinedMetricType"]: p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        for p in resources(ecs, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    }
    assert set(policies) == {"ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget"}
    assert policies["ECSServiceAverageCPUUtilization"]["TargetValue"] == 70
    label = policies["ALBRequestCountPerTarget"]["PredefinedMetricSpecification"]["ResourceLabel"]
    assert label["Fn::Join"][1][-1] == {"Fn::GetAtt": ["TargetGroup", "TargetGroupFullName"]}


def test_cloud_map_and_alarms(ecs: dict[str, Any]) -> None:
    discovery = one(ecs, "AWS::ServiceDiscovery::Service")["Properties"]
    assert discovery["DnsConfig"]["DnsRecords"] == [{"Type": "A", "TTL": 10}]
    registries = one(ecs, "AWS::ECS::Service")["Properties"]["ServiceRegistries"]
    assert registries == [{"RegistryArn": {"Fn::GetAtt": ["DiscoveryService", "Arn"]}}]
    alarms = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in resources(ecs, "AWS::CloudWatch::Alarm").values()
    }
    assert set(alarms) == {"CPUUtilization", "MemoryUtilization", "RunningTaskCount"}
    assert alarms["RunningTaskCount"]["Namespace"] == "ECS/ContainerInsights"
    assert alarms["RunningTaskCount"]["ComparisonOperator"] == "LessThanThreshold"
    cluster = one(ecs, "AWS::ECS::Cluster")["Properties"]
    assert cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enabled"}]


def test_an_existing_cluster_and_the_alb_stacks_target_group(ecs_prod: dict[str, Any]) -> None:
    assert not resources(ecs_prod, "AWS::ECS::Cluster")
    assert not resources(ecs_prod, "AWS::ElasticLoadBalancingV2::TargetGroup")
    service = one(ecs_prod, "AWS::ECS::Service")["Properties"]
    assert service["Cluster"] == {"Ref": "ClusterArn"}
    assert service["LoadBalancers"][0]["TargetGroupArn"] == {"Ref": "LoadBalancerTargetGroupArn"}
    assert {"ClusterName", "ClusterArn", "TargetGroupArn"}.isdisjoint(ecs_prod["Outputs"])
    group = one(ecs_prod, "AWS::Logs::LogGroup")
    assert (group["DeletionPolicy"], group["Properties"]["RetentionInDays"]) == ("Retain", 90)
    grant = one(ecs_prod, "AWS::EC2::SecurityGroupIngress")["Properties"]
    assert grant["SourceSecurityGroupId"] == {"Fn::GetAtt": ["SecurityGroup", "GroupId"]}


# --- App Runner ----------------------------------------------------------------------------


def service_props(template: dict[str, Any]) -> dict[str, Any]:
    return one(template, "AWS::AppRunner::Service")["Properties"]


def test_public_web_has_no_connector_and_an_ecr_access_role() -> None:
    web = rendered("app-runner-public")
    props = service_props(web)
    assert props["NetworkConfiguration"] == {
        "IngressConfiguration": {"IsPubliclyAccessible": True},
        "EgressConfiguration": {"EgressType": "DEFAULT"},
    }
    assert not resources(web, "AWS::AppRunner::VpcConnector")
    assert not resources(web, "AWS::EC2::SecurityGroup")
    assert props["InstanceConfiguration"]["Cpu"] == "0.25 vCPU"
    assert props["InstanceConfiguration"]["Memory"] == "0.5 GB"
    source = props["SourceConfiguration"]
    assert source["ImageRepository"]["ImageRepositoryType"] == "ECR"
    assert source["AuthenticationConfiguration"]["AccessRoleArn"] == {
        "Fn::GetAtt": ["AccessRole", "Arn"]
    }
    access = role(web, "AccessRole")["Properties"]
    principal = access["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": ["build.apprunner.amazonaws.com"]}
    assert by_sid(web, "AccessRole")["EcrPull"]["Resource"] == [{"Ref": "ImageRepositoryArn"}]
    assert props["HealthCheckConfiguration"]["Path"] == "/healthz"
    assert {"ServiceUrl", "ServiceArn", "ServiceId", "InstanceRoleArn"} <= set(web["Outputs"])
    assert "VpcConnectorSecurityGroupId" not in web["Outputs"]


def test_api_egresses_through_its_connector_and_reads_its_secrets() -> None:
    api = rendered("app-runner-vpc-connector")
    props = service_props(api)
    assert props["NetworkConfiguration"]["IngressConfiguration"] == {"IsPubliclyAccessible": True}
    assert props["NetworkConfiguration"]["EgressConfiguration"] == {
        "EgressType": "VPC",
        "VpcConnectorArn": {"Fn::GetAtt": ["VpcConnector", "VpcConnectorArn"]},
    }
    connector = one(api, "AWS::AppRunner::VpcConnector")["Properties"]
    assert connector["SecurityGroups"] == [{"Fn::GetAtt": ["VpcConnectorSecurityGroup", "GroupId"]}]
    group = api["Resources"]["VpcConnectorSecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in group
    assert [r["FromPort"] for r in group["SecurityGroupEgress"]] == [443, 5432, 443]
    grants = resources(api, "AWS::EC2::SecurityGroupIngress")
    assert sorted(g["Properties"]["FromPort"] for g in grants.values()) == [443, 5432]
    image = props["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"]
    assert [s["Name"] for s in image["RuntimeEnvironmentSecrets"]] == [
        "CLERK_SECRET_KEY",
        "DB_PASSWORD",
    ]
    assert {e["Name"] for e in image["RuntimeEnvironmentVariables"]} == {"AI_URL", "DB_HOST"}
    reads = by_sid(api, "InstanceRole")["ReadSecrets"]
    assert reads["Resource"] == [
        {"Ref": "SecretsClerkSecretKeyArn"},
        {"Ref": "SecretsDbPasswordArn"},
    ]
    assert props["SourceConfiguration"]["AutoDeploymentsEnabled"] is True
    scaling = one(api, "AWS::AppRunner::AutoScalingConfiguration")["Properties"]
    assert (scaling["MinSize"], scaling["MaxSize"], scaling["MaxConcurrency"]) == (2, 10, 80)
    alarms = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in resources(api, "AWS::CloudWatch::Alarm").values()
    }
    assert set(alarms) == {"5xxStatusResponses", "RequestLatency"}
    assert alarms["RequestLatency"]["ExtendedStatistic"] == "p99"


def test_private_ai_is_reachable_only_through_its_ingress_connection() -> None:
    ai = rendered("app-runner-private-prod")
    props = service_props(ai)
    assert props["NetworkConfiguration"]["IngressConfiguration"] == {"IsPubliclyAccessible": False}
    endpoint = one(ai, "AWS::EC2::VPCEndpoint")["Properties"]
    assert endpoint["VpcEndpointType"] == "Interface"
    assert endpoint["ServiceName"] == {"Fn::Sub": "com.amazonaws.${AWS::Region}.apprunner.requests"}
    connection = one(ai, "AWS::AppRunner::VpcIngressConnection")["Properties"]
    assert connection["ServiceArn"] == {"Fn::GetAtt": ["Service", "ServiceArn"]}
    assert connection["IngressVpcConfiguration"]["VpcEndpointId"] == {"Ref": "VpcEndpoint"}
    # No ingress of its own: clients (api) grant themselves HTTPS to it from their stack.
    assert "SecurityGroupIngress" not in ai["Resources"]["VpcEndpointSecurityGroup"]["Properties"]
    assert props["EncryptionConfiguration"] == {"KmsKey": {"Ref": "KmsKeyArn"}}
    assert props["ObservabilityConfiguration"]["ObservabilityEnabled"] is True
    trace = one(ai, "AWS::AppRunner::ObservabilityConfiguration")["Properties"]
    assert trace["TraceConfiguration"] == {"Vendor": "AWSXRAY"}
    assert by_sid(ai, "InstanceRole")["XRay"]["Resource"] == ["*"]
    assert {
        "PrivateDomainName",
        "PrivateUrl",
        "VpcEndpointId",
        "VpcEndpointSecurityGroupId",
    } <= set(ai["Outputs"])


CONTAINER_CASES = sorted(
    p.stem
    for pattern in ("ecs-*.yaml", "app-runner-*.yaml")
    for p in CASES_DIR.glob(pattern)
    if not p.name.endswith(".expected.yaml")
)


@pytest.mark.parametrize("case", CONTAINER_CASES)
def test_rendered_cases_pass_cfn_lint_and_infragen_rules(case: str) -> None:
    findings = lint_text(dump_template(build(CASES_DIR / f"{case}.yaml")))
    assert [f for f in findings if f["severity"] != "informational"] == []


def test_there_are_container_cases_for_both_blueprints() -> None:
    assert sum(c.startswith("ecs-") for c in CONTAINER_CASES) >= 2
    assert sum(c.startswith("app-runner-") for c in CONTAINER_CASES) >= 3
