"""jobs-api (seed 002, FRED-29): every value of the decision log, per environment."""

from __future__ import annotations

from typing import Any

import pytest

from blueprints.support import (
    granted_actions,
    one,
    param_source,
    rendered,
    resources,
    statements,
)

ENVS = ["dev", "staging", "prod"]
APP = "jobs-api"

# §6, §8, §10 (staging retention: our choice, documented in config/staging.yaml)
STAGE = {
    "dev": {"level": "INFO", "trace": True, "rate": 50, "burst": 100, "retention": 7},
    "staging": {"level": "INFO", "trace": True, "rate": 250, "burst": 500, "retention": 14},
    "prod": {"level": "ERROR", "trace": False, "rate": 1000, "burst": 2000, "retention": 30},
}
ORIGINS = {
    "dev": ["http://localhost:3000", "http://localhost:5000"],
    "staging": ["https://staging.jobs.example.com"],
    "prod": ["https://jobs.example.com", "https://www.jobs.example.com"],
}


def stack(env: str, name: str) -> dict[str, Any]:
    return rendered()[env]["stacks"][f"{APP}/{name}"]


@pytest.mark.parametrize("env", ENVS)
def test_function_is_a_3008_mb_60_s_container_in_private_subnets(env: str) -> None:
    template = stack(env, "function")
    fn = one(template, "AWS::Lambda::Function")["Properties"]
    assert fn["MemorySize"] == 3008
    assert fn["Timeout"] == 60
    assert fn["PackageType"] == "Image"
    assert "Runtime" not in fn and "Handler" not in fn
    image = fn["Code"]["ImageUri"]["Fn::Join"][1]
    assert param_source(env, f"{APP}/function", image[0]) == {
        "kind": "stack_output",
        "stack": "jobs-api/ecr",
        "output": "RepositoryUri",
    }
    subnets = fn["VpcConfig"]["SubnetIds"]
    assert param_source(env, f"{APP}/function", subnets)["output"] == "PrivateAppSubnetIds"
    assert param_source(env, f"{APP}/function", fn["Role"]) == {
        "kind": "stack_output",
        "stack": "jobs-api/role",
        "output": "RoleArn",
    }
    assert fn["TracingConfig"] == {"Mode": "Active"}
    assert fn["LoggingConfig"] == {"LogGroup": {"Ref": "LogGroup"}}


@pytest.mark.parametrize("env", ENVS)
def test_separate_log_groups_with_retention_per_environment(env: str) -> None:
    days = STAGE[env]["retention"]
    fn_logs = stack(env, "function")["Resources"]["LogGroup"]
    assert fn_logs["Properties"]["RetentionInDays"] == days
    assert fn_logs["Properties"]["LogGroupName"] == f"/aws/lambda/acme-{env}-jobs-api-function"
    api_logs = resources(stack(env, "deployment"), "AWS::Logs::LogGroup")
    assert set(api_logs) == {"AccessLogGroup", "ExecutionLogGroup"}
    assert {g["Properties"]["RetentionInDays"] for g in api_logs.values()} == {days}
    kept = "Retain" if env == "prod" else "Delete"
    assert fn_logs["DeletionPolicy"] == fn_logs["UpdateReplacePolicy"] == kept


@pytest.mark.parametrize("env", ENVS)
def test_stage_v1_settings_per_environment(env: str) -> None:
    template = stack(env, "deployment")
    expected = STAGE[env]
    stage = one(template, "AWS::ApiGateway::Stage")["Properties"]
    assert stage["StageName"] == "v1"
    assert stage["TracingEnabled"] is True
    [setting] = stage["MethodSettings"]
    assert setting["HttpMethod"] == "*" and setting["ResourcePath"] == "/*"
    assert setting["LoggingLevel"] == expected["level"]
    assert setting["DataTraceEnabled"] is expected["trace"]
    assert setting["ThrottlingRateLimit"] == expected["rate"]
    assert setting["ThrottlingBurstLimit"] == expected["burst"]
    assert stage["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["AccessLogGroup", "Arn"]}
    assert "$context.requestId" in stage["AccessLogSetting"]["Format"]
    plan = one(template, "AWS::ApiGateway::UsagePlan")["Properties"]
    assert plan["Throttle"] == {"RateLimit": expected["rate"], "BurstLimit": expected["burst"]}
    account = one(template, "AWS::ApiGateway::Account")["Properties"]
    assert account["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLoggingRole", "Arn"]}


