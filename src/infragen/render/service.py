"""The functions the CLI calls: load the envs asked for, render them, write or check."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from infragen.blueprints.registry import get_blueprint
from infragen.config import project
from infragen.config.project import Env, list_envs
from infragen.errors import ConfigError, ConfigErrors
from infragen.render.render import RenderedEnv, render_env
from infragen.render.writer import CheckResult, check_envs, write_envs


@dataclass
class RenderSummary:
    envs: list[RenderedEnv]
    changed: list[str] = field(default_factory=list)
    check: CheckResult | None = None
    notes: list[str] = field(default_factory=list)  # repairs after an interrupted render

    @property
    def stack_count(self) -> int:
        return sum(len(env.stacks) for env in self.envs)


def load_env(config_dir: Path, name: str) -> Env:
    """One env, its blueprints found through the registry (built-ins and plugins alike)."""
    return project.load_env(config_dir, name, get_blueprint)


def load_envs(config_dir: Path, names: list[str] | None) -> list[Env]:
    """Load every env asked for (all by default), reporting the errors of all of them at once."""
    wanted = names or list_envs(config_dir)
    if not wanted:
        raise ConfigError(
            f"no environments in {config_dir}",
            "add config/defaults.yaml and one <env>.yaml per environment",
        )
    envs: list[Env] = []
    errors: list[ConfigError] = []
    for name in dict.fromkeys(wanted):
        try:
            envs.append(load_env(config_dir, name))
        except ConfigErrors as exc:
            errors.extend(exc.errors)
        except ConfigError as exc:
            errors.append(exc)
    if errors:
        # defaults.yaml problems show up once per env: report each once.
        unique = {(str(e.location), e.message): e for e in errors}
        raise ConfigErrors(list(unique.values()))
    return envs


def render(
    config_dir: Path, out_dir: Path, names: list[str] | None, *, check: bool
) -> RenderSummary:
    envs = [render_env(env) for env in load_envs(config_dir, names)]
    all_envs = not names
    if check:
        return RenderSummary(envs, check=check_envs(out_dir, envs, all_envs=all_envs))
    summary = RenderSummary(envs)
    summary.changed = write_envs(out_dir, envs, all_envs=all_envs, notes=summary.notes)
    return summary
