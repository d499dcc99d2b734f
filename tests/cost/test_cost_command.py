"""`infragen cost` end to end: formats, --compare-to a git ref and a manifest file."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(project: Path) -> Path:
    """The example config and dev templates, committed in a throwaway git repository."""
    shutil.copytree(REPO / "templates_out" / "dev", project / "templates_out" / "dev")
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "config", "templates_out")
    _git(project, "commit", "-q", "-m", "baseline")
    return project


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
    )


def _json(result: Result) -> dict:  # type: ignore[type-arg]
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_json_totals_add_up(repo: Path, invoke: Callable[..., Result]) -> None:
    document = _json(invoke("cost", "--env", "dev", "--format", "json"))
    stacks = document["stacks"]
    assert document["total"] == pytest.approx(sum(s["total"] for s in stacks), abs=0.05)
    assert set(document["apps"]) == {s["stack"].split("/")[0] for s in stacks}
    assert document["prices_as_of"] and document["prices_source"]
    missing = [m for s in stacks for m in s["not_estimated"]]
    assert {m["type"] for m in missing} == {"AWS::AppRunner::VpcIngressConnection"}


def test_text_and_markdown_name_the_unpriced(repo: Path, invoke: Callable[..., Result]) -> None:
    text = invoke("cost", "--env", "dev")
    assert text.exit_code == 0
    assert "not estimated (1):" in text.output and "VpcIngressConnection" in text.output
    markdown = invoke("cost", "--env", "dev", "--format", "markdown")
    assert "| **total** |" in markdown.output and "Not estimated (1):" in markdown.output


def test_compare_to_git_ref_prints_the_delta(repo: Path, invoke: Callable[..., Result]) -> None:
    """Raising the ALB's LCU assumption on a working copy shows as a delta against HEAD."""
    before = _json(invoke("cost", "--env", "dev", "--format", "json"))
    dev = repo / "config" / "dev.yaml"
    dev.write_text(dev.read_text().replace("{usage: {lcu: 0.6}}", "{usage: {lcu: 10.6}}"))
    after = _json(invoke("cost", "--env", "dev", "--format", "json", "--compare-to", "HEAD"))
    expected = 10 * 730 * 0.008
    assert after["delta"] == pytest.approx(expected, abs=0.01)
    assert after["baseline_total"] == pytest.approx(before["total"], abs=0.01)
    assert [row["stack"] for row in after["stack_deltas"]] == ["tsdevstack/alb"]
    markdown = invoke("cost", "--env", "dev", "--format", "markdown", "--compare-to", "HEAD")
    assert f"| `tsdevstack/alb` | $19.93 | $78.33 | +${expected:.2f} |" in markdown.output


def test_compare_to_manifest_file(repo: Path, invoke: Callable[..., Result]) -> None:
    """A manifest elsewhere (an older render) is priced with the current usage."""
    old = repo / "old" / "dev"
    shutil.copytree(repo / "templates_out" / "dev", old)
    network = old / "tsdevstack" / "network.yaml"
    network.write_text(network.read_text().replace("AWS::EC2::NatGateway", "AWS::SQS::Queue", 1))
    document = _json(
        invoke(
            "cost", "--env", "dev", "--format", "json", "--compare-to", str(old / "manifest.json")
        )
    )
    assert document["delta"] == pytest.approx(730 * 0.045, abs=0.01)


def test_compare_to_unknown_ref_is_a_usage_error(repo: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("cost", "--env", "dev", "--compare-to", "no-such-ref")
    assert result.exit_code == 2
    assert "--compare-to" in result.output and "hint:" in result.output


def test_unrendered_env_exits_2(project: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("cost", "--env", "dev")
    assert result.exit_code == 2
    assert "infragen render --env dev" in result.output