@pytest.mark.parametrize("env", ENVS)
def test_cors_preflight_is_a_mock_with_the_seed_headers_and_env_origins(env: str) -> None:
    template = stack(env, "api")
    methods = resources(template, "AWS::ApiGateway::Method")
    options = {k: m for k, m in methods.items() if m["Properties"]["HttpMethod"] == "OPTIONS"}
    assert set(options) == {"RootOptionsMethod", "ProxyOptionsMethod"}
    for method in options.values():
        integration = method["Properties"]["Integration"]
        assert integration["Type"] == "MOCK"
        [response] = integration["IntegrationResponses"]
        params = response["ResponseParameters"]
        prefix = "method.response.header.Access-Control-Allow-"
        assert params[prefix + "Headers"] == "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'"
        assert params[prefix + "Methods"] == "'GET,POST,OPTIONS'"
        assert params[prefix + "Origin"] == f"'{ORIGINS[env][0]}'"
        echo = response["ResponseTemplates"]["application/json"]
        for origin in ORIGINS[env]:
            assert f'$origin == "{origin}"' in echo
        others = {o for origins in ORIGINS.values() for o in origins} - set(ORIGINS[env])
        assert not any(o in echo for o in others)
    proxy = {m["Properties"]["HttpMethod"] for m in methods.values()} - {"OPTIONS"}
    assert proxy == {"GET", "POST"}
    for method in methods.values():
        integration = method["Properties"]["Integration"]
        if method["Properties"]["HttpMethod"] != "OPTIONS":
            assert integration["Type"] == "AWS_PROXY"
            assert integration["IntegrationHttpMethod"] == "POST"
    assert one(template, "AWS::ApiGateway::RestApi")["Properties"]["EndpointConfiguration"] == {
        "Types": ["REGIONAL"]
    }


SEED_GRANTS = {
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "s3:PutObject",
    "s3:GetObject",
    "s3:DeleteObject",
    "s3:ListBucket",
    "rds:DescribeDBInstances",
    "rds:DescribeDBClusters",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
}
# Needed by §"X-Ray Tracing" though §5 does not list it.
TRACING = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# §12's "migrate to AWS Secrets Manager": the function reads the RDS-managed secret.
SECRET = {"secretsmanager:GetSecretValue"}


@pytest.mark.parametrize("env", ENVS)
def test_execution_role_grants_exactly_the_seed_list(env: str) -> None:
    role = one(stack(env, "role"), "AWS::IAM::Role")
    granted = granted_actions(role)
    assert granted == SEED_GRANTS | TRACING | SECRET
    assert role["Properties"]["ManagedPolicyArns"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/"
            "AWSLambdaVPCAccessExecutionRole"
        }
    ]
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": ["lambda.amazonaws.com"]}


@pytest.mark.parametrize("env", ENVS)
def test_execution_role_grants_nothing_the_seed_rules_out(env: str) -> None:
    granted = granted_actions(one(stack(env, "role"), "AWS::IAM::Role"))
    services = {a.split(":")[0] for a in granted}
    assert not services & {"rds-data", "rds-db", "iam", "kms"}  # §5 "Not Granted"
    assert not granted & {"s3:PutBucketPolicy", "s3:DeleteBucket"}
    assert not any("*" in a for a in granted)


