"""Seed 004's blueprints (issue 11): elasticache-redis, service-discovery-namespace, the alb's
listener rules and fixed responses, ecs-fargate-service's tiers and scale to zero, and the
wake-up Lambda's scoped policy. Located vars errors through the CLI, then what the rendered
templates promise."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from blueprints.support import load_cfn, one, resources, statements
from blueprints.test_golden import CASES_DIR, build
from infragen.blueprints.ecs_fargate_service import TASK_SIZES, fargate_memory_error
from infragen.lint.runner import lint_text
from infragen.render.yaml_out import dump_template
from infragen.testing import render_blueprint
from project_support import new_project, override

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/origin-verify-AbCdEf"
DEFAULTS = """\
project: acme
region: us-east-1
apps:
  shop:
    stacks:
      network:
        blueprint: network
        vars:
          cidr: 10.0.0.0/16
          subnets:
            public: [10.0.1.0/24, 10.0.2.0/24]
            private_app: [10.0.10.0/24, 10.0.20.0/24]
            private_data: [10.0.100.0/24, 10.0.200.0/24]
      redis-auth:
        blueprint: secret
        vars:
          kms_key_arn: arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000
          generate: {exclude_punctuation: true}
      redis:
        blueprint: elasticache-redis
        vars:
          vpc_id: !stack_output shop/network::VpcId
          subnet_ids: !stack_output shop/network::PrivateDataSubnetIds
          auth_token_secret: !stack_output shop/redis-auth::SecretArn
      namespace:
        blueprint: service-discovery-namespace
        vars:
          vpc_id: !stack_output shop/network::VpcId
      alb:
        blueprint: alb
        vars:
          scheme: internet-facing
          vpc_id: !stack_output shop/network::VpcId
          subnet_ids: !stack_output shop/network::PublicSubnetIds
          ingress:
            - {port: 443, cidr: 0.0.0.0/0, description: HTTPS}
          listeners:
            - {port: 80, redirect_to_https: true}
            - port: 443
              protocol: HTTPS
              certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/abc
              fixed_response: {status_code: 403}
              rules:
                - priority: 1
                  http_headers: [{name: X-Origin-Verify, secret: {arn: SECRET_ARN}}]
                  target_group: kong
          target_groups:
            - {id: kong, target_type: ip, port: 8000}
      api:
        blueprint: ecs-fargate-service
        vars:
          size: micro
          image:
            repository_uri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop
            repository_arn: arn:aws:ecr:us-east-1:123456789012:repository/shop
            tag: !env SHOP_IMAGE_TAG
          container_port: 3000
          vpc_id: !stack_output shop/network::VpcId
          subnet_ids: !stack_output shop/network::PrivateAppSubnetIds
          egress: [{port: 443, cidr: 0.0.0.0/0, description: HTTPS}]
          grant_ingress:
            - security_group_id: !stack_output shop/redis::SecurityGroupId
              port: 6379
              description: Redis from the api tasks
          service_discovery:
            namespace_id: !stack_output shop/namespace::NamespaceId
      wake-up:
        blueprint: lambda-function
        vars:
          zip: {s3_bucket: artifacts, s3_key: wake.zip, runtime: python3.12, handler: app.handler}
          policy:
            - sid: WakeServices
              actions: [ecs:UpdateService, ecs:DescribeServices]
              resources:
                - "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:\\
