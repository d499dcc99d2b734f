"""Identical templates are linted once per run, and get exactly the findings a plain run gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infragen.lint.report import format_text
from infragen.lint.runner import Finding, run_lint

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = Path(__file__).parent / "rules"
#: Two of the example's rendered templates plus rule fixtures that do have findings.
SOURCES = {
    "jobs-api/api.yaml": REPO / "templates_out" / "dev" / "jobs-api" / "api.yaml",
    "cat-detector/api.yaml": REPO / "templates_out" / "dev" / "cat-detector" / "api.yaml",
    "app/E9101.yaml": RULES_DIR / "E9101" / "bad.yaml",
    "app/E9401.yaml": RULES_DIR / "E9401" / "bad.yaml",
}


@pytest.fixture
def envs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The same templates in dev and staging, byte for byte; prod holds mutated copies."""
    for env in ("dev", "staging", "prod"):
        for name, source in SOURCES.items():
            target = tmp_path / "templates_out" / env / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    # The open SSH rule removed: prod's copy loses that finding, and the lines below it move.
    mutated = tmp_path / "templates_out" / "prod" / "app" / "E9101.yaml"
    text = mutated.read_text()
    start = text.index("  SshOpen:\n")
    end = text.index("0.0.0.0/0\n", start) + len("0.0.0.0/0\n")
    mutated.write_text(text[:start] + text[end:])
    monkeypatch.chdir(tmp_path)
    return tmp_path


def plain(files: list[str]) -> list[Finding]:
    """Each template linted in its own run: nothing to share, so this is the reference."""
    found: list[Finding] = []
    for file in files:
        found.extend(run_lint([file], jobs=1, use_cache=False).findings)
    return sorted(found)


@pytest.mark.parametrize("jobs", [1, 2])
def test_identical_templates_are_linted_once_with_the_same_findings(envs: Path, jobs: int) -> None:
    report = run_lint(jobs=jobs, use_cache=False)
    assert len(report.files) == 12
    # dev and staging share 4 bodies; prod's E9101 copy differs, its 3 others are dev's too.
    assert (report.linted, report.identical, report.cached) == (5, 7, 0)
    assert report.findings == plain(report.files)
    summary = format_text(report).splitlines()[-1]
    assert summary.endswith("; linted 5, from cache 0, same as a linted one 7")
    by_file = report.by_file()
    staging = by_file["templates_out/staging/app/E9101.yaml"]
    prod = by_file["templates_out/prod/app/E9101.yaml"]
    assert [f.path for f in staging if "SshOpen" not in f.path] == [f.path for f in prod]
    assert len(prod) == len(staging) - 1
    assert [f.line for f in prod][-1] < [f.line for f in staging][-1]
    assert {f.rule for f in by_file["templates_out/prod/app/E9401.yaml"]} == {"E9401"}


def test_identical_bodies_in_other_regions_are_linted_apart(envs: Path) -> None:
    import json

    from infragen.lint import runner

    manifest = {"stacks": {}, "region": "eu-west-1"}
    (envs / "templates_out" / "staging" / "manifest.json").write_text(json.dumps(manifest))
    runner._manifest_regions.cache_clear()
    try:
        report = run_lint(jobs=1, use_cache=False)
    finally:
        runner._manifest_regions.cache_clear()
    # staging's bodies equal dev's, but its region is another key: only prod's 3 are shared.
    assert (report.linted, report.identical) == (9, 3)
    assert report.findings == plain(report.files)


def test_shared_findings_are_cached_under_their_one_key(envs: Path) -> None:
    cache = envs / "cache"
    first = run_lint(jobs=1, cache_dir=cache)
    assert len(list(cache.glob("*.json"))) == first.linted == 5
    again = run_lint(jobs=1, cache_dir=cache)
    assert (again.linted, again.identical, again.cached) == (0, 0, 12)
    assert again.findings == first.findings