@pytest.mark.parametrize("env", ENVS)
def test_execution_role_resources_are_scoped(env: str) -> None:
    role = one(stack(env, "role"), "AWS::IAM::Role")
    by_action = {a: s["Resource"] for s in statements(role) for a in s["Action"]}
    bucket = f"acme-{env}-jobs-api-files-${{AWS::AccountId}}"
    assert by_action["s3:GetObject"] == [{"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket}/*"}]
    assert by_action["s3:ListBucket"] == [{"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket}"}]
    assert (
        f"/aws/lambda/acme-{env}-jobs-api-function:*"
        in by_action["logs:PutLogEvents"][0]["Fn::Sub"]
    )
    assert f"db:acme-{env}-jobs-api-database" in by_action["rds:DescribeDBInstances"][0]["Fn::Sub"]
    stars = {a for a, res in by_action.items() if "*" in res}
    assert stars == {"ec2:DescribeNetworkInterfaces"} | TRACING
    # Exactly the database's own secret, not a name pattern.
    [secret] = by_action["secretsmanager:GetSecretValue"]
    assert param_source(env, f"{APP}/role", secret) == {
        "kind": "stack_output",
        "stack": "jobs-api/database",
        "output": "MasterUserSecretArn",
    }
    # The names the role assumes are the names the other stacks build.
    bucket_stack = stack(env, "bucket")
    assert one(bucket_stack, "AWS::S3::Bucket")["Properties"]["BucketName"] == {"Fn::Sub": bucket}
    db = one(stack(env, "database"), "AWS::RDS::DBInstance")["Properties"]
    assert db["DBInstanceIdentifier"] == f"acme-{env}-jobs-api-database"


