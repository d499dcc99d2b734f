"""Every bad input is reported as file:line:col + message + hint, exit 2, nothing written."""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from project_support import new_project

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
            public: [10.0.0.0/24, 10.0.1.0/24]
            private_app: [10.0.10.0/24, 10.0.11.0/24]
          nat: single
"""

CONSUMER = "foundation.sample_blueprints:Consumer"

# (id, dev.yaml, expected "file:line:col: message" start, hint fragment)
CASES = [
    (
        "bad-yaml",
        "apps:\n  shop: [unclosed\n",
        "config/dev.yaml:3:1: invalid YAML",
        "indentation",
    ),
    (
        "unknown-top-level-key",
        "projcet: typo\n",
        "config/dev.yaml:1:1: projcet: unknown key 'projcet'",
        "allowed here: account_id, alarm_topic, apps, external_id, hooks, production, profile, "
        "project, region, retired, role_arn, rollback_monitoring_minutes, tags, template_bucket",
    ),
    (
        "unknown-var",
        "apps:\n  shop:\n    stacks:\n      network:\n        vars:\n          natt: none\n",
        "config/dev.yaml:6:11: natt: unknown key 'natt'",
        "allowed here: availability_zones, az_count, cidr",
    ),
    (
        "wrong-type",
        "apps:\n  shop:\n    stacks:\n      network:\n        vars:\n          az_count: two\n",
        "config/dev.yaml:6:21: az_count: Input should be a valid integer",
        "expected int",
    ),
    (
        "invalid-cidr",
        "apps:\n  shop:\n    stacks:\n      network:\n        vars:\n"
        "          cidr: 10.0.0.300/16\n",
        "config/dev.yaml:6:17: cidr:",
        "IPv4 network",
    ),
    (
        "overlapping-subnets",
        textwrap.dedent(
            """\
            apps:
              shop:
                stacks:
                  network:
                    vars:
                      subnets:
                        public: [10.0.0.0/24, 10.0.0.128/25]
            """
        ),
        "config/dev.yaml:7:35: subnets.public.1: subnet 10.0.0.128/25 overlaps 10.0.0.0/24",
        "fix the value",
    ),
    (
        "subnet-outside-vpc",
        "apps:\n  shop:\n    stacks:\n      network:\n        vars:\n"
        "          subnets:\n            private_data: [192.168.0.0/24]\n",
        "config/dev.yaml:7:28: subnets.private_data.0: subnet 192.168.0.0/24 is outside",
        "fix the value",
    ),
    (
        "unknown-blueprint",
        "apps:\n  shop:\n    stacks:\n      api:\n        blueprint: lambda-funtcion\n",
        "config/dev.yaml:5:20: unknown blueprint 'lambda-funtcion'",
        "known blueprints: ",
    ),
    (
        "missing-stack",
        "apps:\n  shop:\n    stacks:\n      api:\n        blueprint: " + CONSUMER + "\n"
        "        vars:\n          vpc_id: !stack_output shop/netwrok::VpcId\n",
        "config/dev.yaml:7:19: !stack_output shop/netwrok::VpcId refers to stack 'shop/netwrok', "
        "which does not exist",
        "infragen list --env dev",
    ),
    (
        "undeclared-output",
        "apps:\n  shop:\n    stacks:\n      api:\n        blueprint: " + CONSUMER + "\n"
        "        vars:\n          vpc_id: !stack_output shop/network::VpcIdd\n",
        "config/dev.yaml:7:19: !stack_output shop/network::VpcIdd: stack shop/network (network) "
        "has no output 'VpcIdd'",
        "it declares: PrivateAppSubnetIds, PublicSubnetIds, VpcCidr, VpcId",
    ),
    (
        "output-of-absent-tier",
        "apps:\n  shop:\n    stacks:\n      api:\n        blueprint: " + CONSUMER + "\n"
        "        vars:\n          vpc_id: !stack_output shop/network::PrivateDataSubnetIds\n",
        "config/dev.yaml:7:19: !stack_output shop/network::PrivateDataSubnetIds",
        "it declares:",
    ),
    (
        "bad-tag-syntax",
        "apps:\n  shop:\n    stacks:\n      api:\n        blueprint: " + CONSUMER + "\n"
        "        vars:\n          vpc_id: !stack_output shop/network.VpcId\n",
        "config/dev.yaml:7:19: !stack_output 'shop/network.VpcId' is not of the form",
        "cat-detector/network::VpcId",
    ),
    (
        "unknown-tag",
        "apps:\n  shop:\n    stacks:\n      network:\n        vars:\n          cidr: !vault x\n",
        "config/dev.yaml:6:17: unknown YAML tag !vault",
        "known tags: !env, !secret, !ssm, !stack_output",
    ),
    (
        "deploy-time-value-where-literal-needed",
        "apps:\n  shop:\n    stacks:\n      network:\n        vars:\n          cidr: !env CIDR\n",
        "config/dev.yaml:6:17: cidr: !env CIDR is only known at deploy time",
        "give a literal value here",
    ),
    (
        "missing-depends-on",
        "apps:\n  shop:\n    stacks:\n      network:\n        depends_on: [shop/db]\n",
        "config/dev.yaml:5:22: shop/network depends_on 'shop/db', which does not exist",
        "infragen list --env dev",
    ),
    (
        "bad-stack-name",
        "apps:\n  shop:\n    stacks:\n      Bad_Name:\n        blueprint: network\n",
        "config/dev.yaml:4:7: apps.shop.stacks: stack name 'Bad_Name' must be lowercase",
        "",
    ),
    (
        "cycle",
        textwrap.dedent(
            f"""\
            apps:
              shop:
                stacks:
                  a:
                    blueprint: {CONSUMER}
                    vars: {{vpc_id: !stack_output shop/b::ParameterName}}
                  b:
                    blueprint: {CONSUMER}
                    vars: {{vpc_id: !stack_output shop/a::ParameterName}}
            """
        ),
        "config/dev.yaml:5:9: dependency cycle: shop/a -> shop/b -> shop/a",
        "break the cycle",
    ),
]


def _snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def small_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    new_project(tmp_path, monkeypatch, DEFAULTS)
    return tmp_path


@pytest.mark.parametrize(
    ("dev_yaml", "where", "hint"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_config_is_located_and_nothing_is_written(
    small_project: Path, invoke: Callable[..., Result], dev_yaml: str, where: str, hint: str
) -> None:
    assert invoke("render").exit_code == 0
    before = _snapshot(small_project / "templates_out")
    (small_project / "config" / "dev.yaml").write_text(dev_yaml)

    result = invoke("render")

    assert result.exit_code == 2, result.output
    assert where in result.stderr, result.stderr
    hints = [line for line in result.stderr.splitlines() if line.startswith("  hint: ")]
    assert any(hint in line for line in hints), hints
    assert result.stderr.rstrip().endswith("nothing was written")
    assert "Traceback" not in result.output
    assert _snapshot(small_project / "templates_out") == before


def test_all_errors_of_a_run_are_reported(
    small_project: Path, invoke: Callable[..., Result]
) -> None:
    (small_project / "config" / "dev.yaml").write_text(
        "apps:\n  shop:\n    stacks:\n      network:\n        vars:\n"
        "          cidr: nope\n          az_count: 9\n          nat: always\n"
    )
    result = invoke("render")
    assert result.exit_code == 2
    assert "config/dev.yaml:6:17: cidr:" in result.stderr
    assert (
        "config/dev.yaml:7:21: az_count: Input should be less than or equal to 6" in result.stderr
    )
    assert (
        "config/dev.yaml:8:16: nat: Input should be 'per_az', 'single' or 'none'" in result.stderr
    )
    assert "3 configuration errors; nothing was written" in result.stderr


def test_unknown_env(small_project: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("render", "--env", "qa")
    assert result.exit_code == 2
    assert "unknown environment 'qa'" in result.stderr
    assert "environments are the files in config: dev" in result.stderr


def test_missing_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("render")
    assert result.exit_code == 2
    assert "config directory config not found" in result.stderr
    assert "--config-dir" in result.stderr


def test_errors_in_defaults_point_at_defaults(
    small_project: Path, invoke: Callable[..., Result]
) -> None:
    text = DEFAULTS.replace("nat: single", "nat: singel")
    (small_project / "config" / "defaults.yaml").write_text(text)
    (small_project / "config" / "prod.yaml").write_text("{}\n")
    result = invoke("render")
    assert result.exit_code == 2
    # reported once, although both environments inherit it
    assert result.stderr.count("config/defaults.yaml:13:16: nat:") == 1


def test_every_bad_subnet_is_reported_in_one_run(
    small_project: Path, invoke: Callable[..., Result]
) -> None:
    """A validator's several findings are several located errors, not one per run."""
    (small_project / "config" / "dev.yaml").write_text(
        textwrap.dedent(
            """\
            apps:
              shop:
                stacks:
                  network:
                    vars:
                      subnets:
                        public: [10.0.0.0/24, 10.0.0.128/25]
                        private_app: [10.0.0.0/26, 10.9.0.0/24]
            """
        )
    )
    result = invoke("render")
    assert result.exit_code == 2
    for line in (
        "config/dev.yaml:7:35: subnets.public.1: subnet 10.0.0.128/25 overlaps 10.0.0.0/24",
        "config/dev.yaml:8:27: subnets.private_app.0: subnet 10.0.0.0/26 overlaps 10.0.0.0/24",
        "config/dev.yaml:8:40: subnets.private_app.1: subnet 10.9.0.0/24 is outside the VPC",
        "3 configuration errors; nothing was written",
    ):
        assert line in result.stderr, result.stderr
