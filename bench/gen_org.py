"""Synthetic organisations for the scale benchmarks: K copies of the example apps.

The example config (config/ at the repo root) has self-contained apps (no `!stack_output`
crosses apps). A synthetic organisation has K copies of every app in the environments asked
for, plus the few extra copies whose stacks come closest to the stack count asked for
without passing it. Copy 1 of an app keeps its name; copy k >= 2 of `cat-detector` is
`cat-detector-k`, and every string inside that copy (stack-output references, `depends_on`,
secret and SSM paths, descriptions, tags) says `cat-detector-k`, so its CloudFormation and
physical names are unique. Domain names under `example.com` become `....ck.example.com`.

Sizes (the example, measured: 82 stacks in dev, 82 in staging, 83 in prod, 247 in all):

    57    dev only (one env of today's example is 82): whole apps adding up to 57
    570   dev+staging+prod: 2 copies of every app, and extra copies filling the rest
    1900  dev+staging+prod: 7 copies of every app, and extra copies filling the rest
The exact count is printed (and by bench/render.py); it is the target when whole app
copies can make it.

Usage: .venv/bin/python bench/gen_org.py --size 570   ->  bench/work/org-570/config/
       .venv/bin/python bench/gen_org.py --stacks 300 --envs dev,prod --out DIR
Prints the config directory and the stack count per env.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "config"
WORK = REPO / "bench" / "work"
ALL_ENVS = ("dev", "staging", "prod")
PRESETS: dict[int, tuple[str, ...]] = {57: ("dev",), 570: ALL_ENVS, 1900: ALL_ENVS}


class Tagged:
    """A YAML tag (`!stack_output`, `!env`, ...) and its scalar, kept as written."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag = tag
        self.value = value


class _Loader(yaml.SafeLoader):
    pass


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tagged:
    if isinstance(node, yaml.ScalarNode):
        return Tagged("!" + suffix, loader.construct_scalar(node))
    if isinstance(node, yaml.SequenceNode):
        return Tagged("!" + suffix, loader.construct_sequence(node, deep=True))
    return Tagged("!" + suffix, loader.construct_mapping(node, deep=True))


_Loader.add_multi_constructor("!", _construct_tagged)


class _Dumper(yaml.SafeDumper):
    pass


def _represent_tagged(dumper: yaml.SafeDumper, data: Tagged) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


_Dumper.add_representer(Tagged, _represent_tagged)


def load(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}


def renamed(value: Any, app: str, copy: int) -> Any:
    """`value` with every mention of `app` (and example.com domains) made copy-specific."""
    if copy == 1:
        return value
    if isinstance(value, str):
        text = re.sub(rf"(?<![a-z0-9_-]){re.escape(app)}(?![a-z0-9_])", f"{app}-{copy}", value)
        return text.replace("example.com", f"c{copy}.example.com")
    if isinstance(value, Tagged):
        return Tagged(value.tag, renamed(value.value, app, copy))
    if isinstance(value, dict):
        return {renamed(k, app, copy): renamed(v, app, copy) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v, app, copy) for v in value]
    return value


def stacks_per_app(config_dir: Path, envs: tuple[str, ...]) -> dict[str, int]:
    """Stacks of each app over `envs`, counted by infragen's own loader (merge rules and all)."""
    sys.path.insert(0, str(REPO / "src"))
    from infragen.render.service import load_envs

    counts: dict[str, int] = {}
    for env in load_envs(config_dir, list(envs)):
        for stack in env.stacks.values():
            counts[stack.app] = counts.get(stack.app, 0) + 1
    return counts


def choose_copies(sizes: dict[str, int], target: int) -> list[tuple[str, int]]:
    """(app, copy) pairs whose stacks add up to `target`, or as close below as whole copies
    allow: K copies of every app, then the extra copies (at most two more of an app) whose
    sizes fill the rest best (a small subset sum)."""
    rounds = target // sum(sizes.values())
    rest = target - rounds * sum(sizes.values())
    extras = [app for app in sizes for _ in range(2)]
    # best[n] = the extra apps whose sizes add up to exactly n, found with the fewest items
    best: dict[int, list[str]] = {0: []}
    for app in extras:
        for total, chosen in sorted(best.items(), reverse=True):
            grown = total + sizes[app]
            if grown <= rest and grown not in best:
                best[grown] = [*chosen, app]
    copies = dict.fromkeys(sizes, rounds)
    for app in best[max(best)]:
        copies[app] += 1
    return [(app, copy) for app in sizes for copy in range(1, copies[app] + 1)]


def generate(target: int, envs: tuple[str, ...], out: Path) -> dict[str, int]:
    """Write `out/config/` for about `target` stacks; returns the stack count per env."""
    sizes = stacks_per_app(EXAMPLE, envs)
    chosen = choose_copies(sizes, target)
    config = out / "config"
    shutil.rmtree(config, ignore_errors=True)
    config.mkdir(parents=True)
    for name in ("defaults", *envs):
        source = load(EXAMPLE / f"{name}.yaml")
        apps = source.get("apps") or {}
        source["apps"] = {
            renamed(app, app, copy): renamed(apps[app], app, copy)
            for app, copy in chosen
            if app in apps
        }
        (config / f"{name}.yaml").write_text(
            yaml.dump(source, Dumper=_Dumper, sort_keys=False, width=120), encoding="utf-8"
        )
    per_env: dict[str, int] = {}
    from infragen.render.service import load_envs

    for env in load_envs(config, list(envs)):
        per_env[env.name] = len(env.stacks)
    return per_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, choices=sorted(PRESETS), help="a preset size")
    parser.add_argument("--stacks", type=int, help="about this many stacks (with --envs)")
    parser.add_argument("--envs", default=",".join(ALL_ENVS), help="comma-separated envs")
    parser.add_argument("--out", type=Path, help="default: bench/work/org-<stacks>")
    args = parser.parse_args(argv)
    if args.size:
        target, envs = args.size, PRESETS[args.size]
    elif args.stacks:
        target, envs = args.stacks, tuple(args.envs.split(","))
    else:
        parser.error("give --size or --stacks")
    out = args.out or WORK / f"org-{target}"
    per_env = generate(target, envs, out)
    counts = ", ".join(f"{env}={n}" for env, n in per_env.items())
    print(f"{out / 'config'}: {sum(per_env.values())} stacks ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
