"""Every committed template passes cfn-lint and infragen's rules (what `infragen lint` runs)."""

from __future__ import annotations

from pathlib import Path

from infragen.lint.report import format_text
from infragen.lint.runner import run_lint

REPO = Path(__file__).resolve().parents[2]


def test_templates_out_has_no_findings(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    report = run_lint(cache_dir=tmp_path / "cache", use_cache=False)
    assert report.linted == len(report.files) > 0
    assert report.findings == [], format_text(report)
