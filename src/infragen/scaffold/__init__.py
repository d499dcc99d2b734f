"""`infragen init`: the files a new infragen project starts from, never over existing ones.

The scaffold is a working project, not a sketch: `infragen render` and `infragen lint` pass
in it as soon as it is written, so a newcomer changes something that works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from infragen.errors import ConfigError
from infragen.model import NAME_PATTERN

DEFAULT_REGION = "us-east-1"

GITIGNORE = """\
# infragen's lint cache and local state
.infragen-cache/
# Python
.venv/
__pycache__/
*.pyc
# Lambda code artifacts built locally (upload them; do not commit them)
*.zip
"""


@dataclass(frozen=True)
class ScaffoldFile:
    path: str  # relative to the project directory
    template: str  # a file in infragen/scaffold/files/, or "" for inline text
    text: str = ""


SCAFFOLD = (
    ScaffoldFile("config/defaults.yaml", "defaults.yaml"),
    ScaffoldFile("config/dev.yaml", "dev.yaml"),
    ScaffoldFile(".pre-commit-config.yaml", "pre-commit-config.yaml"),
    ScaffoldFile(".gitignore", "", GITIGNORE),
)


def project_name_for(directory: Path) -> str:
    """A valid `project:` from a directory name: `My Infra_2` -> `my-infra-2`."""
    name = re.sub(r"[^a-z0-9]+", "-", directory.resolve().name.lower()).strip("-")
    if not name or not name[0].isalpha():
        name = f"infra-{name}".rstrip("-")
    return name


def init_project(
    directory: Path, *, project: str | None = None, region: str = DEFAULT_REGION
) -> list[Path]:
    """Write the scaffold into `directory` (created if missing); return the files written.

    Refuses, writing nothing, when any of the files already exists.
    """
    project = project or project_name_for(directory)
    if not re.match(NAME_PATTERN, project):
        raise ConfigError(
            f"project name {project!r} must be lowercase letters, digits and '-', "
            "starting with a letter",
            "pass one with --project NAME",
        )
    targets = [directory / f.path for f in SCAFFOLD]
    existing = [str(path) for path in targets if path.exists()]
    if existing:
        raise ConfigError(
            f"refusing to overwrite {', '.join(existing)}",
            "run `infragen init` in an empty directory, or move these files away first",
        )
    files = resources.files(__package__) / "files"
    for spec, target in zip(SCAFFOLD, targets, strict=True):
        text = (files / spec.template).read_text() if spec.template else spec.text
        text = text.replace("{project}", project).replace("{region}", region)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return targets
