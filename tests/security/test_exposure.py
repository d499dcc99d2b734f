"""The internet in pieces: ranges broader than /8, and sets of ranges that together are, count as
public for config validation and for rule E9101 alike (infragen.facts.network)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from infragen.blueprints.alb import Alb
from infragen.blueprints.ec2_instance import Ec2Instance
from infragen.facts import network


@pytest.mark.parametrize(
    ("cidrs", "public"),
    [
        (["0.0.0.0/0"], ["0.0.0.0/0"]),
        (["0.0.0.0/1", "128.0.0.0/1"], ["0.0.0.0/0"]),
        (["10.0.0.0/8", "11.0.0.0/8"], ["10.0.0.0/7"]),
        (["16.0.0.0/4"], ["16.0.0.0/4"]),
        (["::/0"], ["::/0"]),
        (["::/1", "8000::/1"], ["::/0"]),
        (["10.0.0.0/8"], []),
        (["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], []),
        (["10.0.0.0/9", "10.128.0.0/9"], []),  # together exactly 10.0.0.0/8
        (["2001:db8::/32"], []),
    ],
)
def test_public_ranges(cidrs: list[str], public: list[str]) -> None:
    assert network.public_ranges(cidrs) == public


def test_the_prefix_length_is_configurable() -> None:
    assert network.public_ranges(["10.0.0.0/8"], prefix_length=12) == ["10.0.0.0/8"]
    assert network.is_public("10.0.0.0/8", prefix_length=12)
    assert not network.is_public("10.0.0.0/16", prefix_length=12)


EC2 = {
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": ["subnet-0123456789abcdef0"],
    "image_id": "ami-0123456789abcdef0",
}


def _rules(*cidrs: str, port: int = 22) -> list[dict[str, Any]]:
    return [{"port": port, "cidr": c, "description": "admin"} for c in cidrs]


@pytest.mark.parametrize(
    ("cidrs", "index"),
    [(("0.0.0.0/1", "128.0.0.0/1"), 0), (("10.0.0.0/8", "11.0.0.0/8"), 0), (("16.0.0.0/4",), 0)],
)
def test_a_private_instance_refuses_the_internet_in_pieces(
    cidrs: tuple[str, ...], index: int
) -> None:
    with pytest.raises(ValidationError) as caught:
        Ec2Instance.Vars.model_validate({**EC2, "ingress": _rules(*cidrs)})
    (error,) = [e for e in caught.value.errors() if "the internet" in e["msg"]]
    assert (*error["loc"], *error["ctx"]["error"].path) == ("ingress", index, "cidr")


def test_a_private_instance_takes_private_ranges() -> None:
    rules = _rules("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
    assert len(Ec2Instance.Vars.model_validate({**EC2, "ingress": rules}).ingress) == 3


@pytest.mark.parametrize(
    ("cidrs", "message"),
    [
        (("0.0.0.0/1", "128.0.0.0/1"), "0.0.0.0/1 ingress is only for internet-facing"),
        (("10.0.0.0/8", "11.0.0.0/8"), "with the other ingress ranges: 10.0.0.0/7"),
    ],
)
def test_an_internal_alb_refuses_the_internet_in_pieces(
    cidrs: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        Alb.Vars.model_validate(
            {
                "scheme": "internal",
                "vpc_id": "vpc-0123456789abcdef0",
                "subnet_ids": ["subnet-1", "subnet-2"],
                "ingress": _rules(*cidrs, port=443),
                "listeners": [{"port": 80, "fixed_response": {"status_code": 403}}],
            }
        )


def test_lint_takes_the_prefix_length_as_a_rule_option() -> None:
    from pathlib import Path

    from cfnlint.config import ConfigMixIn
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner.template.runner import run_template_by_data

    from infragen.lint.runner import engine

    good = Path(__file__).parents[1] / "lint" / "rules" / "E9101" / "good.yaml"
    template, _ = decode_str(good.read_text())

    def e9101(config: ConfigMixIn) -> set[str]:
        matches = run_template_by_data(template, config, engine().rules)
        return {"/".join(map(str, m.path)) for m in matches if m.rule.id == "E9101"}

    assert e9101(ConfigMixIn([])) == set()
    strict = ConfigMixIn([], configure_rules={"E9101": {"public_prefix_length": 12}})
    assert e9101(strict) == {"Resources/PrivateSg/Properties/SecurityGroupIngress/0/CidrIp"}


def test_a_deploy_time_cidr_of_a_private_instance_is_bounded_by_cloudformation() -> None:
    """`cidr: !env ADMIN_CIDR` is unknown at render; CloudFormation checks the Parameter's
    AllowedPattern before any write, so ADMIN_CIDR=0.0.0.0/0 fails the deploy, not opens it."""
    from infragen.blueprints.base import BuildContext
    from infragen.config.tags import EnvTag

    context = BuildContext(
        project="acme", env="dev", app="ops", stack="box", region="us-east-1", production=False
    )
    admin = EnvTag(raw="ADMIN_CIDR", location=None, name="ADMIN_CIDR")
    ingress = [{"port": 22, "cidr": admin, "description": "admin"}]
    vars_ = Ec2Instance.Vars.model_validate({**EC2, "ingress": ingress})
    parameter = Ec2Instance(vars_, context).build().to_dict()["Parameters"]["Ingress0Cidr"]
    pattern = re.compile(parameter["AllowedPattern"])
    for value in ("0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "16.0.0.0/4", "10.0.0.0"):
        assert not pattern.fullmatch(value), value
    for value in ("10.0.0.0/8", "10.20.0.0/16", "203.0.113.7/32"):
        assert pattern.fullmatch(value), value
    assert "the internet" in parameter["ConstraintDescription"]
