"""`infragen schema`: JSON Schemas of the config files, for editors (the YAML language server).

Made from the same pydantic models config loading validates with, so an editor completes
keys and flags a typo before any command runs. A stack's `vars` are checked against the
Vars model of the blueprint its `blueprint:` key names (`if`/`then` per blueprint).

One schema serves defaults.yaml and every env file, and it requires nothing: a required var
may be written in defaults.yaml or in each env file, and only the merge must have it. Keys,
types, ranges and allowed values are checked in each file; `infragen render` checks the rest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from infragen.blueprints.registry import available, get_blueprint
from infragen.errors import BlueprintError
from infragen.model import EnvConfig

DEFAULT_DIR = Path(".infragen")
SCHEMA_FILE = "config.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
TAG_NOTE = "a deploy-time tag: !stack_output APP/STACK::OUTPUT, !env NAME[:DEFAULT], !ssm, !secret"


_TAG = {"type": "string", "description": TAG_NOTE}


class _Generator(GenerateJsonSchema):
    """Deploy-time tags are tagged YAML scalars, which an editor reads as strings; types that
    have no JSON Schema (a checked CloudFormation mapping) accept anything here and are still
    checked by `infragen render`."""

    def is_instance_schema(self, schema: Any) -> dict[str, Any]:
        return dict(_TAG)

    def handle_invalid_for_json_schema(self, schema: Any, error_info: str) -> dict[str, Any]:
        return {}

    def model_schema(self, schema: Any) -> dict[str, Any]:
        """A model with a `mode="before"` validator takes a shorthand too, a string in every
        blueprint (`SecretRef`: the ARN alone): accept a string beside the model's keys."""
        body = super().model_schema(schema)
        if schema["schema"].get("type") == "function-before":
            return {"anyOf": [body, {"type": "string"}]}
        return body


def config_schema() -> dict[str, Any]:
    """The JSON Schema of a config file (defaults.yaml or an env file)."""
    return _partial(_schema())


def schema_text() -> str:
    """The schema as written to a file: sorted keys, so regenerating changes nothing."""
    return json.dumps(config_schema(), indent=2, sort_keys=True) + "\n"


def write_schema(directory: Path = DEFAULT_DIR) -> Path:
    """Write the schema into `directory`; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SCHEMA_FILE
    path.write_text(schema_text())
    return path


def _schema() -> dict[str, Any]:
    schema = EnvConfig.model_json_schema(schema_generator=_Generator)
    defs = schema.setdefault("$defs", {})
    stack = defs["StackSpec"]
    names: list[str] = []
    branches: list[dict[str, Any]] = []
    for name in available():
        try:
            vars_model = get_blueprint(name).Vars
        except BlueprintError:
            continue  # a broken plugin: `infragen render` reports it, located
        names.append(name)
        vars_schema = vars_model.model_json_schema(
            schema_generator=_Generator, ref_template=f"#/$defs/{name}.{{model}}"
        )
        for model, body in vars_schema.pop("$defs", {}).items():
            # InstanceOf[ConfigTag] (deploy-time fields) refers to the class: a tag here
            defs[f"{name}.{model}"] = _TAG if model == "ConfigTag" else body
        defs[f"{name}.vars"] = _object_branch(vars_schema)
        branches.append(
            {
                "if": {"properties": {"blueprint": {"const": name}}, "required": ["blueprint"]},
                "then": {"properties": {"vars": {"$ref": f"#/$defs/{name}.vars"}}},
            }
        )
    blueprint = stack["properties"]["blueprint"]
    blueprint["anyOf"] = [
        {"enum": names},
        {"pattern": r"^[\w.]+:\w+$", "description": "a 'package.module:Class' path"},
    ]
    blueprint["description"] = (
        "`infragen blueprints` lists them; `infragen blueprints NAME` shows one"
    )
    stack["allOf"] = branches
    return {"$schema": DIALECT, **schema}


def _object_branch(schema: dict[str, Any]) -> dict[str, Any]:
    """A stack's `vars` are a mapping: drop the string shorthand a before-validator allows."""
    branches = schema.get("anyOf")
    if branches and {"type": "string"} in branches:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return {**rest, **next(b for b in branches if b != {"type": "string"})}
    return schema


def _partial(value: Any, *, in_if: bool = False) -> Any:
    """The schema without `required` (except inside the `if` that picks a blueprint)."""
    if isinstance(value, dict):
        return {
            key: _partial(item, in_if=in_if or key == "if")
            for key, item in value.items()
            if key != "required" or in_if
        }
    if isinstance(value, list):
        return [_partial(item, in_if=in_if) for item in value]
    return value
