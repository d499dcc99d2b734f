"""Pricing rules on small rendered envs: unknown types are listed, never zero; deploy-time
values are reported; usage is shared by the resources of a stack; bad usage is located."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from infragen.cost.estimate import NotRenderedError, estimate_rendered
from infragen.cost.prices import price_table
from infragen.cost.usage import Usage
from infragen.errors import ConfigErrors
from infragen.render.service import load_env


def _write_env(root: Path, stacks: dict[str, dict[str, Any]]) -> Path:
    """A templates_out/<env>/ with one template per stack and its manifest."""
    env_dir = root / "dev"
    manifest: dict[str, Any] = {
        "env": "dev",
        "region": "us-east-1",
        "order": list(stacks),
        "stacks": {},
    }
    for sid, template in stacks.items():
        rel = f"{sid}.yaml"
        (env_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (env_dir / rel).write_text(yaml.safe_dump(template))
        manifest["stacks"][sid] = {"template": rel, "region": "us-east-1"}
    (env_dir / "manifest.json").write_text(json.dumps(manifest))
    return env_dir


def test_unknown_type_is_listed_not_zero(tmp_path: Path) -> None:
    env_dir = _write_env(
        tmp_path,
        {
            "app/queue": {
                "Resources": {
                    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
                    "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
                }
            }
        },
    )
    cost = estimate_rendered(env_dir, {})
    [(sid, missing)] = cost.not_estimated()
    assert (sid, missing.logical_id, missing.type) == ("app/queue", "Queue", "AWS::SQS::Queue")
    assert [item.logical_id for item in cost.stacks[0].items] == ["Key"]
    assert cost.total == pytest.approx(price_table("us-east-1").unit["kms_key_month"])


def test_deploy_time_value_is_not_estimated(tmp_path: Path) -> None:
    """A DB class passed as a Parameter without a default cannot be priced offline."""
    template = {
        "Parameters": {"InstanceClass": {"Type": "String"}, "Size": {"Type": "String"}},
        "Resources": {
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {"DBInstanceClass": {"Ref": "InstanceClass"}, "Engine": "postgres"},
            }
        },
    }
    cost = estimate_rendered(_write_env(tmp_path, {"app/db": template}), {})
    [(_, missing)] = cost.not_estimated()
    assert "known only at deploy time" in missing.reason
    assert cost.total == 0


def test_parameter_default_is_priced(tmp_path: Path) -> None:
    template = {
        "Parameters": {"InstanceClass": {"Type": "String", "Default": "db.t3.micro"}},
        "Resources": {
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {
                    "DBInstanceClass": {"Ref": "InstanceClass"},
                    "MultiAZ": True,
                    "AllocatedStorage": "50",
                },
            }
        },
    }
    cost = estimate_rendered(_write_env(tmp_path, {"app/db": template}), {})
    prices = price_table("us-east-1")
    expected = 2 * (730 * prices.rds_instance_hour["db.t3.micro"] + 50 * 0.115)
    assert cost.total == pytest.approx(expected)


def test_usage_is_shared_by_resources_of_a_stack(tmp_path: Path) -> None:
    """Two NAT gateways split the stack's nat_gb; each pays its own hours."""
    nat = {"Type": "AWS::EC2::NatGateway", "Properties": {}}
    env_dir = _write_env(tmp_path, {"app/network": {"Resources": {"Nat1": nat, "Nat2": nat}}})
    cost = estimate_rendered(env_dir, {"app/network": Usage(nat_gb=100)})
    assert cost.total == pytest.approx(2 * 730 * 0.045 + 100 * 0.045)


def test_fargate_reads_its_task_definition_and_hours(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Task": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {"Cpu": "1024", "Memory": "2048"},
            },
            "Service": {
                "Type": "AWS::ECS::Service",
                "Properties": {
                    "LaunchType": "FARGATE",
                    "DesiredCount": 3,
                    "TaskDefinition": {"Ref": "Task"},
                },
            },
        }
    }
    env_dir = _write_env(tmp_path, {"app/svc": template})
    cost = estimate_rendered(env_dir, {"app/svc": Usage(hours=100)})
    assert cost.total == pytest.approx(3 * 100 * (1 * 0.04048 + 2 * 0.004445))


def test_missing_manifest_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(NotRenderedError) as caught:
        estimate_rendered(tmp_path / "dev", {})
    assert caught.value.exit_code == 2
    assert "infragen render --env dev" in caught.value.hint


def test_bad_usage_is_reported_with_its_location(project: Path) -> None:
    path = project / "config" / "dev.yaml"
    path.write_text(
        path.read_text().replace("{usage: {lcu: 0.6}}", "{usage: {lcu: -1, request: 3}}")
    )
    with pytest.raises(ConfigErrors) as caught:
        load_env(project / "config", "dev")
    rendered = caught.value.render()
    assert "dev.yaml:" in rendered
    assert "lcu" in rendered and "request" in rendered
