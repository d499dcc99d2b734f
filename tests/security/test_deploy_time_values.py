"""`cidr: !env ADMIN_CIDR` meets the ingress policy at deploy, before any stack is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from project_support import new_project

DEFAULTS = """\
project: acme
region: us-east-1
apps:
  ops:
    stacks:
      open:
        blueprint: s3-bucket
      box:
        blueprint: ec2-instance
        vars:
          vpc_id: vpc-0123456789abcdef0
          subnet_ids: [subnet-0123456789abcdef0]
          image_id: ami-0123456789abcdef0
          ingress:
            - {port: 22, cidr: !env ADMIN_CIDR, description: admin}
            - {port: 22, cidr: !env OFFICE_CIDR, description: office}
            - {port: 22, cidr: 10.0.0.0/8, description: the VPN}
"""

# Nothing listens here: any AWS call the refusal let through would fail as an endpoint error.
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]) -> Path:
    root = new_project(tmp_path, monkeypatch, DEFAULTS)
    assert invoke("render").exit_code == 0
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return root


@pytest.mark.parametrize(
    ("admin", "office", "reason"),
    [
        (
            "0.0.0.0/0",
            "203.0.113.7/32",
            "Ingress0Cidr from $ADMIN_CIDR is '0.0.0.0/0': an IPv4 CIDR no broader than /8",
        ),
        ("16.0.0.0/4", "203.0.113.7/32", "Ingress0Cidr from $ADMIN_CIDR is '16.0.0.0/4'"),
        # Each is /8, fine alone; with the literal VPN range they are 8.0.0.0/6 and more.
        ("9.0.0.0/8", "11.0.0.0/8", "together cover 10.0.0.0/7"),
    ],
)
def test_a_policy_breaking_value_is_refused_before_any_call(
    project: Path,
    invoke: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
    admin: str,
    office: str,
    reason: str,
) -> None:
    monkeypatch.setenv("ADMIN_CIDR", admin)
    monkeypatch.setenv("OFFICE_CIDR", office)
    result = invoke("deploy", "--env", "dev", "--endpoint-url", NOWHERE, "--max-attempts", "1")
    assert result.exit_code == 2, result.output
    assert "deploy-time values refused before any change: ops/box:" in result.stderr
    assert reason in result.stderr
    assert "endpoint" not in result.stderr.lower()


def test_allowed_values_pass_the_check(
    project: Path, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    from infragen.deploy.manifest import load_manifest
    from infragen.deploy.preflight import check_deploy_time_values

    manifest = load_manifest(project / "templates_out", "dev")
    environ = {"ADMIN_CIDR": "203.0.113.7/32", "OFFICE_CIDR": "198.51.100.0/24"}
    check_deploy_time_values(manifest, list(manifest.stacks), environ)  # no exception
