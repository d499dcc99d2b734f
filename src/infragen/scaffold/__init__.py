"""`infragen init`: the files a new infragen project starts from, never over existing ones.

The scaffold is a working project, not a sketch: `infragen render` and `infragen lint` pass
in it as soon as it is written, so a newcomer changes something that works.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from infragen.errors import ConfigError
from infragen.model import NAME_PATTERN

DEFAULT_REGION = "us-east-1"

GITIGNORE = """\
# infragen's lint cache and local state
.infragen-cache/
# a render's lock, and trees a killed render left (the next render removes them)
.templates_out.lock
.templates_out.new-*/
.templates_out.old-*/
# Python
.venv/
__pycache__/
*.pyc
# Lambda code artifacts built locally (upload them; do not commit them)
*.zip
"""


WORKFLOWS = ("infragen-pr.yaml", "infragen-deploy.yaml", "infragen-deploy-env.yaml")

SCAFFOLD = (
    "config/defaults.yaml",
    "config/dev.yaml",
    ".pre-commit-config.yaml",
    ".gitignore",
    # The YAML language server (VS Code's YAML extension, and other editors' yamlls): the
    # config files name this schema on their first line; VS Code is told infragen's tags.
    ".infragen/config.schema.json",
    ".vscode/settings.json",
    # The review tools in CI: a plan, cost delta and diagram on every pull request, and
    # deploys after merge (src/infragen/templates/github/workflows/).
    *(f".github/workflows/{name}" for name in WORKFLOWS),
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
    targets = [directory / path for path in SCAFFOLD]
    existing = [str(path) for path in targets if path.exists()]
    if existing:
        raise ConfigError(
            f"refusing to overwrite {', '.join(existing)}",
            "run `infragen init` in an empty directory, or move these files away first",
        )
    texts = _texts(project, region)
    for path, target in zip(SCAFFOLD, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(texts[path])
    return targets


def _texts(project: str, region: str) -> dict[str, str]:
    """Each scaffold file's text: templates filled in, the schema made from the models."""
    from infragen.config.tags import known_tags
    from infragen.schema import schema_text

    files = resources.files(__package__) / "files"

    def template(name: str) -> str:
        text = (files / name).read_text()
        return text.replace("{project}", project).replace("{region}", region)

    settings = {"yaml.customTags": [f"{tag} scalar" for tag in known_tags()]}
    workflows = resources.files("infragen") / "templates" / "github" / "workflows"
    return {
        **{f".github/workflows/{name}": (workflows / name).read_text() for name in WORKFLOWS},
        "config/defaults.yaml": template("defaults.yaml"),
        "config/dev.yaml": template("dev.yaml"),
        ".pre-commit-config.yaml": template("pre-commit-config.yaml"),
        ".gitignore": GITIGNORE,
        ".infragen/config.schema.json": schema_text(),
        ".vscode/settings.json": json.dumps(settings, indent=2) + "\n",
    }
