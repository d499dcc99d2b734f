"""Golden tests: vars in cases/<name>.yaml, the expected template in cases/<name>.expected.yaml.

Documents are compared parsed, with a readable YAML diff on failure. After an intended
change, regenerate with `INFRAGEN_UPDATE_GOLDEN=1 pytest tests/blueprints/test_golden.py`
and review the diff of the expected files before committing them.
"""

from __future__ import annotations

import difflib
import os
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from blueprints.support import load_cfn
from infragen.blueprints.registry import get_blueprint
from infragen.config.loader import load_yaml_file
from infragen.render.yaml_out import dump_template
from infragen.testing import render_blueprint

CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(p for p in CASES_DIR.glob("*.yaml") if not p.name.endswith(".expected.yaml"))
UPDATE = os.environ.get("INFRAGEN_UPDATE_GOLDEN") == "1"


def build(case: Path) -> dict[str, Any]:
    """The case's template as `infragen render` builds it (metadata and tags included)."""
    spec = load_yaml_file(case).data
    return render_blueprint(
        spec["blueprint"],
        spec["vars"],
        env=spec.get("env", "dev"),
        app="golden",
        stack=case.stem,
        region=spec.get("region", "us-east-1"),
        alarm_topic=spec.get("alarm_topic"),
    )


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden(case: Path) -> None:
    document = build(case)
    expected_path = case.with_name(f"{case.stem}.expected.yaml")
    if UPDATE:
        expected_path.write_text(dump_template(document))
    assert expected_path.exists(), f"run with INFRAGEN_UPDATE_GOLDEN=1 to create {expected_path}"
    expected = load_cfn(expected_path.read_text())
    actual = load_cfn(dump_template(document))
    if actual != expected:
        diff = difflib.unified_diff(
            dump_template(expected).splitlines(),
            dump_template(actual).splitlines(),
            "expected",
            "actual",
            lineterm="",
        )
        pytest.fail("template differs from the golden file:\n" + "\n".join(diff))


def test_every_built_in_blueprint_has_a_golden_case() -> None:
    covered = {load_yaml_file(case).data["blueprint"] for case in CASES}
    built_in = {
        ep.name
        for ep in entry_points(group="infragen.blueprints")
        if ep.value.startswith("infragen.blueprints.")
    }
    assert built_in - covered == set()


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_declared_outputs_match_the_built_ones(case: Path) -> None:
    spec = load_yaml_file(case).data
    blueprint = get_blueprint(spec["blueprint"])
    declared = blueprint.output_names(blueprint.Vars.model_validate(spec["vars"]))
    assert set(build(case).get("Outputs", {})) == declared
