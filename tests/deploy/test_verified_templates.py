"""The record of verified template digests keeps every stack's digest when deploy threads save
it at the same time (a lost one costs the next no-op deploy a GetTemplate)."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from infragen.aws.types import StackInfo
from infragen.deploy import deployed
from infragen.deploy.deployed import VerifiedTemplates

WHEN = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def info(name: str) -> StackInfo:
    return StackInfo(name, f"arn:aws:cloudformation:us-east-1:1:stack/{name}/1", "CREATE_COMPLETE",
                     last_updated=WHEN)  # fmt: skip


def test_concurrent_saves_keep_every_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dev.json"
    record = VerifiedTemplates(path)
    first_renaming, second_done = threading.Event(), threading.Event()
    replace = os.replace

    def slow_first_replace(source: Any, target: Any) -> None:
        # The first saver is caught between writing its file and renaming it, while the
        # second records and saves: the order in which a busy machine can run them.
        if not first_renaming.is_set():
            first_renaming.set()
            second_done.wait(timeout=1)  # a fixed save makes the second wait for the first
        replace(source, target)

    monkeypatch.setattr(deployed.os, "replace", slow_first_replace)

    def save(name: str) -> None:
        record.record(name, info(name), f"digest-{name}")
        record.save()
        if name == "beta":
            second_done.set()

    first = threading.Thread(target=save, args=("alpha",))
    second = threading.Thread(target=save, args=("beta",))
    first.start()
    assert first_renaming.wait(timeout=5)
    second.start()
    first.join(timeout=5)
    second.join(timeout=5)

    again = VerifiedTemplates(path)
    assert again.get("alpha", info("alpha")) == "digest-alpha"
    assert again.get("beta", info("beta")) == "digest-beta"
