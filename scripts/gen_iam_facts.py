"""Generate infragen's list of IAM actions without resource-level permissions from cfn-lint's data.

cfn-lint ships the AWS Service Authorization Reference as
`cfnlint/data/AdditionalSpecs/Policies.json`: per service prefix, each action and the resource
types it can be scoped to. An action with no resource type accepts only `Resource: "*"`. This
script takes those actions, applies the hand-reviewed corrections in
`src/infragen/facts/data/iam_actions_without_resource_level.patch.json` (each with its reason),
and writes `iam_actions_without_resource_level.json` beside it, which `infragen.facts.iam` reads.
Run it after upgrading cfn-lint (tests/foundation/test_facts.py fails until you do):

    .venv/bin/python scripts/gen_iam_facts.py           # rewrite the generated file
    .venv/bin/python scripts/gen_iam_facts.py --check   # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[1] / "src" / "infragen" / "facts" / "data"
GENERATED = DATA_DIR / "iam_actions_without_resource_level.json"
PATCH = DATA_DIR / "iam_actions_without_resource_level.patch.json"
SOURCE = "cfnlint/data/AdditionalSpecs/Policies.json"


def load_policies() -> dict[str, Any]:
    """The installed cfn-lint's service map (read as a file: importing cfnlint is not needed)."""
    from importlib.util import find_spec

    spec = find_spec("cfnlint")
    if spec is None or spec.origin is None:
        raise SystemExit("cfn-lint is not installed in this Python environment")
    path = Path(spec.origin).parent / "data" / "AdditionalSpecs" / "Policies.json"
    return json.loads(path.read_text(encoding="utf-8"))


def star_only_actions(policies: dict[str, Any]) -> dict[str, set[str]]:
    """Service prefix -> lower-cased actions that list no resource type."""
    found: dict[str, set[str]] = {}
    for service, data in policies.items():
        for action, details in data.get("Actions", {}).items():
            if not details.get("Resources"):
                found.setdefault(service.lower(), set()).add(action.lower())
    return found


def apply_patch(
    actions: dict[str, set[str]], policies: dict[str, Any], patch: dict[str, Any]
) -> None:
    """Apply the reviewed corrections; refuse entries that are malformed or no longer needed."""
    for kind in ("add", "remove"):
        for entry in patch.get(kind, []):
            name = str(entry.get("action", ""))
            service, _, action = name.lower().partition(":")
            if not action or not str(entry.get("reason", "")).strip():
                raise SystemExit(
                    f"{PATCH.name}: {kind} entry {entry!r} needs an action and a reason"
                )
            known = policies.get(service, {}).get("Actions", {})
            if action not in known:
                raise SystemExit(f"{PATCH.name}: {name} is not an action cfn-lint knows")
            star_only = action in actions.get(service, set())
            if kind == "add" and star_only:
                raise SystemExit(f"{PATCH.name}: {name} already has no resource type; drop it")
            if kind == "remove" and not star_only:
                raise SystemExit(f"{PATCH.name}: {name} already has resource types; drop it")
            if kind == "add":
                actions.setdefault(service, set()).add(action)
            else:
                actions[service].discard(action)


def render(policies: dict[str, Any], patch: dict[str, Any], cfn_lint_version: str) -> str:
    """The generated file: a header, then one line per service (diffs stay per service)."""
    actions = star_only_actions(policies)
    apply_patch(actions, policies, patch)
    header = {
        "generated": f"by scripts/gen_iam_facts.py; do not edit: correct it in {PATCH.name}",
        "source": SOURCE,
        "cfn_lint_version": cfn_lint_version,
        "patch": PATCH.name,
    }
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in header.items()]
    services = [
        f"    {json.dumps(service)}: {json.dumps(sorted(names))}"
        for service, names in sorted(actions.items())
        if names
    ]
    return "{\n" + "\n".join(lines) + '\n  "actions": {\n' + ",\n".join(services) + "\n  }\n}\n"


def expected() -> str:
    """What the generated file should hold for the installed cfn-lint and the current patch."""
    patch = json.loads(PATCH.read_text(encoding="utf-8"))
    return render(load_policies(), patch, version("cfn-lint"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    args = parser.parse_args(argv)
    text = expected()
    current = GENERATED.read_text(encoding="utf-8") if GENERATED.exists() else ""
    if args.check:
        if current != text:
            print(f"{GENERATED} is stale: run scripts/gen_iam_facts.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        GENERATED.write_text(text, encoding="utf-8")
        print(f"wrote {GENERATED}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
