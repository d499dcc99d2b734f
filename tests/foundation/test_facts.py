"""One definition per shared fact: what render decides, lint agrees with (infragen.facts)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import ValidationError

from infragen.facts import iam
from infragen.lint.runner import lint_text

REPO = Path(__file__).resolve().parents[2]

# --- IAM actions without resource-level permissions ------------------------------------------

# (action, accepts only Resource "*")
IAM_ACTIONS = [
    ("logs:DescribeLogGroups", True),
    ("ec2:DescribeNetworkInterfaces", True),
    ("xray:PutTraceSegments", True),
    ("sts:GetCallerIdentity", True),
    ("cloudwatch:PutMetricData", True),  # by the reviewed patch: 'dataset' is optional
    ("rekognition:DetectModerationLabels", True),  # by the reviewed patch
    ("s3:GetObject", False),
    ("logs:CreateLogGroup", False),
    ("rds:DescribeDBInstances", False),
    ("ec2:CreateNetworkInterface", False),
    ("dynamodb:GetItem", False),
]


@pytest.mark.parametrize(
    ("action", "star_only"),
    [
        *IAM_ACTIONS,
        ("EC2:describeSubnets", True),  # IAM action names are case-insensitive
        ("ec2:Describe*", False),  # a pattern also covers scopable actions
        ("autoscaling:Describe*", False),
        ("nope:DoThing", False),
        ("s3", False),
    ],
)
def test_needs_star_resource(action: str, star_only: bool) -> None:
    assert iam.needs_star_resource(action) is star_only


def test_star_resource_config_validation_and_e9402_agree() -> None:
    """`Permission` (config validation) accepts `*` exactly where E9402 does not flag it."""
    from infragen.blueprints.helpers.policy import Permission

    accepted = set()
    for action, _ in IAM_ACTIONS:
        try:
            Permission(actions=[action], resources=["*"])
        except ValidationError as error:
            assert "resource '*' is only allowed" in str(error)
        else:
            accepted.add(action)
    statements = [{"Effect": "Allow", "Action": a, "Resource": "*"} for a, _ in IAM_ACTIONS]
    template = {
        "Resources": {
            "Policy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}
                },
            }
        }
    }
    paths = {f["path"] for f in lint_text(json.dumps(template)) if f["rule"] == "E9402"}
    flagged = {
        action
        for index, (action, _) in enumerate(IAM_ACTIONS)
        if f"Resources/Policy/Properties/PolicyDocument/Statement/{index}/Resource" in paths
    }
    assert accepted == {a for a, star_only in IAM_ACTIONS if star_only}
    assert flagged == {a for a, star_only in IAM_ACTIONS if not star_only}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_iam_facts", REPO / "scripts" / "gen_iam_facts.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_iam_data_is_fresh() -> None:
    """Regenerate with `.venv/bin/python scripts/gen_iam_facts.py` after upgrading cfn-lint."""
    from importlib.metadata import version

    gen = _generator()
    assert gen.GENERATED == iam.DATA_FILE
    text = iam.DATA_FILE.read_text(encoding="utf-8")
    assert text == gen.expected(), "stale: run .venv/bin/python scripts/gen_iam_facts.py"
    assert json.loads(text)["cfn_lint_version"] == version("cfn-lint")


def test_generator_applies_the_patch_and_refuses_stale_entries() -> None:
    gen = _generator()
    policies = gen.load_policies()
    # cfn-lint lists a resource type for PutMetricData; only the reviewed patch makes it '*'.
    assert policies["cloudwatch"]["Actions"]["putmetricdata"].get("Resources")
    patch = json.loads(gen.PATCH.read_text(encoding="utf-8"))
    assert all(entry["reason"].strip() for entry in patch["add"] + patch["remove"])
    for bad in (
        {"add": [{"action": "logs:DescribeLogGroups", "reason": "already star-only"}]},
        {"remove": [{"action": "s3:GetObject", "reason": "already scoped"}]},
        {"add": [{"action": "s3:GetObjekt", "reason": "typo"}]},
        {"add": [{"action": "s3:GetObject", "reason": " "}]},
    ):
        with pytest.raises(SystemExit):
            gen.render(policies, bad, "0")


def test_facts_and_lint_helpers_import_only_the_standard_library() -> None:
    """The rules load under a bare `cfn-lint --append-rules`; `infragen --help` stays fast."""
    code = textwrap.dedent(
        """\
        import sys
        import infragen.facts.iam, infragen.lint._shared
        infragen.facts.iam.needs_star_resource("s3:GetObject")
        heavy = {"yaml", "pydantic", "troposphere", "awacs", "cfnlint", "boto3", "botocore"}
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.strip() == "[]"
