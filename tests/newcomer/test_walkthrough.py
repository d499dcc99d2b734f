"""README's runnable shell blocks, run as written: "Your first app" from `infragen init` to a
deploy on infragen's emulator, a planned change deployed from its plan file, status, diff and
drift, and a delete.

Every block fenced as ```` ```sh runnable ```` runs, in README order, in one bash script in
an empty temp dir, with the installed `infragen` and `python` first on PATH and the
environment `infragen emulator` tells the reader to export (an emulator this test starts on
127.0.0.1). Only the port differs from what the reader pastes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from infragen.emulator.server import Emulator

README = Path(__file__).resolve().parents[2] / "README.md"
RUNNABLE = re.compile(r"^```sh runnable\n(.*?)^```$", re.MULTILINE | re.DOTALL)
README_ENDPOINT = "http://127.0.0.1:5000"  # `infragen emulator`'s default port


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    pytest.importorskip("moto.server", reason="moto[server] is not installed")
    from infragen.emulator.server import start

    with start("127.0.0.1", 0) as running:
        yield running


def runnable_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, body) of every runnable block."""
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in RUNNABLE.finditer(text)]


def script(text: str) -> str:
    """One bash script; each block announces its README line, so a failure names it."""
    parts = ["set -euo pipefail"]
    for line, body in runnable_blocks(text):
        parts += [f"echo '### README.md:{line}' >&2", body]
    return "\n".join(parts) + "\n"


def test_the_export_lines_are_what_the_emulator_prints(emulator: Emulator) -> None:
    section = README.read_text().split("## Your first app", 1)[1]
    printed = [line.replace(emulator.endpoint, README_ENDPOINT) for line in emulator.export_lines()]
    assert "```sh\n" + "\n".join(printed) + "\n```" in section


def test_your_first_app_runs_as_written(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = README.read_text()
    walkthrough = text.split("## Your first app", 1)[1].split("\n## ", 1)[0]
    assert len(runnable_blocks(walkthrough)) >= 7  # the section's own steps are all runnable

    emulator.reset()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(emulator.env())
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    done = subprocess.run(
        ["bash", "-c", script(text)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]

    out = done.stdout
    assert "3 stacks: 3 created" in out
    assert "TableName = shop-dev-orders-table" in out
    # the plan names the one change, the redeploy makes only it, the delete takes all
    assert "orders/function  shop-dev-orders-function: update" in out
    assert "1 of 3 stack(s) would change" in out
    assert "3 stacks: 1 updated, 2 unchanged" in out
    assert "[orders/table] unchanged - unchanged in the plan" in out  # deployed by plan.json
    assert "0 of 3 stack(s) differ from what is deployed" in done.stderr
    assert "orders/function: IN_SYNC" in out
    assert "3 stacks: 3 deleted" in out
    assert (tmp_path / "shop/templates_out/dev/orders/function.yaml").is_file()

    import boto3

    cfn = boto3.client("cloudformation", endpoint_url=emulator.endpoint, **_fake())
    summaries = cfn.list_stacks()["StackSummaries"]
    assert [s["StackName"] for s in summaries if s["StackStatus"] != "DELETE_COMPLETE"] == []


def _fake() -> dict[str, str]:
    from infragen.emulator.server import FAKE_CREDENTIALS

    return {
        "region_name": "us-east-1",
        "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }
