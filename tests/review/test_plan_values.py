"""plan turns a described change set into values before -> after (what a PR comment shows)."""

from __future__ import annotations

from pathlib import Path

from infragen.aws.types import Change, ChangeSet
from infragen.deploy.manifest import ManifestStack
from infragen.deploy.plan import change_values


def _stack(parameters: dict[str, dict]) -> ManifestStack:
    return ManifestStack(
        id="shop/function",
        name="acme-dev-shop-function",
        template=Path("shop/function.yaml"),
        sha256="0" * 64,
        region="us-east-1",
        depends_on=(),
        parameters=parameters,
        outputs=(),
        tags={},
        termination_protection=False,
    )


def _change(logical_id: str, before: str, after: str, details: list[dict]) -> Change:
    return Change.from_api(
        {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Modify",
                "LogicalResourceId": logical_id,
                "ResourceType": "AWS::Lambda::Function",
                "Replacement": "False",
                "BeforeContext": before,
                "AfterContext": after,
                "Details": details,
            },
        }
    )


def test_a_changed_var_shows_its_old_and_new_value() -> None:
    change = _change(
        "Function",
        '{"Properties": {"MemorySize": 128, "Timeout": 3}}',
        '{"Properties": {"MemorySize": 2048, "Timeout": 3}}',
        [
            {
                "Target": {"Attribute": "Properties", "Name": "MemorySize"},
                "ChangeSource": "DirectModification",
                "Evaluation": "Static",
            }
        ],
    )
    values = change_values(ChangeSet("cs", "s", "arn:cs", "CREATE_COMPLETE", [change]), _stack({}))
    assert [(c.path, c.before, c.after) for v in values for c in v.changes] == [
        ("MemorySize", 128, 2048)
    ]


def test_values_fed_by_a_no_echo_parameter_are_masked() -> None:
    change = _change(
        "Function",
        '{"Properties": {"Environment": {"Variables": {"API_TOKEN": "old-canary"}}}}',
        '{"Properties": {"Environment": {"Variables": {"API_TOKEN": "new-canary"}}}}',
        [
            {
                "Target": {"Attribute": "Properties", "Name": "Environment"},
                "ChangeSource": "ParameterReference",
                "CausingEntity": "EnvironmentApiToken",
                "Evaluation": "Static",
            }
        ],
    )
    stack = _stack({"EnvironmentApiToken": {"type": "String", "no_echo": True, "source": {}}})
    values = change_values(ChangeSet("cs", "s", "arn:cs", "CREATE_COMPLETE", [change]), stack)
    shown = repr([(c.path, c.before, c.after) for v in values for c in v.changes])
    assert "canary" not in shown


def test_a_change_set_without_values_gives_none() -> None:
    change = Change.from_api(
        {"Type": "Resource", "ResourceChange": {"Action": "Add", "LogicalResourceId": "Topic"}}
    )
    assert (
        change_values(ChangeSet("cs", "s", "arn:cs", "CREATE_COMPLETE", [change]), _stack({})) == []
    )
