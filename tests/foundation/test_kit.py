"""The blueprint kit seen from config: checked mappings, context-aware validation, layering."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from blueprints.support import load_cfn
from project_support import new_project

CONTAINER = "foundation.sample_blueprints:Container"


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-app project; each test writes the stacks into config/dev.yaml."""
    return new_project(tmp_path, monkeypatch, "project: acme\nregion: us-east-1\n")


def write_dev(project: Path, stacks: str) -> None:
    (project / "config/dev.yaml").write_text("apps:\n  shop:\n    stacks:\n" + stacks)


def test_a_checked_mapping_renders_through_troposphere(
    small: Path, invoke: Callable[..., Result]
) -> None:
    write_dev(
        small,
        f"""\
      task:
        blueprint: {CONTAINER}
        vars:
          container:
            Name: api
            Image: !env API_IMAGE
            PortMappings: [{{ContainerPort: 8080}}]
""",
    )
    result = invoke("render")
    assert result.exit_code == 0, result.output
    template = load_cfn((small / "templates_out/dev/shop/task.yaml").read_text())
    container = template["Resources"]["Task"]["Properties"]["ContainerDefinitions"][0]
    assert container["PortMappings"] == [{"ContainerPort": 8080}]
    assert container["Image"] == {"Ref": "ContainerImage"}  # the tag became a Parameter
    assert template["Parameters"]["ContainerImage"]["Type"] == "String"


@pytest.mark.parametrize(
    ("container", "line", "message"),
    [
        (
            "{Name: api, Imagee: x}",
            "7:34",
            "ContainerDefinition has no property 'Imagee'; did you mean 'Image'?",
        ),
        ("{Name: api, Image: x, Cpu: lots}", "7:49", "Cpu: 'lots' is not a valid integer"),
        ("{Name: api}", "7:22", "ContainerDefinition needs Image"),
    ],
)
def test_a_mistyped_property_is_a_located_config_error(
    small: Path, invoke: Callable[..., Result], container: str, line: str, message: str
) -> None:
    write_dev(
        small,
        f"      task:\n        blueprint: {CONTAINER}\n        vars:\n"
        f"          container: {container}\n",
    )
    result = invoke("render")
    assert result.exit_code == 2
    assert f"config/dev.yaml:{line}: container" in result.stderr
    assert message in result.stderr
    assert not (small / "templates_out").exists()


def test_a_nested_mistake_points_at_its_own_key(small: Path, invoke: Callable[..., Result]) -> None:
    write_dev(
        small,
        f"""\
      task:
        blueprint: {CONTAINER}
        vars:
          container:
            Name: api
            Image: x
            PortMappings:
              - ContainerPort: 8080
                HostPrt: 8080
""",
    )
    result = invoke("render")
    assert result.exit_code == 2
    assert "config/dev.yaml:12:17: container.PortMappings.0.HostPrt: " in result.stderr
    assert "PortMapping has no property 'HostPrt'; did you mean 'HostPort'?" in result.stderr


def test_a_bucket_name_too_long_for_s3_is_located_before_rendering(
    small: Path, invoke: Callable[..., Result]
) -> None:
    write_dev(
        small,
        "      files:\n        blueprint: s3-bucket\n        vars:\n"
        "          name: " + "a" * 40 + "\n",
    )
    result = invoke("render")
    assert result.exit_code == 2
    assert "config/dev.yaml:7:17: name: bucket name acme-dev-shop-" in result.stderr
    assert "is over S3's 63 characters; set a shorter `name`" in result.stderr


def test_alarms_notify_the_env_alarm_topic(small: Path, invoke: Callable[..., Result]) -> None:
    (small / "config/defaults.yaml").write_text(
        "project: acme\nregion: us-east-1\n"
        "alarm_topic: arn:aws:sns:us-east-1:${AWS::AccountId}:acme-alarms\n"
    )
    write_dev(
        small,
        """\
      db:
        blueprint: rds-postgres
        vars:
          vpc_id: vpc-0123456789abcdef0
          subnet_ids: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]
          database_name: shop
          alarms: {cpu_percent: 80, free_storage_gb: 5}
""",
    )
    assert invoke("render").exit_code == 0
    template = load_cfn((small / "templates_out/dev/shop/db.yaml").read_text())
    for name in ("CpuAlarm", "FreeStorageAlarm"):
        actions = template["Resources"][name]["Properties"]["AlarmActions"]
        assert actions == [{"Fn::Sub": "arn:aws:sns:us-east-1:${AWS::AccountId}:acme-alarms"}]


def test_a_bad_alarm_topic_is_a_located_config_error(
    small: Path, invoke: Callable[..., Result]
) -> None:
    (small / "config/defaults.yaml").write_text(
        "project: acme\nregion: us-east-1\nalarm_topic: acme-alarms\n"
    )
    write_dev(small, "      {}\n")
    result = invoke("render")
    assert result.exit_code == 2
    assert "config/defaults.yaml:3:14: alarm_topic:" in result.stderr


def test_config_loading_imports_no_blueprint() -> None:
    """Imports point one way: blueprints -> config, never back (issue 9, layers)."""
    code = (
        "import sys, infragen.config.project, infragen.config.loader, infragen.model\n"
        "bad = sorted(m for m in sys.modules if m.startswith('infragen.blueprints'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
