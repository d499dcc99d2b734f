"""Env -> rendered templates and the plan manifest. Pure: no AWS, no clock, no writes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from infragen.blueprints.helpers.tags import apply_tags
from infragen.config.project import Env, Stack
from infragen.config.tags import ConfigTag
from infragen.errors import InfragenError, Location
from infragen.model import BuildContext, ShellHook, placement
from infragen.render.yaml_out import dump_template

MANIFEST_VERSION = 1


class RenderError(InfragenError):
    """A blueprint refused its vars while building (e.g. a troposphere validator)."""


@dataclass(frozen=True)
class RenderedStack:
    id: str
    cfn_name: str
    path: str  # relative to templates_out/<env>/
    body: str
    sha256: str
    parameters: dict[str, dict[str, Any]]
    outputs: list[str]
    # The template as built, so the env README reads it without parsing `body` back; None
    # for a stack reused from disk.
    document: dict[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RenderedEnv:
    name: str
    stacks: dict[str, RenderedStack]
    manifest: dict[str, Any]
    readme: str | None = None

    def files(self) -> dict[str, str]:
        """Relative path -> content, manifest and README included."""
        out = {s.path: s.body for s in self.stacks.values()}
        out["manifest.json"] = manifest_json(self.manifest)
        if self.readme is not None:
            out["README.md"] = self.readme
        return out


def render_env(env: Env, reused: dict[str, RenderedStack] | None = None) -> RenderedEnv:
    """Every stack of `env`, built, except those `reused` from an earlier identical build."""
    reused = reused or {}
    stacks = {
        sid: reused.get(sid) or render_stack(env, env.stacks[sid])
        for sid in env.graph.topological_order()
    }
    manifest = build_manifest(env, stacks)
    return RenderedEnv(env.name, stacks, manifest, env_readme_of(env, stacks, manifest))


def env_readme_of(env: Env, stacks: dict[str, RenderedStack], manifest: dict[str, Any]) -> str:
    """The env's README.md (infragen.review.env_readme), from the templates as built."""
    from infragen.cfn_template import Template
    from infragen.review.env_readme import env_readme

    templates = {
        sid: Template.of(s.document) if s.document is not None else Template.parse(s.body)
        for sid, s in stacks.items()
    }
    usage = {sid: env.stacks[sid].spec.usage for sid in stacks}
    return env_readme(manifest, templates, usage)


def stack_digests(stacks: dict[str, Stack], code: str) -> dict[str, str]:
    """Per stack, a digest of everything its template is built from: infragen's code (`code`),
    its blueprint and vars as written and its build context. Nothing of another stack goes
    into a build (a `!stack_output` becomes a Parameter typed by the consumer's own Vars), so
    a changed producer leaves its consumers' templates as they are; what crosses stacks
    (dependencies, output names) is in the manifest, which is always written anew."""
    digests: dict[str, str] = {}
    for sid, stack in stacks.items():
        material = [
            code,
            stack.spec.blueprint,
            stack.cfn_name,
            _canonical(stack.spec.vars),
            _canonical(asdict(stack.context)),
        ]
        text = json.dumps(material, separators=(",", ":"))
        digests[sid] = hashlib.sha256(text.encode()).hexdigest()
    return digests