service/{project}-{env}-{app}-api/{project}-{env}-{app}-*"
""".replace("SECRET_ARN", SECRET_ARN)

# (id, dev.yaml, expected "file:line:col: message" start)
CASES = [
    (
        "redis-multi-az-with-one-node",
        override("redis", "          multi_az: true\n"),
        "config/dev.yaml:6:21: multi_az: multi_az needs a replica to promote: set nodes to 2",
    ),
    (
        "redis-failover-with-one-node",
        override("redis", "          nodes: 1\n          automatic_failover: true\n"),
        "config/dev.yaml:7:31: automatic_failover: automatic_failover needs a replica to promote",
    ),
    (
        "redis-multi-az-without-failover",
        override(
            "redis",
            "          nodes: 2\n          multi_az: true\n          automatic_failover: false\n",
        ),
        "config/dev.yaml:8:31: automatic_failover: multi_az needs automatic_failover",
    ),
    (
        "redis-too-many-nodes",
        override("redis", "          nodes: 7\n"),
        "config/dev.yaml:6:18: nodes: Input should be less than or equal to 6",
    ),
    (
        "redis-not-redis-7",
        override("redis", "          engine_version: '5.0.6'\n"),
        "config/dev.yaml:6:27: engine_version: engine_version '5.0.6' is not one of 6.2, 7.0, 7.1",
    ),
    (
        "redis-token-as-a-dynamic-reference",
        override("redis", "          auth_token_secret: !secret secretsmanager:shop/redis\n"),
        "config/dev.yaml:6:30: auth_token_secret: give the secret's ARN",
    ),
    (
        "redis-token-written-as-a-value",
        override("redis", "          auth_token_secret: hunter2-hunter2-hunter2\n"),
        "config/dev.yaml:6:30: auth_token_secret: this is not a Secrets Manager secret ARN",
    ),
    (
        "redis-windows-overlap",
        override(
            "redis",
            "          snapshot_window: '05:30-06:30'\n"
            "          maintenance_window: 'sun:05:00-sun:06:00'\n",
        ),
        "config/dev.yaml:7:31: maintenance_window: the snapshot and maintenance windows overlap",
    ),
    (
        "redis-window-too-short",
        override("redis", "          snapshot_window: '03:00-03:30'\n"),
        "config/dev.yaml:6:28: snapshot_window: snapshot_window must last at least 60 minutes",
    ),
    (
        "redis-group-id-too-long",
        override("redis", "          name: a-very-long-cache-name-for-the-sessions\n"),
        "config/dev.yaml:6:17: name: replication group id 'acme-dev-shop-a-very-long-cache-name-"
        "for-the-sessions' must be at most 40 characters",
    ),
    (
        "namespace-unknown-placeholder",
        override("namespace", "          name: '{service}.local'\n"),
        "config/dev.yaml:6:17: name: unknown placeholder {service}",
    ),
    (
        "namespace-single-label",
        override("namespace", "          name: '{app}'\n"),
        "config/dev.yaml:6:17: name: 'shop' needs at least two labels",
    ),
    (
        "alb-origin-verify-written-as-a-literal",
        override(
            "alb",
            "          listeners:\n"
            "            - port: 443\n"
            "              protocol: HTTPS\n"
            "              certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/abc\n"
            "              fixed_response: {status_code: 403}\n"
            "              rules:\n"
            "                - priority: 1\n"
            "                  http_headers: [{name: X-Origin-Verify, values: [hunter2-hunter2]}]\n"
            "                  target_group: kong\n",
        ),
        "config/dev.yaml:13:67: listeners.0.rules.0.http_headers.0.values.0: X-Origin-Verify "
        "carries a secret",
    ),
    (
        "alb-verify-header-as-a-parameter",
        override(
            "alb",
            "          listeners:\n"
            "            - port: 80\n"
            "              fixed_response: {status_code: 403}\n"
            "              rules:\n"
            "                - priority: 1\n"
            "                  http_headers: [{name: X-Shop-Verify, values: [!env VERIFY]}]\n"
            "                  redirect_to_https: true\n",
        ),
        "config/dev.yaml:11:65: listeners.0.rules.0.http_headers.0.values.0: X-Shop-Verify "
        "carries a secret",
    ),
    (
        "alb-secret-as-a-dynamic-reference",
        override(
            "alb",
            "          listeners:\n"
            "            - port: 8080\n"
            "              fixed_response: {status_code: 404}\n"
            "              rules:\n"
            "                - priority: 1\n"
            "                  http_headers:\n"
            "                    - {name: X-Origin-Verify, secret: !secret secretsmanager:ov}\n"
            "                  target_group: kong\n",
        ),
        "config/dev.yaml:12:55: listeners.0.rules.0.http_headers.0.secret: secret takes the "
        "secret's ARN",
    ),
    (
        "alb-public-http-listener-forwards",
        override("alb", "          listeners: [{port: 80, target_group: kong}]\n"),
        "config/dev.yaml:6:23: listeners.0: an internet-facing HTTP listener on port 80 may only "
        "redirect to HTTPS",
    ),
    (
        "alb-public-http-rule-forwards",
        override(
            "alb",
            "          listeners:\n"
            "            - port: 80\n"
            "              redirect_to_https: true\n"
            "              rules: [{priority: 5, path_patterns: [/x], target_group: kong}]\n",
        ),
        "config/dev.yaml:9:23: listeners.0.rules.0: an internet-facing HTTP listener on port 80 "
        "may only redirect to HTTPS",
    ),
    (
        "alb-two-actions",
        override(
            "alb",
            "          listeners:\n"
            "            - {port: 8080, target_group: kong, fixed_response: {status_code: 404}}\n",
        ),
        "config/dev.yaml:7:64: listeners.0.fixed_response: give exactly one of target_group, "
        "redirect_to_https: true or fixed_response",
    ),
    (
        "alb-fixed-redirect-status",
        override(
            "alb",
            "          listeners:\n"
            "            - {port: 8080, fixed_response: {status_code: 302}}\n",
        ),
        "config/dev.yaml:7:58: listeners.0.fixed_response.status_code: a fixed response is 2XX, "
        "4XX or 5XX",
    ),
    (
        "alb-rule-without-a-condition",
        override(
            "alb",
            "          listeners:\n"
            "            - port: 8080\n"
            "              fixed_response: {status_code: 404}\n"
            "              rules: [{priority: 5, target_group: kong}]\n",
        ),
        "config/dev.yaml:9:23: listeners.0.rules.0.host_headers: a rule needs a condition",
    ),
    (
        "alb-too-many-condition-values",
        override(
            "alb",
            "          listeners:\n"
            "            - port: 8080\n"
            "              fixed_response: {status_code: 404}\n"
            "              rules:\n"
            "                - priority: 5\n"
            "                  host_headers: [a.internal, b.internal, c.internal]\n"
            "                  path_patterns: [/a, /b, /c]\n"
            "                  target_group: kong\n",
        ),
        "config/dev.yaml:11:33: listeners.0.rules.0.host_headers: 6 condition values; ALB allows 5",
    ),
    (
        "alb-priority-twice",
        override(
            "alb",
            "          listeners:\n"
            "            - port: 8080\n"
            "              fixed_response: {status_code: 404}\n"
            "              rules:\n"
            "                - {priority: 5, path_patterns: [/a], target_group: kong}\n"
            "                - {priority: 5, path_patterns: [/b], target_group: kong}\n",
        ),
        "config/dev.yaml:11:30: listeners.0.rules.1.priority: priority 5 is used twice",
    ),
    (
        "alb-rule-to-an-unknown-group",
        override(
            "alb",
            "          listeners:\n"
            "            - port: 8080\n"
            "              fixed_response: {status_code: 404}\n"
            "              rules: [{priority: 5, path_patterns: [/a], target_group: auth}]\n",
        ),
        "config/dev.yaml:9:72: listeners.0.rules.0.target_group: target_group 'auth' is not one "
        "of ['kong']",
    ),
    (
        "alb-redirect-rule-on-https",
        override(
            "alb",
            "          listeners:\n"
            "            - port: 443\n"
            "              protocol: HTTPS\n"
            "              certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/abc\n"
            "              fixed_response: {status_code: 403}\n"
            "              rules: [{priority: 5, path_patterns: [/a], redirect_to_https: true}]\n",
        ),
        "config/dev.yaml:11:77: listeners.0.rules.0.redirect_to_https: only an HTTP listener can "
        "redirect to HTTPS",
    ),
    (
        "alb-host-as-a-header-condition",
        override(
            "alb",
            "          listeners:\n"
            "            - port: 8080\n"
            "              fixed_response: {status_code: 404}\n"
            "              rules:\n"
            "                - {priority: 5, http_headers: [{name: Host, values: [a]}], "
            "target_group: kong}\n",
        ),
        "config/dev.yaml:10:55: listeners.0.rules.0.http_headers.0.name: 'Host' is not a header "
        "ALB can match",
    ),
    (
        "ecs-size-and-cpu",
        override("api", "          cpu: 512\n"),
        "config/dev.yaml:6:16: cpu: size micro sets cpu and memory_mb: drop cpu",
    ),
    (
        "ecs-unknown-size",
        override("api", "          size: huge\n"),
        "config/dev.yaml:6:17: size: Input should be 'micro', 'small', 'medium' or 'large'",
    ),
    (
        "ecs-sleeping-service-with-a-task-alarm",
        override(
            "api",
            "          autoscaling: {min_tasks: 0, max_tasks: 2, cpu_percent: 60}\n"
            "          alarms: {running_tasks_below: 1}\n",
        ),
        "config/dev.yaml:7:41: alarms.running_tasks_below: alarms.running_tasks_below would fire "
        "whenever the service sleeps",
    ),
    (
        "wake-up-with-a-wildcard-action",
        override(
            "wake-up",
            "          policy:\n"
            "            - actions: ['ecs:Update*']\n"
            "              resources: ['arn:aws:ecs:us-east-1:123456789012:service/x/*']\n",
        ),
        "config/dev.yaml:7:24: policy.0.actions: 'ecs:Update*': wildcards are not allowed",
    ),
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    new_project(tmp_path, monkeypatch, DEFAULTS)
    return tmp_path


def rendered_project(project: Path, invoke: Callable[..., Result]) -> dict[str, Any]:
    result = invoke("render")
    assert result.exit_code == 0, result.output
    out = project / "templates_out" / "dev"
    manifest = json.loads((out / "manifest.json").read_text())
    templates = {
        sid: load_cfn((out / s["template"]).read_text()) for sid, s in manifest["stacks"].items()
    }
    return {"manifest": manifest, "templates": templates}


@pytest.mark.parametrize(("dev_yaml", "where"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_nonsense_vars_are_located(
    project: Path, invoke: Callable[..., Result], dev_yaml: str, where: str
) -> None:
    (project / "config" / "dev.yaml").write_text(dev_yaml)

    result = invoke("render")

    assert result.exit_code == 2, result.output
    assert where in result.stderr, result.stderr
    assert "hunter2" not in result.stderr  # a secret written by mistake is not echoed
    assert not (project / "templates_out").exists()


def test_the_base_project_renders_and_wires_its_stacks(
    project: Path, invoke: Callable[..., Result]
) -> None:
    found = rendered_project(project, invoke)
    stacks = found["manifest"]["stacks"]
    # The api registers in the namespace stack's namespace and lets itself into Redis.
    assert stacks["shop/api"]["parameters"]["ServiceDiscoveryNamespaceId"]["source"] == {
        "kind": "stack_output",
        "stack": "shop/namespace",
        "output": "NamespaceId",
    }
    assert {"shop/namespace", "shop/redis"} <= set(stacks["shop/api"]["depends_on"])
    api = found["templates"]["shop/api"]
    grant = one(api, "AWS::EC2::SecurityGroupIngress")["Properties"]
    assert (grant["FromPort"], grant["GroupId"]) == (6379, {"Ref": "GrantIngress0SecurityGroupId"})
    assert stacks["shop/redis"]["parameters"]["AuthTokenSecretArn"]["source"]["stack"] == (
        "shop/redis-auth"
    )
    namespace = one(
        found["templates"]["shop/namespace"], "AWS::ServiceDiscovery::PrivateDnsNamespace"
    )
    assert namespace["Properties"]["Name"] == "shop.local"  # seed 004's `{project}.local`


# --- elasticache-redis ----------------------------------------------------------------------


def rendered(case: str) -> dict[str, Any]:
    return load_cfn(dump_template(build(CASES_DIR / f"{case}.yaml")))


def redis_props(template: dict[str, Any]) -> dict[str, Any]:
    return one(template, "AWS::ElastiCache::ReplicationGroup")["Properties"]


def test_redis_always_encrypts_and_authenticates_with_the_secret() -> None:
    template = rendered("elasticache-redis-prod")
    props = redis_props(template)
    assert props["TransitEncryptionEnabled"] is True
    assert props["AtRestEncryptionEnabled"] is True
    assert props["KmsKeyId"] == {"Ref": "KmsKeyArn"}
    # The token is read by CloudFormation from the secret the parameter names; the template
    # and its parameters hold the ARN only.
    assert props["AuthToken"] == {
        "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "AuthTokenSecretArn"}, "}}"]]
    }
    assert "NoEcho" not in template["Parameters"]["AuthTokenSecretArn"]
    dev = redis_props(rendered("elasticache-redis-dev"))
    assert dev["AuthToken"] == (
        "{{resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:"
        "golden/redis-AbCdEf:SecretString:token}}"
    )
    assert "KmsKeyId" not in dev


def test_redis_fails_over_only_with_a_replica() -> None:
    prod, dev = (
        redis_props(rendered("elasticache-redis-prod")),
        redis_props(rendered("elasticache-redis-dev")),
    )
    assert (prod["NumCacheClusters"], prod["AutomaticFailoverEnabled"], prod["MultiAZEnabled"]) == (
        2,
        True,
        True,
    )
    assert (dev["NumCacheClusters"], dev["AutomaticFailoverEnabled"], dev["MultiAZEnabled"]) == (
        1,
        False,
        False,
    )
    # Two nodes may still stay in one AZ when asked.
    base = {
        "vpc_id": "vpc-0123456789abcdef0",
        "subnet_ids": ["subnet-0123456789abcdef0"],
        "auth_token_secret": SECRET_ARN,
        "nodes": 2,
        "multi_az": False,
    }
    props = redis_props(render_blueprint("elasticache-redis", base))
    assert (props["AutomaticFailoverEnabled"], props["MultiAZEnabled"]) == (True, False)


def test_redis_group_admits_clients_on_6379_and_sends_nothing() -> None:
    template = rendered("elasticache-redis-prod")
    group = one(template, "AWS::EC2::SecurityGroup")["Properties"]
    assert [
        (r["FromPort"], r["ToPort"], "SourceSecurityGroupId" in r)
        for r in group["SecurityGroupIngress"]
    ] == [(6379, 6379, True)]
    # The seed's redis-sg has no outbound: the one rule matches no traffic.
    assert group["SecurityGroupEgress"] == [
        {
            "IpProtocol": "icmp",
            "FromPort": 252,
            "ToPort": 86,
            "CidrIp": "255.255.255.255/32",
            "Description": "Disallow all traffic",
        }
    ]
    assert redis_props(template)["SecurityGroupIds"] == [
        {"Fn::GetAtt": ["SecurityGroup", "GroupId"]}
    ]


def test_redis_keeps_a_snapshot_and_uses_its_family() -> None:
    template = rendered("elasticache-redis-prod")
    group = one(template, "AWS::ElastiCache::ReplicationGroup")
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("Snapshot", "Snapshot")
    params = one(template, "AWS::ElastiCache::ParameterGroup")["Properties"]
    assert params["CacheParameterGroupFamily"] == "redis7"
    assert params["Properties"] == {"maxmemory-policy": "noeviction"}
    assert redis_props(template)["CacheParameterGroupName"] == {"Ref": "ParameterGroup"}
    six = render_blueprint(
        "elasticache-redis",
        {
            "vpc_id": "vpc-0123456789abcdef0",
            "subnet_ids": ["subnet-0123456789abcdef0"],
            "auth_token_secret": SECRET_ARN,
            "engine_version": "6.2",
        },
    )
    assert one(six, "AWS::ElastiCache::ParameterGroup")["Properties"][
        "CacheParameterGroupFamily"
    ] == ("redis6.x")


def test_redis_alarms_watch_every_node() -> None:
    alarms = resources(rendered("elasticache-redis-prod"), "AWS::CloudWatch::Alarm")
    watched = {
        (a["Properties"]["MetricName"], a["Properties"]["Dimensions"][0]["Value"])
        for a in alarms.values()
    }
    nodes = (
        "acme-prod-golden-elasticache-redis-prod-001",
        "acme-prod-golden-elasticache-redis-prod-002",
    )
    metrics = (
        "CPUUtilization",
        "EngineCPUUtilization",
        "DatabaseMemoryUsagePercentage",
        "Evictions",
    )
    assert watched == {(m, n) for m in metrics for n in nodes}


# --- alb --------------------------------------------------------------------------------------


def test_alb_forwards_to_kong_only_with_the_origin_secret() -> None:
    template = rendered("alb-origin-verify")
    res = template["Resources"]
    https = res["Listener443"]["Properties"]
    assert https["DefaultActions"] == [
        {
            "Type": "fixed-response",
            "FixedResponseConfig": {
                "StatusCode": "403",
                "ContentType": "text/plain",
                "MessageBody": "Forbidden",
            },
        }
    ]
    rule = res["Listener443Rule1"]["Properties"]
    assert rule["ListenerArn"] == {"Ref": "Listener443"}
    assert rule["Conditions"] == [
        {
            "Field": "http-header",
            "HttpHeaderConfig": {
                "HttpHeaderName": "X-Origin-Verify",
                "Values": [
                    {
                        "Fn::Join": [
                            "",
                            [
                                "{{resolve:secretsmanager:",
                                {"Ref": "Listeners1Rules0HttpHeaders0SecretArn"},
                                "}}",
                            ],
                        ]
                    }
                ],
            },
        }
    ]
    assert rule["Actions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": "KongTargetGroup"}}]


def test_alb_routes_by_host_on_8443_and_by_path_on_8080() -> None:
    res = rendered("alb-origin-verify")["Resources"]
    assert res["Listener8443"]["Properties"]["Protocol"] == "HTTPS"
    assert res["Listener8443Rule10"]["Properties"]["Conditions"] == [
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["auth-service.internal"]}}
    ]
    assert res["Listener8443Rule20"]["Properties"]["Actions"][0]["TargetGroupArn"] == {
        "Ref": "OffersTargetGroup"
    }
    assert res["Listener8080"]["Properties"]["Protocol"] == "HTTP"
    assert res["Listener8080Rule10"]["Properties"]["Conditions"] == [
        {
            "Field": "path-pattern",
            "PathPatternConfig": {"Values": ["/auth/.well-known/*", "/auth/oidc/*"]},
        }
    ]


def test_only_the_internal_plain_http_listener_opts_out_of_e9102() -> None:
    res = rendered("alb-origin-verify")["Resources"]
    opted = {k for k, r in res.items() if "cfn-lint" in r.get("Metadata", {})}
    assert opted == {"Listener8080"}
    # Its port is closed to the world: only Kong's group reaches it.
    group = res["SecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert [r for r in group if r["FromPort"] == 8080] == [
        {
            "IpProtocol": "tcp",
            "Description": "Kong OIDC discovery",
            "FromPort": 8080,
            "ToPort": 8080,
            "SourceSecurityGroupId": {"Ref": "Ingress3SecurityGroupId"},
        }
    ]
    # Without the opt-out, E9102 would flag it: the opt-out is needed, and only there.
    body = dump_template(build(CASES_DIR / "alb-origin-verify.yaml"))
    assert [f["rule"] for f in lint_text(body.replace("- E9102", "- W0000"))] == ["E9102"]


def test_an_internal_alb_forwards_plain_http_without_opting_out() -> None:
    template = render_blueprint(
        "alb",
        {
            "vpc_id": "vpc-0123456789abcdef0",
            "subnet_ids": ["subnet-0123456789abcdef0"],
            "ingress": [{"port": 8080, "cidr": "10.0.0.0/16", "description": "VPC"}],
            "listeners": [
                {
                    "port": 8080,
                    "fixed_response": {"status_code": 404},
                    "rules": [
                        {
                            "priority": 1,
                            "http_headers": [{"name": "X-Tenant", "values": ["a", "b"]}],
                            "target_group": "app",
                        }
                    ],
                }
            ],
            "target_groups": [{"id": "app", "target_type": "ip", "port": 8080}],
        },
    )
    assert "Metadata" not in template["Resources"]["Listener8080"]
    condition = template["Resources"]["Listener8080Rule1"]["Properties"]["Conditions"][0]
    assert condition["HttpHeaderConfig"] == {"HttpHeaderName": "X-Tenant", "Values": ["a", "b"]}


def test_a_verify_header_takes_a_secret_tag_as_its_value() -> None:
    reference = "{{resolve:secretsmanager:shop/origin-verify:SecretString:value}}"
    template = render_blueprint(
        "alb",
        {
            "vpc_id": "vpc-0123456789abcdef0",
            "subnet_ids": ["subnet-0123456789abcdef0"],
            "ingress": [{"port": 8443, "cidr": "10.0.0.0/16", "description": "VPC"}],
            "listeners": [
                {
                    "port": 8443,
                    "protocol": "HTTPS",
                    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                    "fixed_response": {"status_code": 403},
                    "rules": [
                        {
                            "priority": 1,
                            "http_headers": [{"name": "X-Origin-Verify", "values": [reference]}],
                            "fixed_response": {"status_code": 200},
                        }
                    ],
                }
            ],
        },
    )
    condition = template["Resources"]["Listener8443Rule1"]["Properties"]["Conditions"][0]
    assert condition["HttpHeaderConfig"]["Values"] == [reference]


# --- ecs-fargate-service ---------------------------------------------------------------------


def test_the_seed_tiers_are_fargate_sizes() -> None:
    assert TASK_SIZES == {
        "micro": (256, 512),
        "small": (512, 1024),
        "medium": (1024, 2048),
        "large": (2048, 4096),
    }
    for cpu, memory in TASK_SIZES.values():
        assert fargate_memory_error(cpu, memory) is None


@pytest.mark.parametrize("size", sorted(TASK_SIZES))
def test_size_sets_the_task_definition(size: str) -> None:
    template = render_blueprint(
        "ecs-fargate-service",
        {
            "size": size,
            "image": {
                "repository_uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop",
                "repository_arn": "arn:aws:ecr:us-east-1:123456789012:repository/shop",
                "tag": "1.0.0",
            },
            "container_port": 3000,
            "vpc_id": "vpc-0123456789abcdef0",
            "subnet_ids": ["subnet-0123456789abcdef0"],
            "egress": [{"port": 443, "cidr": "0.0.0.0/0", "description": "HTTPS"}],
        },
    )
    task = one(template, "AWS::ECS::TaskDefinition")["Properties"]
    assert (int(task["Cpu"]), int(task["Memory"])) == TASK_SIZES[size]


def test_a_service_may_sleep_at_zero_tasks() -> None:
    template = rendered("ecs-fargate-scale-to-zero")
    target = one(template, "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, 3)
    # Autoscaling owns the count: a deploy never wakes or stops the service.
    assert "DesiredCount" not in one(template, "AWS::ECS::Service")["Properties"]


def test_secrets_by_name_path_read_exactly_those_secrets() -> None:
    template = rendered("ecs-fargate-scale-to-zero")
    container = one(template, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"][0]
    base = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
    assert container["Secrets"] == [
        {
            "Name": "DATABASE_URL",
            "ValueFrom": {
                "Fn::Sub": "arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
                "golden/dev/auth-service/database:url::"
            },
        },
        {"Name": "JWT_SECRET", "ValueFrom": {"Fn::Sub": base + "golden/dev/shared/jwt"}},
    ]
    role = template["Resources"]["ExecutionRole"]
    read = next(s for s in statements(role) if s.get("Sid") == "ReadSecrets")
    # A partial ARN names the secret without Secrets Manager's random suffix: `-??????` stands
    # for exactly those six characters, so no other secret of the path is readable.
    assert read["Resource"] == [
        {"Fn::Sub": base + "golden/dev/shared/jwt-??????"},
        {
            "Fn::Sub": "arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
            "golden/dev/auth-service/database-??????"
        },
    ]
    # A complete ARN is granted as written.
    full = rendered("ecs-fargate-alb-scaling")
    read = next(
        s for s in statements(full["Resources"]["ExecutionRole"]) if s.get("Sid") == "ReadSecrets"
    )
    assert (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:golden/db-AbCdEf" in read["Resource"]
    )


# --- the wake-up Lambda ----------------------------------------------------------------------


def test_the_wake_up_lambda_may_update_only_this_apps_services(
    project: Path, invoke: Callable[..., Result]
) -> None:
    template = rendered_project(project, invoke)["templates"]["shop/wake-up"]
    role = one(template, "AWS::IAM::Role")
    wake = next(s for s in statements(role) if s.get("Sid") == "WakeServices")
    assert wake["Action"] == ["ecs:UpdateService", "ecs:DescribeServices"]
    assert wake["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:"
            "service/acme-dev-shop-api/acme-dev-shop-*"
        }
    ]
    findings = lint_text((project / "templates_out" / "dev" / "shop" / "wake-up.yaml").read_text())
    assert [f for f in findings if f["severity"] != "informational"] == []


# --- every new case is lint-clean --------------------------------------------------------------

NEW_CASES = [
    "alb-origin-verify",
    "ecs-fargate-scale-to-zero",
    "elasticache-redis-dev",
    "elasticache-redis-prod",
    "service-discovery-namespace",
]


@pytest.mark.parametrize("case", NEW_CASES)
def test_new_cases_pass_cfn_lint_and_infragen_rules(case: str) -> None:
    findings = lint_text(dump_template(build(CASES_DIR / f"{case}.yaml")))
    assert [f for f in findings if f["severity"] != "informational"] == []
