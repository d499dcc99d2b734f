"""cfn-lint (as a library) finds no error or warning in any committed template."""

from __future__ import annotations

from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "templates_out").glob("*/*/*.yaml"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: "/".join(p.parts[-3:]))
def test_cfn_lint_clean(path: Path) -> None:
    from cfnlint.api import lint_file

    findings = [m for m in lint_file(path) if m.rule.id[0] in "EW"]
    assert findings == [], "\n".join(str(m) for m in findings)


def test_there_are_templates() -> None:
    assert len(TEMPLATES) >= 15
