"""templates_out/ under concurrent renders, killed renders, the user's umask and files."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from foundation.test_config_errors import DEFAULTS
from infragen.render.lock import templates_lock
from project_support import new_project


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = new_project(tmp_path, monkeypatch, DEFAULTS)
    (root / "config" / "prod.yaml").write_text("{}\n")
    return root


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _render(env: str, cwd: Path) -> subprocess.Popen[str]:
    code = "import sys; from infragen.cli import main; sys.argv[0] = 'infragen'; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "render", "--env", env],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_renders_of_different_envs_keep_both(small: Path) -> None:
    for _ in range(3):
        for env in ("dev", "prod"):
            (small / "config" / f"{env}.yaml").write_text(
                f"tags: {{Round: r{_}-{env}}}\n" if env == "dev" else "{}\n"
            )
        runs = [_render(env, small) for env in ("dev", "prod", "dev", "prod")]
        for run in runs:
            _out, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
        assert (small / "templates_out/dev/manifest.json").is_file()
        assert (small / "templates_out/prod/manifest.json").is_file()
        assert f"r{_}-dev" in (small / "templates_out/dev/manifest.json").read_text()


def test_a_render_waits_for_the_lock_then_says_who_holds_it(
    small: Path, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFRAGEN_LOCK_TIMEOUT", "0.3")
    with templates_lock(small / "templates_out"):
        result = invoke("render")
    assert result.exit_code == 2
    assert f"another infragen render (pid {os.getpid()}) is writing" in result.stderr
    assert "waited 0.3 s" in result.stderr
    assert not (small / "templates_out").exists()
    assert invoke("render").exit_code == 0


def test_a_render_killed_between_its_renames_is_repaired_by_the_next(
    small: Path, invoke: Callable[..., Result]
) -> None:
    assert invoke("render").exit_code == 0
    before = (small / "templates_out/dev/manifest.json").read_text()
    # The state a kill -9 after the first rename leaves: the old tree moved aside, the new
    # one not yet in place.
    (small / "templates_out").rename(small / ".templates_out.old-4242")
    (small / ".templates_out.new-abcd/dev").mkdir(parents=True)
    result = invoke("render", "--env", "prod")
    assert result.exit_code == 0, result.stderr
    assert "restored" in result.stderr and "interrupted render" in result.stderr
    assert (small / "templates_out/dev/manifest.json").read_text() == before
    leftovers = sorted(p.name for p in small.iterdir() if p.name.startswith(".templates_out"))
    assert leftovers == [".templates_out.lock"]


def test_render_keeps_the_umask_mode(
    small: Path, invoke: Callable[..., Result], umask_022: None
) -> None:
    assert invoke("render").exit_code == 0
    assert (small / "templates_out").stat().st_mode & 0o777 == 0o755
    assert (small / "templates_out/dev").stat().st_mode & 0o777 == 0o755


def test_files_that_are_not_infragens_are_left_alone(
    small: Path, invoke: Callable[..., Result]
) -> None:
    assert invoke("render").exit_code == 0
    (small / "templates_out/README.md").write_text("# reviewed templates\n")
    (small / "templates_out/dev/NOTES.md").write_text("why dev differs\n")
    stale = small / "templates_out/dev/shop/gone.yaml"
    stale.write_text("Resources: {}\n")
    check = invoke("render", "--check")
    assert check.exit_code == 1
    assert "extra: templates_out/dev/shop/gone.yaml" in check.output
    assert "README.md" not in check.output and "NOTES.md" not in check.output
    result = invoke("render")
    assert result.exit_code == 0
    assert (small / "templates_out/README.md").read_text() == "# reviewed templates\n"
    assert (small / "templates_out/dev/NOTES.md").read_text() == "why dev differs\n"
    assert not stale.exists()
    assert invoke("render", "--check").exit_code == 0