def _canonical(value: Any) -> Any:
    """`value` as JSON that tells apart what YAML tells apart (1, "1", 1.0, True; key order)."""
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, bool):
        return {"b": value}
    if isinstance(value, int):
        return {"i": value}
    if isinstance(value, float):
        return {"f": repr(value)}
    if isinstance(value, dict):
        return {"d": [[_canonical(k), _canonical(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return {"l": [_canonical(v) for v in value]}
    if isinstance(value, ConfigTag):
        return {"t": f"{type(value).__module__}.{type(value).__qualname__}", "raw": value.raw}
    return {"o": f"{type(value).__module__}.{type(value).__qualname__}", "r": repr(value)}


def render_stack(env: Env, stack: Stack) -> RenderedStack:
    if stack.blueprint is None:  # load_env was told it is unchanged: it must be reused
        raise RuntimeError(f"{stack.id} was loaded unvalidated but is being built")
    document, blueprint = build_document(
        stack.blueprint,
        stack.vars,
        stack.context,
        name=stack.spec.blueprint,
        location=stack.location,
    )
    body = dump_template(document)
    parameters = {
        p.logical_id: {"type": p.cfn_type, "no_echo": p.no_echo, "source": p.tag.source}
        for p in blueprint.parameters
    }
    return RenderedStack(
        id=stack.id,
        cfn_name=stack.cfn_name,
        path=f"{stack.app}/{stack.name}.yaml",
        body=body,
        sha256=hashlib.sha256(body.encode()).hexdigest(),
        parameters=parameters,
        outputs=sorted(document.get("Outputs", {})),
        document=document,
    )


def build_document(
    cls: Any,
    vars: Any,
    context: BuildContext,
    *,
    name: str,
    location: Location | None = None,
) -> tuple[dict[str, Any], Any]:
    """Build one blueprint, stamp metadata and tags, check its outputs: (document, instance).

    Whatever a blueprint's build() raises becomes a RenderError naming the stack, never a
    traceback: plugins are code infragen does not control.
    """
    blueprint = cls(vars, context)
    try:
        template = blueprint.build()
        template.set_version("2010-09-09")
        if not template.description:
            template.set_description(f"{context.stack_id} ({name})")
        template.set_metadata(
            {"infragen": {"environment": context.env, "stack": context.stack_id, "blueprint": name}}
        )
        apply_tags(template, context.tags)
        document = canonical_order(template.to_dict())
    except InfragenError:
        raise
    except Exception as exc:
        raise RenderError(
            f"blueprint {name!r} failed to build: {type(exc).__name__}: {exc}",
            "check this stack's vars; if they look right, this is a bug in the blueprint "
            "(run with --debug for the traceback)",
            stack=context.stack_id,
            location=location,
        ) from exc
    missing = cls.output_names(vars) - set(document.get("Outputs", {}))
    if missing:
        raise RenderError(
            f"blueprint {name!r} declares outputs it did not add: " + ", ".join(sorted(missing)),
            "a blueprint bug: add each declared output with self.output(name, value), or "
            "give its declaration a `when` condition",
            stack=context.stack_id,
            location=location,
        )
    return document, blueprint


TOP_LEVEL_ORDER = (
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
)
RESOURCE_ORDER = (
    "Type",
    "Condition",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "UpdatePolicy",
    "CreationPolicy",
    "Metadata",
    "Properties",
)


def canonical_order(document: dict[str, Any]) -> dict[str, Any]:
    """Sections and resource attributes in the order people write them by hand."""
    ordered = {k: document[k] for k in TOP_LEVEL_ORDER if k in document}
    ordered.update({k: v for k, v in document.items() if k not in ordered})
    resources = ordered.get("Resources", {})
    ordered["Resources"] = {
        name: {
            **{k: res[k] for k in RESOURCE_ORDER if k in res},
            **{k: v for k, v in res.items() if k not in RESOURCE_ORDER},
        }
        for name, res in resources.items()
    }
    return ordered


def build_manifest(env: Env, stacks: dict[str, RenderedStack]) -> dict[str, Any]:
    """What deploy needs without re-reading config: names, edges, parameter sources, tags."""
    return {
        "version": MANIFEST_VERSION,
        "env": env.name,
        "project": env.project,
        "region": env.config.region,
        "production": env.production,
        "template_bucket": env.config.template_bucket,
        **_monitoring_entry(env),
        **_retired_entry(env),
        "order": list(stacks),
        "stacks": {
            sid: {
                "name": rendered.cfn_name,
                "template": rendered.path,
                "sha256": rendered.sha256,
                "blueprint": env.stacks[sid].spec.blueprint,
                "region": env.stacks[sid].region,
                "depends_on": sorted(env.graph.dependencies(sid)),
                "parameters": rendered.parameters,
                "outputs": rendered.outputs,
                "tags": env.stacks[sid].tags,
                "termination_protection": env.stacks[sid].termination_protection,
                **_placement_entry(env.stacks[sid]),
                **_stackset_entry(env.stacks[sid]),
                **_hooks_entry(env.stacks[sid]),
            }
            for sid, rendered in stacks.items()
        },
    }


def _monitoring_entry(env: Env) -> dict[str, Any]:
    """Only when config sets it, so other manifests stay as they were."""
    minutes = env.config.rollback_monitoring_minutes
    return {"rollback_monitoring_minutes": minutes} if minutes is not None else {}


def _retired_entry(env: Env) -> dict[str, Any]:
    """Where prune also looks for orphans (config `retired:`), only when config names some.
    Each account as a stack's placement says it: its role, external id and the env's
    profile."""
    retired = env.config.retired
    if not retired.regions and not retired.accounts:
        return {}
    accounts = [
        {k: v for k, v in asdict(placement([entry], env.config.profile)).items() if v is not None}
        for entry in retired.accounts
    ]
    return {"retired": {"regions": list(retired.regions), "accounts": accounts}}


def _placement_entry(stack: Stack) -> dict[str, Any]:
    """account_id, role_arn, external_id and profile, only those config sets (an env in
    the caller's own account keeps the manifest it had)."""
    return {k: v for k, v in asdict(stack.placement).items() if v is not None}


def _stackset_entry(stack: Stack) -> dict[str, Any]:
    """`stackset:` as written in config, only for stacks that declare one (the manifests of
    other stacks stay as they were)."""
    spec = stack.spec.stackset
    return {"stackset": spec.model_dump(mode="json")} if spec is not None else {}


def _hooks_entry(stack: Stack) -> dict[str, Any]:
    """`hooks` for deploy to run, only on stacks that have some (manifests stay small)."""
    if not stack.hooks:
        return {}
    hooks = {
        event: [c.model_dump() if isinstance(c, ShellHook) else {"argv": c} for c in commands]
        for event, commands in stack.hooks.items()
    }
    return {"hooks": hooks}


def manifest_json(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2) + "\n"
