"""The plan a reviewer reads: values before -> after, the risks at the top, and exit codes
CI can branch on (`--detailed-exitcode`, `--fail-on risky`)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import Result

from infragen.aws.types import Change
from infragen.deploy import plan as plan_module
from infragen.deploy.plan import Plan, PlanAction, StackPlan, exit_code, to_json, to_markdown
from infragen.review.values import resource_values
from review.change_sets import describe_with_values


def _reviewed_plan() -> Plan:
    changes = describe_with_values()["Changes"]
    values = [resource_values(c, no_echo={"AdminPassword"}) for c in changes]
    summary = [Change.from_api(c) for c in changes]
    return Plan(
        "prod",
        [
            StackPlan("shop/app", "acme-prod-shop-app", PlanAction.UPDATE, summary, values=values),
            StackPlan("shop/net", "acme-prod-shop-net", PlanAction.UNCHANGED, detail="no changes"),
        ],
    )


def _quiet_plan(action: PlanAction = PlanAction.UNCHANGED) -> Plan:
    change = Change("Modify", "Function", "AWS::Lambda::Function", "False")
    changes = [change] if action is PlanAction.UPDATE else []
    return Plan("dev", [StackPlan("a/fn", "acme-dev-a-fn", action, changes)])


def test_markdown_shows_values_and_puts_the_risks_first() -> None:
    text = to_markdown(_reviewed_plan())
    caution, _, rest = text.partition("| stack | CloudFormation name |")
    assert "**5 thing(s) to review before merging:**" in caution
    for needle in ("opens tcp 443-443 from 0.0.0.0/0", "s3:* on *", "Database is replaced"):
        assert needle in caution
    assert "Uploads removes BucketEncryption" in caution
    assert "| `Function` | `MemorySize` | `1024` | `2048` | Never |" in rest
    assert (
        "| `AppSecurityGroup` | `SecurityGroupIngress[0].CidrIp` | `10.0.0.0/16` | `0.0.0.0/0` |"
        in rest
    )
    assert "| `Database` | `DBInstanceIdentifier` | `shop-db` | `shop-db-2` | Always |" in rest
    assert "password" not in text and "{{resolve:" not in text


def test_json_carries_values_and_risks() -> None:
    document = json.loads(to_json(_reviewed_plan()))
    assert document["risk_count"] == 5
    stack = document["stacks"][0]
    assert {"logical_id": "Function", "path": "MemorySize", "before": 1024, "after": 2048} in (
        stack["values"]
    )
    assert {r["kind"] for r in stack["risks"]} == {"ingress", "iam", "stateful", "encryption"}


def test_without_values_the_stateful_replacements_are_still_risks() -> None:
    replace = Change("Modify", "Table", "AWS::DynamoDB::Table", "True")
    plan = Plan("prod", [StackPlan("a/t", "acme-prod-a-t", PlanAction.UPDATE, [replace])])
    [(sid, risk)] = plan.risks
    assert (sid, risk.kind, risk.message) == (
        "a/t",
        "stateful",
        "AWS::DynamoDB::Table Table is replaced",
    )


@pytest.mark.parametrize(
    ("plan", "detailed", "fail_on_risky", "expected"),
    [
        (_quiet_plan(), True, True, 0),
        (_quiet_plan(PlanAction.UPDATE), False, False, 0),
        (_quiet_plan(PlanAction.UPDATE), True, False, 2),
        (_quiet_plan(PlanAction.UPDATE), True, True, 2),  # a change, but not a risky one
        (_reviewed_plan(), True, False, 2),
        (_reviewed_plan(), True, True, 1),
        (_quiet_plan(PlanAction.ERROR), True, False, 1),
    ],
)
def test_exit_codes(plan: Plan, detailed: bool, fail_on_risky: bool, expected: int) -> None:
    assert exit_code(plan, detailed=detailed, fail_on_risky=fail_on_risky) == expected


def test_cli_flags_reach_the_exit_code(
    monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> None:
    """The CLI with the AWS side replaced by a ready plan: exit codes as CI sees them."""
    import infragen.cli.stacks

    monkeypatch.setattr(infragen.cli.stacks, "deploy_context", lambda *args, **kwargs: None)
    monkeypatch.setattr(plan_module, "plan_env", lambda context, stacks, **_: _reviewed_plan())
    assert invoke("plan", "--env", "prod").exit_code == 0
    assert invoke("plan", "--env", "prod", "--detailed-exitcode").exit_code == 2
    risky = invoke("plan", "--env", "prod", "--format", "json", "--fail-on", "risky")
    assert risky.exit_code == 1 and json.loads(risky.output)["risk_count"] == 5
