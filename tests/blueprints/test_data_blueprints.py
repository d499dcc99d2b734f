"""kms-key, secret, github-oidc-deploy-role, budget, rds-proxy and rds-postgres's growth:
the security properties each promises, and the mistakes each refuses."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from blueprints.support import load_cfn, one, resources, statements
from infragen.blueprints.base import BuildContext
from infragen.blueprints.registry import get_blueprint
from infragen.config.tags import EnvTag, SecretTag, StackOutputTag
from infragen.lint.runner import lint_text
from infragen.render.yaml_out import dump_template

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0b3c4d5e-6f70-4a81-92a3-b4c5d6e7f809"
ROLE_ARN = "arn:aws:iam::123456789012:role/acme-prod-ai-foundry-api"
USE_ACTIONS = {"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo"}
USE_ACTIONS |= {"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"}


def out(ref: str) -> StackOutputTag:
    return StackOutputTag.parse(ref, None)


def build(blueprint: str, vars: dict[str, Any], env: str = "dev") -> dict[str, Any]:
    cls = get_blueprint(blueprint)
    context = BuildContext(
        project="acme",
        env=env,
        app="app",
        stack="data",
        region="us-east-1",
        production=env == "prod",
    )
    return cls(cls.Vars.model_validate(vars), context).build().to_dict()


def refused(blueprint: str, vars: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        get_blueprint(blueprint).Vars.model_validate(vars)


def actions(statement: dict[str, Any]) -> set[str]:
    found = statement["Action"]
    return set(found if isinstance(found, list) else [found])


# kms-key ---------------------------------------------------------------------------------


KEY_VARS: dict[str, Any] = {
    "name": "data",
    "usage": [
        {"via_service": "rds"},
        {"via_service": "secretsmanager", "principals": [ROLE_ARN], "access": "decrypt"},
        {"service_principal": "logs"},
        {"service_principal": "sns"},
    ],
}


@pytest.mark.parametrize(("env", "policy"), [("dev", "Delete"), ("prod", "Retain")])
def test_kms_key_rotates_has_its_alias_and_is_retained_in_production(env: str, policy: str):
    template = build("kms-key", KEY_VARS, env)
    key = one(template, "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["Properties"]["PendingWindowInDays"] == 30
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == policy
    alias = one(template, "AWS::KMS::Alias")["Properties"]
    assert alias["AliasName"] == f"alias/acme-{env}-app-data"
    assert set(template["Outputs"]) == {"KeyArn", "KeyId", "AliasName"}


def test_kms_key_root_administers_but_never_uses_the_key():
    policy = one(build("kms-key", KEY_VARS), "AWS::KMS::Key")["Properties"]["KeyPolicy"]
    admin = policy["Statement"][0]
    assert admin["Principal"] == {
        "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
    }
    assert "kms:PutKeyPolicy" in actions(admin)  # the key stays manageable
    assert not actions(admin) & (USE_ACTIONS | {"kms:CreateGrant"})
    assert not any("*" in a for s in policy["Statement"] for a in actions(s))


def test_kms_key_each_usage_is_narrowed_by_service_or_source_account():
    policy = one(build("kms-key", KEY_VARS), "AWS::KMS::Key")["Properties"]["KeyPolicy"]
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    rds = by_sid["Use1"]["Condition"]["StringEquals"]
    assert rds["kms:ViaService"] == {"Fn::Sub": "rds.${AWS::Region}.amazonaws.com"}
    assert rds["kms:CallerAccount"] == {"Ref": "AWS::AccountId"}
    grants = by_sid["Use1Grants"]
    assert actions(grants) == {"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"}
    assert grants["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": True}
    reader = by_sid["Use2"]
    assert reader["Principal"] == {"AWS": [ROLE_ARN]}
    assert actions(reader) == {"kms:Decrypt", "kms:DescribeKey"}
    assert "Use2Grants" not in by_sid  # decrypt-only users get no grants
    logs = by_sid["Use3"]
    assert logs["Principal"] == {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}}
    assert "kms:EncryptionContext:aws:logs:arn" in logs["Condition"]["ArnLike"]
    sns = by_sid["Use4"]
    assert sns["Principal"] == {"Service": "sns.amazonaws.com"}
    assert sns["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


@pytest.mark.parametrize(
    ("usage", "message"),
    [
        ({}, "give via_service"),
        ({"service_principal": "logs", "principals": [ROLE_ARN]}, "stands alone"),
        ({"principals": ["arn:aws:iam::123456789012:root"]}, "not an IAM role or user ARN"),
        ({"via_service": "rds.amazonaws.com"}, "without .amazonaws.com"),
    ],
)
def test_kms_key_refuses_unscoped_or_malformed_usage(usage: dict[str, Any], message: str):
    refused("kms-key", {"usage": [usage]}, message)


def test_kms_key_pending_window_is_kms_range():
    refused("kms-key", {"pending_window_days": 3}, "greater than or equal to 7")


# secret ----------------------------------------------------------------------------------


def test_secret_generated_json_with_customer_key_and_cross_account_deny():
    vars = {
        "name": "db-app",
        "kms_key_arn": out("app/kms::KeyArn"),
        "generate": {"length": 40, "template": {"username": "app"}, "key": "password"},
    }
    template = build("secret", vars, "prod")
    secret = one(template, "AWS::SecretsManager::Secret")
    props = secret["Properties"]
    assert "SecretString" not in props
    assert props["Name"] == "acme-prod-app-db-app"
    assert props["KmsKeyId"] == {"Ref": "KmsKeyArn"}
    assert template["Parameters"]["KmsKeyArn"]["Description"].startswith("!stack_output")
    generate = props["GenerateSecretString"]
    assert generate["PasswordLength"] == 40
    assert generate["SecretStringTemplate"] == '{"username": "app"}'
    assert generate["GenerateStringKey"] == "password"
    assert set('"@/\\') <= set(generate["ExcludeCharacters"])
    assert secret["DeletionPolicy"] == "Retain"
    policy = one(template, "AWS::SecretsManager::ResourcePolicy")["Properties"]
    assert policy["BlockPublicPolicy"] is True
    [deny] = policy["ResourcePolicy"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {
        "StringNotEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}
    }
    assert "AWS::SecretsManager::RotationSchedule" not in {
        r["Type"] for r in template["Resources"].values()
    }


def test_secret_external_is_created_empty_and_rotation_uses_the_given_function():
    vars = {
        "kms_key_arn": KEY_ARN,
        "source": "external",
        "deny_other_accounts": False,
        "rotation": {"lambda_arn": out("app/rotator::FunctionArn"), "days": 7},
    }
    template = build("secret", vars)
    props = one(template, "AWS::SecretsManager::Secret")["Properties"]
    assert "GenerateSecretString" not in props and "SecretString" not in props
    assert not resources(template, "AWS::SecretsManager::ResourcePolicy")
    rotation = one(template, "AWS::SecretsManager::RotationSchedule")["Properties"]
    assert rotation["RotationLambdaARN"] == {"Ref": "RotationLambdaArn"}
    assert rotation["RotationRules"] == {"AutomaticallyAfterDays": 7}


@pytest.mark.parametrize(
    ("vars", "message"),
    [
        ({"kms_key_arn": KEY_ARN, "value": "hunter2"}, "never written in config"),
        ({"kms_key_arn": KEY_ARN, "secret_string": "x"}, "never written in config"),
        ({"kms_key_arn": "alias/aws/secretsmanager"}, "not a KMS key ARN"),
        ({}, "kms_key_arn"),
        ({"kms_key_arn": KEY_ARN, "generate": {"key": "password"}}, "go together"),
        (
            {
                "kms_key_arn": KEY_ARN,
                "generate": {"template": {"password": "x"}, "key": "password"},
            },
            "already in the template",
        ),
        ({"kms_key_arn": KEY_ARN, "source": "external", "generate": {}}, "not generated"),
    ],
)
def test_secret_refuses_values_and_aws_managed_keys(vars: dict[str, Any], message: str):
    refused("secret", vars, message)


# github-oidc-deploy-role -----------------------------------------------------------------

DEPLOY_POLICY = [
    {"actions": ["ecr:GetAuthorizationToken"], "resources": ["*"]},
    {
        "actions": ["ecr:PutImage", "ecr:UploadLayerPart"],
        "resources": [out("app/ecr::RepositoryArn")],
    },
    {
        "actions": ["apprunner:UpdateService", "apprunner:StartDeployment"],
        "resources": [out("app/api::ServiceArn")],
    },
]


def test_oidc_trust_pins_audience_and_exact_subjects():
    vars = {
        "repository": "acme/ai-foundry",
        "branches": ["main"],
        "environments": ["production"],
        "policy": DEPLOY_POLICY,
    }
    template = build("github-oidc-deploy-role", vars, "prod")
    provider = one(template, "AWS::IAM::OIDCProvider")["Properties"]
    assert provider["Url"] == "https://token.actions.githubusercontent.com"
    assert provider["ClientIdList"] == ["sts.amazonaws.com"]
    role = one(template, "AWS::IAM::Role")
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Federated": {"Ref": "Provider"}}
    assert actions(trust) == {"sts:AssumeRoleWithWebIdentity"}
    assert trust["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": [
                "repo:acme/ai-foundry:ref:refs/heads/main",
                "repo:acme/ai-foundry:environment:production",
            ],
        }
    }
    assert role["Properties"]["MaxSessionDuration"] == 3600
    granted = {a for s in statements(role) for a in actions(s)}
    assert granted == {
        "ecr:GetAuthorizationToken",
        "ecr:PutImage",
        "ecr:UploadLayerPart",
        "apprunner:UpdateService",
        "apprunner:StartDeployment",
    }
    assert template["Outputs"]["ProviderArn"]["Value"] == {"Ref": "Provider"}


def test_oidc_existing_provider_is_referenced_not_created():
    vars = {
        "repository": "acme/jobs-api",
        "branches": ["develop"],
        "create_provider": False,
        "provider_arn": out("shared/oidc::ProviderArn"),
        "policy": DEPLOY_POLICY[:1],
    }
    template = build("github-oidc-deploy-role", vars)
    assert not resources(template, "AWS::IAM::OIDCProvider")
    trust = one(template, "AWS::IAM::Role")["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Federated": {"Ref": "ProviderArn"}}
    assert template["Outputs"]["ProviderArn"]["Value"] == {"Ref": "ProviderArn"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"branches": []}, "name the branches"),
        ({"branches": ["*"]}, "no wildcards"),
        ({"branches": ["release/*"]}, "no wildcards"),
        ({"repository": "ai-foundry"}, "String should match pattern"),
        ({"create_provider": False}, "needs provider_arn"),
        ({"provider_arn": "arn:aws:iam::123456789012:oidc-provider/x"}, "create_provider: false"),
        ({"policy": [{"actions": ["ecr:PutImage"], "resources": ["*"]}]}, "only allowed for"),
        ({"policy": [{"actions": ["apprunner:*"], "resources": ["*"]}]}, "wildcards"),
        ({"max_session_hours": 13}, "less than or equal to 12"),
    ],
)
def test_oidc_refuses_open_trust_and_wildcards(change: dict[str, Any], message: str):
    vars = {"repository": "acme/ai-foundry", "branches": ["main"], "policy": DEPLOY_POLICY}
    refused("github-oidc-deploy-role", {**vars, **change}, message)


# budget ----------------------------------------------------------------------------------


def test_budget_notifies_every_threshold_to_every_subscriber():
    vars = {
        "limit_usd": 1500,
        "tag_filter": {"key": "Project", "values": ["acme"]},
        "notifications": [{"percent": 50}, {"percent": 100, "type": "FORECASTED"}],
        "emails": ["ops@example.com"],
        "sns_topic_arn": out("app/alerts::TopicArn"),
    }
    props = one(build("budget", vars), "AWS::Budgets::Budget")["Properties"]
    data = props["Budget"]
    assert (data["BudgetType"], data["TimeUnit"]) == ("COST", "MONTHLY")
    assert data["BudgetLimit"] == {"Amount": 1500, "Unit": "USD"}
    assert data["CostFilters"] == {"TagKeyValue": ["user:Project$acme"]}
    assert data["BudgetName"] == "acme-dev-app-data"
    found = {
        (n["Notification"]["NotificationType"], n["Notification"]["Threshold"]): [
            s["SubscriptionType"] for s in n["Subscribers"]
        ]
        for n in props["NotificationsWithSubscribers"]
    }
    assert found == {("ACTUAL", 50): ["EMAIL", "SNS"], ("FORECASTED", 100): ["EMAIL", "SNS"]}
    assert {n["Notification"]["ThresholdType"] for n in props["NotificationsWithSubscribers"]} == {
        "PERCENTAGE"
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"emails": []}, "silent budget"),
        ({"emails": ["not-an-address"]}, "not an e-mail address"),
        ({"limit_usd": 0}, "greater than 0"),
        ({"notifications": [{"percent": 80}, {"percent": 80}]}, "listed twice"),
        ({"notifications": [{"percent": 80, "type": "BILLED"}]}, "ACTUAL"),
    ],
)
def test_budget_refuses_silent_or_malformed_budgets(change: dict[str, Any], message: str):
    refused("budget", {"limit_usd": 100, "emails": ["ops@example.com"], **change}, message)


# rds-proxy -------------------------------------------------------------------------------

PROXY_VARS: dict[str, Any] = {
    "vpc_id": out("app/network::VpcId"),
    "subnet_ids": out("app/network::PrivateDataSubnetIds"),
    "db_instance_identifier": out("app/database::DBInstanceIdentifier"),
    "db_security_group_id": out("app/database::SecurityGroupId"),
    "secret_arn": out("app/database::MasterUserSecretArn"),
    "kms_key_arn": out("app/kms::KeyArn"),
    "clients": [{"security_group_id": out("app/api::SecurityGroupId"), "description": "api"}],
}


def test_rds_proxy_requires_tls_and_logs_no_sql():
    template = build("rds-proxy", PROXY_VARS, "prod")
    proxy = one(template, "AWS::RDS::DBProxy")["Properties"]
    assert proxy["RequireTLS"] is True and proxy["DebugLogging"] is False
    assert proxy["EngineFamily"] == "POSTGRESQL"
    [auth] = proxy["Auth"]
    assert auth["AuthScheme"] == "SECRETS"
    assert auth["SecretArn"] == {"Ref": "SecretArn"}
    assert auth["IAMAuth"] == "DISABLED"
    target = one(template, "AWS::RDS::DBProxyTargetGroup")["Properties"]
    assert target["TargetGroupName"] == "default"
    assert target["DBInstanceIdentifiers"] == [{"Ref": "DbInstanceIdentifier"}]
    iam = build("rds-proxy", {**PROXY_VARS, "iam_auth": True})
    assert one(iam, "AWS::RDS::DBProxy")["Properties"]["Auth"][0]["IAMAuth"] == "REQUIRED"


def test_rds_proxy_role_reads_exactly_the_secret_and_decrypts_through_secrets_manager():
    role = one(build("rds-proxy", PROXY_VARS), "AWS::IAM::Role")
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": ["rds.amazonaws.com"]}
    by_sid = {s["Sid"]: s for s in statements(role)}
    assert set(by_sid) == {"ReadDbSecret", "DecryptDbSecret"}
    assert actions(by_sid["ReadDbSecret"]) == {"secretsmanager:GetSecretValue"}
    assert by_sid["ReadDbSecret"]["Resource"] == [{"Ref": "SecretArn"}]
    assert actions(by_sid["DecryptDbSecret"]) == {"kms:Decrypt"}
    assert by_sid["DecryptDbSecret"]["Resource"] == [{"Ref": "KmsKeyArn"}]
    via = by_sid["DecryptDbSecret"]["Condition"]["StringEquals"]["kms:ViaService"]
    assert via == {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}
    without_key = one(build("rds-proxy", {**PROXY_VARS, "kms_key_arn": None}), "AWS::IAM::Role")
    assert {s["Sid"] for s in statements(without_key)} == {"ReadDbSecret"}


def test_rds_proxy_group_admits_clients_and_reaches_only_the_database():
    template = build("rds-proxy", PROXY_VARS)
    group = template["Resources"]["SecurityGroup"]["Properties"]
    [egress] = group["SecurityGroupEgress"]
    assert (egress["FromPort"], egress["ToPort"]) == (5432, 5432)
    assert egress["DestinationSecurityGroupId"] == {"Ref": "DbSecurityGroupId"}
    [ingress] = group["SecurityGroupIngress"]
    assert ingress["SourceSecurityGroupId"] == {"Ref": "Clients0SecurityGroupId"}
    assert ingress["FromPort"] == 5432
    grant = one(template, "AWS::EC2::SecurityGroupIngress")["Properties"]
    assert grant["GroupId"] == {"Ref": "DbSecurityGroupId"}
    assert grant["SourceSecurityGroupId"] == {"Fn::GetAtt": ["SecurityGroup", "GroupId"]}
    alone = build("rds-proxy", {**PROXY_VARS, "grant_db_ingress": False})
    assert not resources(alone, "AWS::EC2::SecurityGroupIngress")


# rds-postgres ----------------------------------------------------------------------------

DB_VARS: dict[str, Any] = {
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    "database_name": "app",
}


def test_rds_postgres_one_customer_key_for_storage_secret_and_insights():
    vars = {**DB_VARS, "kms_key_arn": out("app/kms::KeyArn"), "performance_insights": True}
    template = build("rds-postgres", vars, "prod")
    db = one(template, "AWS::RDS::DBInstance")["Properties"]
    key = {"Ref": "KmsKeyArn"}
    assert db["StorageEncrypted"] is True
    assert db["KmsKeyId"] == key
    assert db["ManageMasterUserPassword"] is True
    assert db["MasterUserSecret"] == {"KmsKeyId": key}
    assert db["PerformanceInsightsKMSKeyId"] == key
    assert "MasterUserPassword" not in db
    assert template["Outputs"]["MasterUserSecretArn"]["Value"] == {
        "Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]
    }
    assert not [p for p in template.get("Parameters", {}).values() if p.get("NoEcho")]


def test_rds_postgres_windows_monitoring_and_log_exports():
    vars = {
        **DB_VARS,
        "preferred_backup_window": "23:45-00:15",
        "preferred_maintenance_window": "sun:04:00-sun:05:00",
        "monitoring_interval_seconds": 30,
        "log_exports": ["postgresql"],
        "log_retention_days": 14,
    }
    template = build("rds-postgres", vars)
    db = one(template, "AWS::RDS::DBInstance")
    props = db["Properties"]
    assert props["PreferredBackupWindow"] == "23:45-00:15"
    assert props["PreferredMaintenanceWindow"] == "sun:04:00-sun:05:00"
    assert props["MonitoringInterval"] == 30
    assert props["MonitoringRoleArn"] == {"Fn::GetAtt": ["MonitoringRole", "Arn"]}
    role = template["Resources"]["MonitoringRole"]["Properties"]
    policy = "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    assert role["ManagedPolicyArns"] == [{"Fn::Sub": policy}]
    assert props["EnableCloudwatchLogsExports"] == ["postgresql"]
    group = one(template, "AWS::Logs::LogGroup")["Properties"]
    assert group["LogGroupName"] == "/aws/rds/instance/acme-dev-app-data/postgresql"
    assert group["RetentionInDays"] == 14
    assert db["DependsOn"] == ["PostgresqlLogGroup"]
    quiet = build("rds-postgres", {**DB_VARS, "log_exports": []})
    assert not resources(quiet, "AWS::Logs::LogGroup")
    assert "EnableCloudwatchLogsExports" not in one(quiet, "AWS::RDS::DBInstance")["Properties"]


def test_rds_postgres_alarms_from_the_table():
    alarms = {
        "cpu_percent": 80,
        "free_storage_gb": 10,
        "freeable_memory_mb": 256,
        "connections": 90,
    }
    template = build("rds-postgres", {**DB_VARS, "alarms": alarms})
    found = {
        k: (a["Properties"]["MetricName"], a["Properties"]["ComparisonOperator"])
        for k, a in resources(template, "AWS::CloudWatch::Alarm").items()
    }
    assert found == {
        "CpuAlarm": ("CPUUtilization", "GreaterThanThreshold"),
        "FreeStorageAlarm": ("FreeStorageSpace", "LessThanThreshold"),
        "FreeableMemoryAlarm": ("FreeableMemory", "LessThanThreshold"),
        "ConnectionsAlarm": ("DatabaseConnections", "GreaterThanThreshold"),
    }
    memory = template["Resources"]["FreeableMemoryAlarm"]["Properties"]
    assert memory["Threshold"] == 256 * 1024**2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"master_password": EnvTag.parse("DB_PASSWORD", None)}, "master_password_source"),
        ({"master_password_source": "parameter"}, "needs master_password: !env"),
        ({"master_password_source": "secret"}, "needs master_password: !secret"),
        (
            {"master_password_source": "parameter", "master_password": "hunter2"},
            "must not be written in config",
        ),
        ({"preferred_backup_window": "3:00-3:30"}, "not like '03:00-03:30'"),
        ({"preferred_backup_window": "03:00-03:15"}, "at least 30 minutes"),
        ({"preferred_maintenance_window": "sunday:04:00-sunday:05:00"}, "not like"),
        (
            {
                "preferred_backup_window": "04:15-04:45",
                "preferred_maintenance_window": "sun:04:00-sun:05:00",
            },
            "overlap",
        ),
        (
            {
                "preferred_backup_window": "23:50-00:30",
                "preferred_maintenance_window": "mon:00:00-mon:00:30",
            },
            "overlap",
        ),
        ({"performance_insights_retention_days": 30}, "multiple of 31"),
        ({"monitoring_interval_seconds": 2}, "Input should be"),
        ({"log_exports": ["postgresql", "postgresql"]}, "listed twice"),
    ],
)
def test_rds_postgres_refuses(change: dict[str, Any], message: str):
    refused("rds-postgres", {**DB_VARS, **change}, message)


def test_rds_postgres_password_sources_and_what_lint_says_about_them():
    """Managed: no finding. Parameter (`!env`): W9703 warns. Secret (`!secret`): resolved by
    CloudFormation, no finding."""

    def w9703(vars: dict[str, Any]) -> list[dict[str, Any]]:
        body = dump_template(build("rds-postgres", vars))
        assert load_cfn(body)  # the body is what render writes
        return [f for f in lint_text(body) if f["rule"] == "W9703"]

    assert w9703(DB_VARS) == []
    param = {
        **DB_VARS,
        "master_password_source": "parameter",
        "master_password": EnvTag.parse("DB_PASSWORD", None),
    }
    template = build("rds-postgres", param)
    db = one(template, "AWS::RDS::DBInstance")["Properties"]
    assert db["MasterUserPassword"] == {"Ref": "MasterPassword"}
    assert template["Parameters"]["MasterPassword"]["NoEcho"] is True
    assert "MasterUserSecretArn" not in template["Outputs"]
    [finding] = w9703(param)
    assert finding["path"] == "Resources/Database/Properties/MasterUserPassword"
    secret = {
        **DB_VARS,
        "master_password_source": "secret",
        "master_password": SecretTag.parse(
            "secretsmanager:acme/db:password", None
        ).render_literal(),
    }
    assert w9703(secret) == []
