"""Every infragen rule against its own good/bad templates, compared by (rule id, path)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from infragen.lint.runner import lint_text

RULES_DIR = Path(__file__).parent / "rules"
SRC_RULES = Path(__file__).parents[2] / "src" / "infragen" / "lint" / "rules"
EXPECT = re.compile(r"^#\s*expect:\s*(?P<rule>[EWI]9\d{3})\s+(?P<path>\S+)\s*$", re.MULTILINE)
RULE_ID = re.compile(r"^[EWI]9\d{3}$")


def _infragen_rules():
    from cfnlint.helpers import create_rules

    import infragen.lint.rules as module

    return create_rules(module)


def _folders() -> list[Path]:
    return sorted(p for p in RULES_DIR.iterdir() if p.is_dir())


def _ours(findings: list[dict]) -> list[dict]:
    return [f for f in findings if RULE_ID.match(f["rule"])]


@pytest.mark.parametrize("folder", _folders(), ids=lambda p: p.name)
def test_bad_template_yields_exactly_the_expected_findings(folder: Path) -> None:
    text = (folder / "bad.yaml").read_text()
    expected = {(m["rule"], m["path"]) for m in EXPECT.finditer(text)}
    assert expected, f"{folder}/bad.yaml lists no '# expect: RULE path' lines"
    assert {rule for rule, _ in expected} == {folder.name}
    found = {(f["rule"], f["path"]) for f in lint_text(text) if f["rule"] == folder.name}
    assert found == expected


@pytest.mark.parametrize(
    "template",
    sorted(RULES_DIR.glob("*/good*.yaml")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_good_template_is_clean(template: Path) -> None:
    findings = lint_text(template.read_text())
    assert _ours(findings) == []
    # The fixtures are real templates: cfn-lint itself has nothing to say either.
    assert [f for f in findings if f["severity"] in ("error", "warning")] == []


def test_every_rule_has_a_folder_and_a_unique_user_range_id() -> None:
    rules = _infragen_rules()
    ids = [rule.id for rule in rules]
    assert len(ids) == len(set(ids)), f"reused rule ids: {sorted(ids)}"
    for rule in rules:
        assert RULE_ID.match(rule.id), f"{type(rule).__name__}: id {rule.id!r} not in [EWI]9xxx"
        assert (RULES_DIR / rule.id / "good.yaml").is_file(), f"{rule.id} has no good.yaml"
        assert (RULES_DIR / rule.id / "bad.yaml").is_file(), f"{rule.id} has no bad.yaml"
        for attribute in ("shortdesc", "description", "source_url", "tags"):
            assert getattr(rule, attribute), f"{rule.id} lacks {attribute}"
    assert {p.name for p in _folders()} == set(ids), "a test folder has no rule"


def test_every_rule_file_is_named_after_its_class_and_exported() -> None:
    files = {p.stem for p in SRC_RULES.glob("[A-Za-z]*.py")}
    classes = {type(rule).__name__ for rule in _infragen_rules()}
    assert files == classes


def test_production_environments_is_an_option() -> None:
    from cfnlint.config import ConfigMixIn
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner.template.runner import run_template_by_data

    from infragen.lint.runner import engine

    text = (RULES_DIR / "E9601" / "good-dev.yaml").read_text()
    template, _ = decode_str(text)
    for option in (["dev"], "live|dev", "live,dev"):
        config = ConfigMixIn([], configure_rules={"E9601": {"production_environments": option}})
        found = {m.rule.id for m in run_template_by_data(template, config, engine().rules)}
        assert "E9601" in found
    default = ConfigMixIn([])
    assert "E9601" not in {
        m.rule.id for m in run_template_by_data(template, default, engine().rules)
    }


def test_plain_cfn_lint_enforces_the_rules_from_the_directory() -> None:
    """What the upstream cfn-lint pre-commit hook runs: `--append-rules <rules dir>`."""
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    bad = RULES_DIR / "E9101" / "bad.yaml"
    for source in (str(SRC_RULES), "infragen.lint.rules"):
        result = subprocess.run(
            [str(cfn_lint), "--append-rules", source, "--format", "parseable", "--", str(bad)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode != 0, result.stderr
        assert result.stdout.count(":E9101:") == 10, result.stdout + result.stderr
