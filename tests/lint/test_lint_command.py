"""`infragen lint`: exit codes, clickable output, formats, cache hits and misses."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from infragen.cli import cli
from infragen.lint.runner import run_lint

RULES_DIR = Path(__file__).parent / "rules"
BAD = RULES_DIR / "E9101" / "bad.yaml"
GOOD = RULES_DIR / "E9101" / "good.yaml"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project dir with templates_out/dev/app/{bad,good}.yaml and a manifest."""
    app = tmp_path / "templates_out" / "dev" / "app"
    app.mkdir(parents=True)
    shutil.copy(BAD, app / "bad.yaml")
    shutil.copy(GOOD, app / "good.yaml")
    manifest = {
        "env": "dev",
        "project": "acme",
        "stacks": {
            "app/bad": {
                "name": "acme-dev-app-bad",
                "template": "app/bad.yaml",
                "region": "eu-west-1",
            },
            "app/good": {
                "name": "acme-dev-app-good",
                "template": "app/good.yaml",
                "region": "us-east-1",
            },
        },
    }
    (tmp_path / "templates_out" / "dev" / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(cli, ["lint", *args], catch_exceptions=False)


def test_findings_exit_1_with_clickable_locations(workdir: Path) -> None:
    result = invoke("--no-cache")
    assert result.exit_code == 1
    lines = re.findall(
        r"^(templates_out/dev/app/bad\.yaml):(\d+):(\d+): (E9101) ", result.output, re.M
    )
    assert len(lines) == 10
    # The line numbers point at the offending CidrIp keys of bad.yaml.
    source = BAD.read_text().splitlines()
    assert all("Cidr" in source[int(line) - 1] for _, line, _, _ in lines)
    assert "10 findings in templates_out/dev/app/bad.yaml" in result.output
    assert "good.yaml:" not in result.output


def test_clean_template_exits_0(workdir: Path) -> None:
    result = invoke("templates_out/dev/app/good.yaml")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 findings")


def test_missing_path_is_a_usage_error_with_a_hint(workdir: Path) -> None:
    result = invoke("templates_out/nope.yaml")
    assert result.exit_code == 2
    assert "no such file or directory" in result.output
    assert "hint:" in result.output


def test_unknown_env_is_a_usage_error(workdir: Path) -> None:
    result = invoke("--env", "qa")
    assert result.exit_code == 2
    assert "infragen render" in result.output


def test_json_format(workdir: Path) -> None:
    result = invoke("--format", "json", "--env", "dev")
    assert result.exit_code == 1
    findings = json.loads(result.output)
    assert {f["rule"] for f in findings} == {"E9101"}
    for finding in findings:
        assert {"file", "line", "col", "rule", "severity", "message"} <= finding.keys()
        assert finding["file"] == "templates_out/dev/app/bad.yaml"
        assert finding["severity"] == "error"


def test_sarif_format(workdir: Path) -> None:
    result = invoke("--format", "sarif")
    assert result.exit_code == 1
    sarif = json.loads(result.output)
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["E9101"]
    assert rules[0]["shortDescription"]["text"]
    assert len(run["results"]) == 10
    for res in run["results"]:
        assert res["ruleId"] == "E9101"
        assert res["level"] == "error"
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        location = res["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "templates_out/dev/app/bad.yaml"
        assert location["region"]["startLine"] >= 1


def test_cache_relints_only_changed_templates(workdir: Path) -> None:
    cache = workdir / "cache"
    first = run_lint(cache_dir=cache, jobs=1)
    assert (first.linted, first.cached) == (2, 0)
    assert len(list(cache.glob("*.json"))) == 2

    second = run_lint(cache_dir=cache, jobs=1)
    assert (second.linted, second.cached) == (0, 2)
    assert second.findings == first.findings

    good = workdir / "templates_out" / "dev" / "app" / "good.yaml"
    good.write_text(good.read_text().replace("GroupDescription: app", "GroupDescription: app v2"))
    third = run_lint(cache_dir=cache, jobs=1)
    assert (third.linted, third.cached) == (1, 1)

    uncached = run_lint(cache_dir=cache, jobs=1, use_cache=False)
    assert (uncached.linted, uncached.cached) == (2, 0)
    assert uncached.findings == third.findings


def test_region_change_in_manifest_misses_the_cache(workdir: Path) -> None:
    from infragen.lint import runner

    cache = workdir / "cache"
    run_lint(cache_dir=cache, jobs=1)
    manifest_path = workdir / "templates_out" / "dev" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["stacks"]["app/good"]["region"] = "eu-central-1"
    manifest_path.write_text(json.dumps(manifest))
    runner._manifest_regions.cache_clear()
    report = run_lint(cache_dir=cache, jobs=1)
    assert (report.linted, report.cached) == (1, 1)


def test_parallel_and_in_process_agree(workdir: Path) -> None:
    app = workdir / "templates_out" / "dev" / "app"
    for folder in sorted(RULES_DIR.iterdir()):
        shutil.copy(folder / "bad.yaml", app / f"{folder.name}-bad.yaml")
    serial = run_lint(jobs=1, use_cache=False)
    parallel = run_lint(jobs=2, use_cache=False)
    assert parallel.jobs == 2
    assert serial.jobs == 1
    assert parallel.findings == serial.findings
    assert {f.rule for f in serial.findings} >= {p.name for p in RULES_DIR.iterdir()}


def test_help_and_warm_runs_never_import_cfn_lint(workdir: Path) -> None:
    """Start-up matters (pre-commit): only linting a changed template loads cfn-lint."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from infragen.cli import cli\n"
        "r = CliRunner().invoke(cli, sys.argv[1:])\n"
        "print(r.exit_code, any(m.startswith('cfnlint') for m in sys.modules))\n"
    )

    def run(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True
        )
        return result.stdout.strip()

    assert run("--help") == "0 False"
    assert run("lint") == "1 True"  # cold: lints, so loads cfn-lint
    assert run("lint") == "1 False"  # warm: every result from the cache


def test_regions_come_from_the_manifest(workdir: Path) -> None:
    from infragen.lint.runner import collect_targets

    regions = {t.display: t.regions for t in collect_targets()}
    assert regions == {
        "templates_out/dev/app/bad.yaml": ("eu-west-1",),
        "templates_out/dev/app/good.yaml": ("us-east-1",),
    }
    outside = workdir / "elsewhere.yaml"
    shutil.copy(GOOD, outside)
    assert collect_targets([outside])[0].regions == ("us-east-1",)


def test_cache_prunes_entries_unused_for_a_month(workdir: Path) -> None:
    import os
    import time

    cache = workdir / "cache"
    run_lint(cache_dir=cache, jobs=1)
    stale = cache / ("0" * 64 + ".json")
    stale.write_text('{"findings": []}')
    month_ago = time.time() - 31 * 86400
    os.utime(stale, (month_ago, month_ago))
    for entry in cache.glob("*.json"):
        if entry != stale:
            os.utime(entry, (month_ago, month_ago))
    run_lint(cache_dir=cache, jobs=1)  # all hits: refreshes the two live entries
    (workdir / "templates_out" / "dev" / "app" / "new.yaml").write_text(GOOD.read_text() + "\n")
    report = run_lint(cache_dir=cache, jobs=1)  # lints one template, then prunes
    assert (report.linted, report.cached) == (1, 2)
    assert not stale.exists()
    assert len(list(cache.glob("*.json"))) == 3


def test_cfnlintrc_is_honoured_and_part_of_the_cache_key(workdir: Path) -> None:
    cache = workdir / "cache"
    assert {f.rule for f in run_lint(cache_dir=cache, jobs=1).findings} == {"E9101"}
    (workdir / ".cfnlintrc").write_text("ignore_checks:\n  - E9101\n")
    report = run_lint(cache_dir=cache, jobs=1)
    assert (report.linted, report.cached) == (2, 0)
    assert report.findings == []


def test_a_corrupt_or_unwritable_cache_never_fails_a_lint(workdir: Path) -> None:
    cache = workdir / "cache"
    first = run_lint(cache_dir=cache, jobs=1)
    for entry in cache.glob("*.json"):
        entry.write_text('{"findings": [{"unexpected": 1}]}')
    again = run_lint(cache_dir=cache, jobs=1)
    assert (again.linted, again.cached) == (2, 0)
    assert again.findings == first.findings

    blocked = workdir / "not-a-dir"
    blocked.write_text("a file where the cache directory should be")
    report = run_lint(cache_dir=blocked, jobs=1)
    assert report.findings == first.findings


@pytest.mark.parametrize("content", ["[]", '{"stacks": 3}', "{oops"])
def test_a_manifest_that_is_not_one_is_a_usage_error(workdir: Path, content: str) -> None:
    (workdir / "templates_out/dev/manifest.json").write_text(content)
    result = invoke("--no-cache", "--env", "dev")
    assert result.exit_code == 2
    assert "templates_out/dev/manifest.json" in result.output
    assert "re-run `infragen render`" in result.output


def test_cache_key_reads_the_installed_cfn_lint_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read from cfn-lint's version.py (no import): upgrading cfn-lint re-lints everything."""
    from cfnlint.version import __version__

    from infragen.lint import runner

    runner.cfnlint_version.cache_clear()
    assert f'__version__ = "{__version__}"' in runner.cfnlint_version()
    key = runner.cache_key(b"{}", ["us-east-1"])
    monkeypatch.setattr(runner, "cfnlint_version", lambda: '__version__ = "0.0.1"')
    assert runner.cache_key(b"{}", ["us-east-1"]) != key
