"""The literal-secret corpus and the false-positive corpus, against the one decision
(infragen.facts.secrets) that rule E9702 applies to every string and named value."""

from __future__ import annotations

import base64

import pytest

from infragen.facts import secrets

# Fakes of the right shape only (CANARY tokens, hunter2).
LEAKS_ANYWHERE = [
    ("postgres://admin:hunter2@db/app", "password in a connection string"),
    ("mysql+pymysql://app:hunter2@db.internal:3306/app", "password in a connection string"),
    ("#!/bin/bash\nexport DB_PASSWORD=hunter2\n", "literal value for DB_PASSWORD in a"),
    ("DB_PASS='hunter2'", "literal value for DB_PASS in a"),
    ("password: hunter2", "literal value for password in a"),
    ("ghp_CANARYcanaryCANARYcanaryCANARY000000", "GitHub token"),
    ("token github_pat_CANARYcanaryCANARY000000_x", "GitHub token"),
    ("xoxb-000000000000-CANARYcanary", "Slack token"),
    ("https://hooks.slack.com/services/T00000000/B00000000/CANARYcanary", "Slack webhook URL"),
    ("sk_live_CANARYcanaryCANARY0000", "Stripe key"),
    ("AKIAIOSFODNN7EXAMPLE", "AWS access key id"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nxx", "private key"),
    (base64.b64encode(b"password: hunter2").decode(), "base64 of a literal value for password"),
    (base64.b64encode(b"ghp_CANARYcanaryCANARYcanaryCANARY000000").decode(), "base64 of a GitHub"),
]

NOT_LEAKS = [
    "postgres://admin@db/app",
    "postgres://admin:{{resolve:secretsmanager:acme/db:SecretString:password}}@db/app",
    "postgres://admin:${DbPassword}@db/app",
    "export DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id acme/db)",
    "export API_TOKEN=${ApiToken}",
    "DB_PASSWORD_FILE=/run/secrets/db",
    "password_encryption = scram-sha-256",
    "password_encryption: scram-sha-256",
    "https://example.com/a:b@c",  # no credentials: `@` after the path starts
    base64.b64encode(b"hello, world: nothing secret").decode(),
    "uploads/2024/report-final.pdf",
    "ghp_short",
    "mode=fast\nlog_level=debug",
]


@pytest.mark.parametrize(("text", "reason"), LEAKS_ANYWHERE)
def test_a_literal_secret_anywhere_is_found(text: str, reason: str) -> None:
    found = secrets.secret_in_text(text)
    assert found is not None and found.startswith(reason), found


@pytest.mark.parametrize("text", NOT_LEAKS)
def test_ordinary_text_is_not_a_secret(text: str) -> None:
    assert secrets.secret_in_text(text) is None


@pytest.mark.parametrize(
    ("name", "value", "leaks"),
    [
        ("DB_PASS", "hunter2", True),
        ("STRIPE_KEY", "9fQ2xCANARYz7LmW4pK8vR1t", True),
        ("STRIPE_KEY", "short", False),  # a non-password name needs a high-entropy value
        ("DB_PASSWORD", "{{resolve:secretsmanager:acme/db}}", False),
        ("DB_PASSWORD", "{{resolve:secretsmanager:acme/db}}hunter2", True),
        ("DB_PASSWORD", "{{resolve:ssm-secure:/acme/db}} ", False),
        ("password_encryption", "scram-sha-256", False),
        ("SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x", False),
        ("DB_PASSWORD", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db", False),
        ("S3_KEY", "uploads/2024/9fQ2xCANARYz7LmW4pK8vR1t", False),
    ],
)
def test_a_literal_under_a_secret_name(name: str, value: str, leaks: bool) -> None:
    assert (secrets.named_secret(name, value) is not None) is leaks


def test_dynamic_reference_is_the_whole_value() -> None:
    assert secrets.is_dynamic_reference("{{resolve:secretsmanager:a:SecretString:b}}")
    assert not secrets.is_dynamic_reference("{{resolve:secretsmanager:a}}x")
    assert not secrets.is_dynamic_reference("x{{resolve:secretsmanager:a}}")
    assert not secrets.is_dynamic_reference("{{resolve:ssm:/plain/string}}")
