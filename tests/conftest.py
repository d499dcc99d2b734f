"""Shared fixtures: a throwaway copy of the example project and a CLI runner."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from infragen.cli import cli

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def private_lint_servers() -> Iterator[None]:
    """Lint servers a test starts (`lint --server`, the pre-commit hook's command) live in a
    runtime directory of this session's and are stopped at its end: the suite leaves no
    background process behind, and never talks to a developer's own server."""
    runtime = Path(tempfile.mkdtemp(prefix="igt-", dir="/tmp"))
    before = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    yield
    from infragen.lint.server import running_pid

    for lock in (runtime / "infragen").glob("*.lock"):
        pid = running_pid(lock.with_suffix(".sock"))  # only while it holds the lock: alive
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
    if before is None:
        os.environ.pop("XDG_RUNTIME_DIR", None)
    else:
        os.environ["XDG_RUNTIME_DIR"] = before
    shutil.rmtree(runtime, ignore_errors=True)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repo's config/ in a temp dir, which becomes the working directory."""
    shutil.copytree(REPO / "config", tmp_path / "config")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def invoke() -> Callable[..., Result]:
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return run
