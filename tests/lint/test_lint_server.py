"""`infragen lint --server`: a resident process answers exactly what a local lint would, and any
trouble with it means a local lint, never a failed one."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.lint.test_append_rules import TEMPLATE, write_rule

from infragen.cli import cli
from infragen.lint import server
from infragen.lint.runner import run_lint

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = Path(__file__).parent / "rules"
SOURCES = {
    "jobs-api/api.yaml": REPO / "templates_out" / "dev" / "jobs-api" / "api.yaml",
    "app/E9101.yaml": RULES_DIR / "E9101" / "bad.yaml",
    "app/E9401.yaml": RULES_DIR / "E9401" / "bad.yaml",
}


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private runtime directory short enough for a Unix socket path (108 bytes at most)."""
    base = Path(tempfile.mkdtemp(prefix="igs-", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(base))
    yield base / "infragen"
    pid = server.running_pid()
    if pid is not None:
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, source in SOURCES.items():
        target = tmp_path / "templates_out" / "dev" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def start_server(*args: str) -> subprocess.Popen[bytes]:
    sock = server.socket_path()
    process = subprocess.Popen(
        [sys.executable, "-m", "infragen.lint.server", "--socket", str(sock), *args]
    )
    deadline = time.monotonic() + 60
    while not sock.exists() or server.running_pid() != process.pid:
        assert process.poll() is None, f"the server exited {process.returncode}"
        assert time.monotonic() < deadline, "the server never listened"
        time.sleep(0.05)
    return process


def wait_for_exit(process: subprocess.Popen[bytes]) -> int:
    return process.wait(timeout=30)


def test_the_server_answers_what_a_local_lint_finds(runtime: Path, project: Path) -> None:
    process = start_server("--warm", str(project / "templates_out"))
    try:
        remote = run_lint(use_cache=False, server=True)
        local = run_lint(use_cache=False)
        assert remote.by_server and not local.by_server
        assert {f.rule for f in remote.findings} >= {"E9101", "E9401"}
        assert remote.findings == local.findings
        # One template alone (the pre-commit case after one change) goes there too.
        one = run_lint(["templates_out/dev/app/E9101.yaml"], use_cache=False, server=True)
        assert one.by_server
        assert one.findings == [f for f in local.findings if f.file.endswith("E9101.yaml")]
    finally:
        process.terminate()
    assert wait_for_exit(process) == 0
    assert not server.socket_path().exists()


def test_each_request_reads_its_own_projects_cfnlintrc(
    runtime: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The team rules one project appends are loaded in the fork that answers it, so they
    neither miss from that project's answer nor leak into another project's."""
    with_rules, without = tmp_path / "with", tmp_path / "without"
    for root in (with_rules, without):
        app = root / "templates_out" / "dev" / "app"
        app.mkdir(parents=True)
        (app / "queues.yaml").write_text(TEMPLATE)
    write_rule(with_rules)
    (with_rules / ".cfnlintrc").write_text("append_rules:\n  - team_rules\n")
    process = start_server()
    try:
        monkeypatch.chdir(with_rules)
        first = run_lint(use_cache=False, server=True)
        monkeypatch.chdir(without)
        second = run_lint(use_cache=False, server=True)
    finally:
        process.terminate()
    assert first.by_server and second.by_server
    assert [(f.rule, f.message) for f in first.findings] == [("W9950", "Orders: set retention")]
    assert second.findings == []


def test_without_a_server_lint_runs_here_and_starts_one_for_next_time(
    runtime: Path, project: Path
) -> None:
    assert server.running_pid() is None
    report = run_lint(use_cache=False, server=True)
    assert not report.by_server
    assert {f.rule for f in report.findings} >= {"E9101", "E9401"}
    deadline = time.monotonic() + 60
    while server.running_pid() is None:
        assert time.monotonic() < deadline, "no server was started"
        time.sleep(0.1)
    while not run_lint(use_cache=False, server=True).by_server:
        assert time.monotonic() < deadline, "the started server never answered"
        time.sleep(0.2)
    result = CliRunner().invoke(cli, ["lint", "--stop-server"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.startswith("stopped the lint server (pid ")
    while server.running_pid() is not None:
        assert time.monotonic() < deadline, "the server ignored SIGTERM"
        time.sleep(0.1)
    again = CliRunner().invoke(cli, ["lint", "--stop-server"], catch_exceptions=False)
    assert again.output == "no lint server running\n"


def test_a_runtime_directory_others_can_enter_is_refused(runtime: Path, project: Path) -> None:
    runtime.mkdir(mode=0o755, parents=True)
    runtime.chmod(0o755)
    with pytest.raises(server.ServerUnavailable, match="open to other users"):
        server.socket_path()
    report = run_lint(use_cache=False, server=True)  # still lints, here
    assert not report.by_server and report.findings
    time.sleep(0.5)
    assert sorted(p.name for p in runtime.iterdir()) == []  # and starts nothing there


def test_a_server_started_for_other_code_exits_at_once(runtime: Path) -> None:
    runtime.mkdir(mode=0o700, parents=True)
    stale = runtime / "lint-0000000000000000.sock"
    process = subprocess.Popen(
        [sys.executable, "-m", "infragen.lint.server", "--socket", str(stale)]
    )
    assert wait_for_exit(process) == 0
    assert not stale.exists()


def test_a_second_server_for_the_same_code_leaves_the_first_alone(runtime: Path) -> None:
    first = start_server()
    try:
        second = subprocess.Popen(
            [sys.executable, "-m", "infragen.lint.server", "--socket", str(server.socket_path())]
        )
        assert wait_for_exit(second) == 0
        assert server.running_pid() == first.pid and first.poll() is None
    finally:
        first.terminate()
    assert wait_for_exit(first) == 0


def test_an_idle_server_exits(runtime: Path) -> None:
    process = start_server("--idle", "0.5")
    assert wait_for_exit(process) == 0
    assert server.running_pid() is None and not server.socket_path().exists()