@pytest.mark.parametrize("env", ENVS)
def test_security_groups_lambda_egress_443_5432_and_rds_ingress_from_lambda(env: str) -> None:
    fn = stack(env, "function")
    sg = fn["Resources"]["SecurityGroup"]["Properties"]
    egress = {(r["FromPort"], r["ToPort"], r["CidrIp"]) for r in sg["SecurityGroupEgress"]}
    assert egress == {(443, 443, "0.0.0.0/0"), (5432, 5432, "0.0.0.0/0")}
    assert "SecurityGroupIngress" not in sg
    grant = one(fn, "AWS::EC2::SecurityGroupIngress")["Properties"]
    assert grant["FromPort"] == grant["ToPort"] == 5432
    assert grant["SourceSecurityGroupId"] == {"Ref": "SecurityGroup"}
    assert param_source(env, f"{APP}/function", grant["GroupId"]) == {
        "kind": "stack_output",
        "stack": "jobs-api/database",
        "output": "SecurityGroupId",
    }
    db_sg = stack(env, "database")["Resources"]["SecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in db_sg  # only the Lambda's grant opens it


@pytest.mark.parametrize("env", ENVS)
def test_database_password_is_managed_by_rds_and_never_passes_through_the_deploy(
    env: str,
) -> None:
    db_stack = stack(env, "database")
    db = one(db_stack, "AWS::RDS::DBInstance")["Properties"]
    assert db["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in db
    assert db_stack["Outputs"]["MasterUserSecretArn"]["Value"] == {
        "Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]
    }
    # No jobs-api stack takes a secret from the deploying shell any more.
    for sid, entry in rendered()[env]["manifest"]["stacks"].items():
        if sid.startswith(APP):
            sources = [p["source"] for p in entry["parameters"].values()]
            assert not any(p["no_echo"] for p in entry["parameters"].values()), sid
            assert "JOBS_API_DB_PASSWORD" not in {s.get("name") for s in sources}, sid


@pytest.mark.parametrize("env", ENVS)
def test_function_gets_the_secret_arn_not_the_password(env: str) -> None:
    fn_stack = stack(env, "function")
    variables = one(fn_stack, "AWS::Lambda::Function")["Properties"]["Environment"]["Variables"]
    assert "DB_PASSWORD" not in variables
    assert variables["DB_USER"] == "jobs_admin"
    assert param_source(env, f"{APP}/function", variables["DB_SECRET_ARN"]) == {
        "kind": "stack_output",
        "stack": "jobs-api/database",
        "output": "MasterUserSecretArn",
    }


@pytest.mark.parametrize("env", ENVS)
def test_database_exports_its_logs_to_groups_with_the_env_retention(env: str) -> None:
    template = stack(env, "database")
    db = one(template, "AWS::RDS::DBInstance")
    assert db["Properties"]["EnableCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    groups = resources(template, "AWS::Logs::LogGroup")
    names = {g["Properties"]["LogGroupName"] for g in groups.values()}
    prefix = f"/aws/rds/instance/acme-{env}-jobs-api-database/"
    assert names == {prefix + "postgresql", prefix + "upgrade"}
    assert {g["Properties"]["RetentionInDays"] for g in groups.values()} == {
        STAGE[env]["retention"]
    }
    # RDS would otherwise create them first, without retention.
    assert sorted(db["DependsOn"]) == sorted(groups)


@pytest.mark.parametrize("env", ENVS)
def test_database_is_private_encrypted_and_snapshotted_in_prod(env: str) -> None:
    db = one(stack(env, "database"), "AWS::RDS::DBInstance")
    props = db["Properties"]
    assert props["Engine"] == "postgres"
    assert props["StorageEncrypted"] is True
    assert props["PubliclyAccessible"] is False
    assert props["MultiAZ"] is (env == "prod")
    assert props["DeletionProtection"] is (env == "prod")
    assert db["DeletionPolicy"] == db["UpdateReplacePolicy"] == "Snapshot"
    subnets = one(stack(env, "database"), "AWS::RDS::DBSubnetGroup")["Properties"]["SubnetIds"]
    assert param_source(env, f"{APP}/database", subnets)["output"] == "PrivateDataSubnetIds"


@pytest.mark.parametrize("env", ENVS)
def test_the_five_recommended_alarms(env: str) -> None:
    fn = stack(env, "function")["Resources"]
    errors = fn["ErrorsAlarm"]["Properties"]
    assert (errors["MetricName"], errors["Statistic"], errors["Period"]) == ("Errors", "Sum", 300)
    assert errors["Threshold"] == 10 and errors["ComparisonOperator"] == "GreaterThanThreshold"
    duration = fn["DurationAlarm"]["Properties"]
    assert (duration["MetricName"], duration["Statistic"]) == ("Duration", "Maximum")
    assert duration["Threshold"] == 50000

    api = stack(env, "deployment")["Resources"]
    rate = api["ServerErrorRateAlarm"]["Properties"]
    assert rate["Threshold"] == 5
    queries = {q["Id"]: q for q in rate["Metrics"]}
    assert queries["errors"]["MetricStat"]["Metric"]["MetricName"] == "5XXError"
    assert queries["requests"]["MetricStat"]["Metric"]["MetricName"] == "Count"
    assert "100 * errors / requests" in queries["rate"]["Expression"]
    assert [q["Id"] for q in rate["Metrics"] if q["ReturnData"]] == ["rate"]
    latency = api["LatencyP99Alarm"]["Properties"]
    assert (latency["ExtendedStatistic"], latency["Threshold"]) == ("p99", 2000)

    cpu = stack(env, "database")["Resources"]["CpuAlarm"]["Properties"]
    assert (cpu["MetricName"], cpu["Threshold"]) == ("CPUUtilization", 80)
    assert cpu["Period"] * cpu["EvaluationPeriods"] == 300


@pytest.mark.parametrize("env", ENVS)
def test_stacks_deploy_in_the_seed_order(env: str) -> None:
    order = rendered()[env]["manifest"]["order"]
    steps = [f"{APP}/{s}" for s in ("role", "function", "api", "permission", "deployment")]
    positions = [order.index(s) for s in steps]
    assert positions == sorted(positions)
    deps = {sid: set(s["depends_on"]) for sid, s in rendered()[env]["manifest"]["stacks"].items()}
    # The role reads the database's managed secret by its exact ARN, so it follows the
    # database; it still precedes the function (§11.1 -> 11.2).
    assert deps[f"{APP}/role"] == {f"{APP}/database"}
    assert {f"{APP}/{s}" for s in ("role", "ecr", "database", "bucket")} <= deps[f"{APP}/function"]
    assert deps[f"{APP}/api"] == {f"{APP}/function", f"{APP}/authorizer"}
    assert deps[f"{APP}/permission"] == {f"{APP}/function", f"{APP}/api"}
    assert f"{APP}/api" in deps[f"{APP}/deployment"]


@pytest.mark.parametrize("env", ENVS)
def test_permission_lets_only_this_api_invoke(env: str) -> None:
    perm = one(stack(env, "permission"), "AWS::Lambda::Permission")["Properties"]
    assert perm["Principal"] == "apigateway.amazonaws.com"
    assert param_source(env, f"{APP}/permission", perm["SourceArn"])["output"] == (
        "InvokeResourceArn"
    )
    # The api stack grants only the authorizer's invoke; the function's is the permission stack's.
    granted = resources(stack(env, "api"), "AWS::Lambda::Permission").values()
    assert [
        param_source(env, f"{APP}/api", p["Properties"]["FunctionName"])["stack"] for p in granted
    ] == [f"{APP}/authorizer"]


@pytest.mark.parametrize("env", ENVS)
def test_every_taggable_resource_has_environment_service_component(env: str) -> None:
    for sid, template in rendered()[env]["stacks"].items():
        if not sid.startswith(APP):
            continue
        component = sid.split("/")[1]
        for name, res in template["Resources"].items():
            tags = res["Properties"].get("Tags")
            if tags is None:
                continue
            found = tags if isinstance(tags, dict) else {t["Key"]: t["Value"] for t in tags}
            assert found["Environment"] == env, (sid, name)
            assert found["Service"] == "jobs-api", (sid, name)
            assert found["Component"] in {component, "ecr", "storage", "iam"}, (sid, name)


@pytest.mark.parametrize("env", ENVS)
def test_ecr_repository_scans_and_keeps_tags_immutable(env: str) -> None:
    repo = one(stack(env, "ecr"), "AWS::ECR::Repository")["Properties"]
    assert repo["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert repo["ImageTagMutability"] == "IMMUTABLE"
    assert "LifecyclePolicyText" in repo["LifecyclePolicy"]


@pytest.mark.parametrize("env", ENVS)
def test_every_method_needs_the_token_authorizer_and_an_api_key(env: str) -> None:
    """Security considerations 2 (authorizer) and §10 (API keys for client-specific limits)."""
    api = stack(env, "api")
    authorizer = one(api, "AWS::ApiGateway::Authorizer")["Properties"]
    assert authorizer["Type"] == "TOKEN"
    assert authorizer["IdentitySource"] == "method.request.header.Authorization"
    function_ref = authorizer["AuthorizerUri"]["Fn::Join"][1][1]
    assert param_source(env, f"{APP}/api", function_ref) == {
        "kind": "stack_output",
        "stack": "jobs-api/authorizer",
        "output": "FunctionArn",
    }
    methods = resources(api, "AWS::ApiGateway::Method")
    proxied = {
        k: m["Properties"] for k, m in methods.items() if m["Properties"]["HttpMethod"] != "OPTIONS"
    }
    assert proxied and all(
        m["AuthorizationType"] == "CUSTOM"
        and m["AuthorizerId"] == {"Ref": "Authorizer"}
        and m["ApiKeyRequired"] is True
        for m in proxied.values()
    )
    deployment = stack(env, "deployment")
    key = one(deployment, "AWS::ApiGateway::ApiKey")["Properties"]
    assert key["Enabled"] is True and "Value" not in key  # AWS generates the value
    assert one(deployment, "AWS::ApiGateway::UsagePlanKey")


@pytest.mark.parametrize("env", ENVS)
def test_a_regional_waf_guards_the_stage(env: str) -> None:
    """Security considerations 3: AWS WAF for DDoS and application-layer protection."""
    acl = one(stack(env, "waf"), "AWS::WAFv2::WebACL")["Properties"]
    assert acl["Scope"] == "REGIONAL"
    groups = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in acl["Rules"]
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet"} <= groups
    association = one(stack(env, "deployment"), "AWS::WAFv2::WebACLAssociation")["Properties"]
    assert param_source(env, f"{APP}/deployment", association["WebACLArn"]) == {
        "kind": "stack_output",
        "stack": "jobs-api/waf",
        "output": "WebAclArn",
    }
