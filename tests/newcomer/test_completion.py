"""Shell completion as README's Quick start enables it: Click's script and its answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

INFRAGEN = str(Path(sys.executable).parent / "infragen")


def _run(**env: str) -> str:
    done = subprocess.run(
        [INFRAGEN], env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_bash_source_prints_the_completion_function() -> None:
    assert "_infragen_completion()" in _run(_INFRAGEN_COMPLETE="bash_source")


def test_completion_offers_commands_and_options() -> None:
    words = _run(_INFRAGEN_COMPLETE="bash_complete", COMP_WORDS="infragen in", COMP_CWORD="1")
    assert "plain,init" in words.splitlines()
    options = _run(
        _INFRAGEN_COMPLETE="bash_complete", COMP_WORDS="infragen init --pro", COMP_CWORD="2"
    )
    assert "plain,--project" in options.splitlines()
