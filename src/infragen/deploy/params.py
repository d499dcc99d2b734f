"""Deploy-time parameter values, from the `source` the manifest gives each Parameter.

- stack_output: the producer's Outputs, from one DescribeStacks per producer per run;
- env: os.environ (or the tag's default);
- ssm: nothing; the Parameter's Default is the path and CloudFormation resolves it;
- secret: never resolved by infragen (the template holds a dynamic reference).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from infragen.aws.credentials import CredentialsTarget
from infragen.aws.gateway import Gateway
from infragen.aws.types import StackInfo
from infragen.deploy.manifest import Manifest, ManifestStack
from infragen.errors import InfragenError


class ParameterError(InfragenError):
    """A deploy-time value could not be found."""

    exit_code = 1


class MissingEnvError(ParameterError):
    """`!env NAME` without a default, and NAME is not set: a usage error (exit 2)."""

    exit_code = 2


class StackStates:
    """The deployed state of each stack, read at most once per run and updated by deploys.

    Thread-safe: workers ask for producers while other workers deploy. A per-stack lock
    makes concurrent first reads of the same stack share one DescribeStacks call.
    """

    def __init__(self, manifest: Manifest, gateway_for: Callable[[ManifestStack], Gateway]) -> None:
        self._manifest = manifest
        self._gateway_for = gateway_for
        self._known: dict[str, StackInfo | None] = {}
        self._locks: dict[str, threading.Lock] = {sid: threading.Lock() for sid in manifest.stacks}

    def get(self, stack_id: str) -> StackInfo | None:
        with self._locks[stack_id]:
            if stack_id not in self._known:
                stack = self._manifest.stacks[stack_id]
                # A producer in another account or region is read with its own credentials.
                self._known[stack_id] = self._gateway_for(stack).describe_stack(stack.name)
            return self._known[stack_id]

    def prefetch(self, stack_ids: list[str], min_per_region: int = 4) -> None:
        """Read many stacks with one listing per account and region instead of one call each.

        Below `min_per_region` stacks, single calls are cheaper than listing an account.
        """
        by_target: dict[CredentialsTarget, list[str]] = {}
        for sid in stack_ids:
            by_target.setdefault(CredentialsTarget.of(self._manifest.stacks[sid]), []).append(sid)
        for target, sids in by_target.items():
            unknown = [sid for sid in sids if sid not in self._known]
            if len(unknown) < min_per_region:
                continue
            gateway = self._gateway_for(self._manifest.stacks[sids[0]])
            self.take_listing(target, gateway.describe_all_stacks())

    def take_listing(self, target: CredentialsTarget, live: Mapping[str, StackInfo]) -> None:
        """What one listing of a target (an account and role in a region: stacks by name)
        says of the manifest's stacks there, so that a verb which lists a region anyway
        (orphan discovery) pays for one pass."""
        for sid, stack in self._manifest.stacks.items():
            if CredentialsTarget.of(stack) == target:
                with self._locks[sid]:
                    self._known.setdefault(sid, live.get(stack.name))

    def remember(self, stack_id: str, info: StackInfo | None) -> None:
        with self._locks[stack_id]:
            self._known[stack_id] = info


def check_env_sources(manifest: Manifest, stack_ids: list[str], environ: Mapping[str, str]) -> None:
    """Before anything is deployed: every `!env` without a default is set."""
    missing = [
        f"{sid}: {param} needs ${source['name']}"
        for sid in stack_ids
        for param, spec in manifest.stacks[sid].parameters.items()
        if (source := spec.get("source", {})).get("kind") == "env"
        and "default" not in source
        and source["name"] not in environ
    ]
    if missing:
        raise MissingEnvError(
            "environment variables missing for !env parameters: " + "; ".join(missing),
            "export them (or give the tag a default: `!env NAME:default`) and deploy again",
        )


def resolve_parameters(
    stack: ManifestStack, states: StackStates, environ: Mapping[str, str]
) -> dict[str, str]:
    """Parameter values to pass to CloudFormation (SSM and secret parameters are left out)."""
    values: dict[str, str] = {}
    for param, spec in sorted(stack.parameters.items()):
        source = spec.get("source", {})
        kind = source.get("kind")
        if kind == "stack_output":
            values[param] = _stack_output(stack, param, source["stack"], source["output"], states)
        elif kind == "env":
            if source["name"] in environ:
                values[param] = environ[source["name"]]
            elif "default" in source:
                values[param] = source["default"]
            else:
                raise MissingEnvError(
                    f"parameter {param} needs environment variable ${source['name']}",
                    "export it, or give the tag a default: `!env NAME:default`",
                    stack=stack.id,
                )
        elif kind in ("ssm", "secret"):
            continue
        else:
            raise ParameterError(
                f"parameter {param} has unknown source kind {kind!r}",
                "re-render with this infragen version",
                stack=stack.id,
            )
    return values


def _stack_output(
    stack: ManifestStack, param: str, producer: str, output: str, states: StackStates
) -> str:
    info = states.get(producer)
    if info is None:
        raise ParameterError(
            f"parameter {param} needs output {output} of {producer}, which is not deployed",
            f"deploy {producer} first (deploy without --only includes it)",
            stack=stack.id,
        )
    if output not in info.outputs:
        raise ParameterError(
            f"parameter {param} needs output {output} of {producer} ({info.name}), which it "
            f"does not have (status {info.status})",
            "redeploy the producer; if it was just deployed, the endpoint may not report "
            "Outputs (see README 'Emulator coverage')",
            stack=stack.id,
        )
    return info.outputs[output]
