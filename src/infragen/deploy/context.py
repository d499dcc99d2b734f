"""What every deploy-time verb shares: the manifest, a gateway per credentials target
(region, account, role), deployed state."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from infragen.aws.credentials import CredentialsTarget, Placed, check_accounts, session_name
from infragen.aws.gateway import AwsSettings, Gateway, Waiting, connect
from infragen.deploy.deployed import (
    DeployedTemplates,
    VerifiedTemplates,
    verified_templates_path,
)
from infragen.deploy.manifest import Manifest, ManifestStack, load_manifest, load_verified
from infragen.deploy.params import StackStates
from infragen.deploy.progress import PlainReporter, Reporter
from infragen.errors import ConfigError

GatewayFactory = Callable[[CredentialsTarget], Gateway]


@dataclass(frozen=True)
class Target:
    """Where the templates are and where to deploy them (the CLI's options)."""

    config_dir: Path
    templates_dir: Path
    env: str
    aws: AwsSettings = field(default_factory=AwsSettings)
    verify: bool = True  # compare templates_out with the config before using them
    # The account guard: plan, deploy and delete check each stack's account_id first.
    check_accounts: bool = True


class Context:
    """One run of one verb against one environment."""

    def __init__(
        self,
        manifest: Manifest,
        gateway_factory: GatewayFactory,
        reporter: Reporter | None = None,
        environ: Mapping[str, str] | None = None,
        *,
        guard: bool = True,
        verified: VerifiedTemplates | None = None,
    ) -> None:
        self.manifest = manifest
        self._factory = gateway_factory
        self._gateways: dict[CredentialsTarget, Gateway] = {}
        self._lock = threading.Lock()
        self._guard = guard
        self._checked: set[CredentialsTarget] = set()
        self.reporter: Reporter = reporter or PlainReporter()
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.states = StackStates(manifest, self.gateway_for)
        self.templates = DeployedTemplates(manifest, self.gateway_for, self.states, verified)

    def gateway(self, where: CredentialsTarget | str) -> Gateway:
        """One gateway per target, created once (boto3 session creation is not thread-safe,
        so it happens under a lock). A bare region means the caller's own credentials."""
        target = where if isinstance(where, CredentialsTarget) else CredentialsTarget(where)
        with self._lock:
            if target not in self._gateways:
                self._gateways[target] = self._factory(target)
            return self._gateways[target]

    def gateway_for(self, stack: ManifestStack) -> Gateway:
        """The gateway with the stack's own credentials (its account, role and region)."""
        return self.gateway(CredentialsTarget.of(stack))

    def check_accounts(self, stack_ids: Iterable[str]) -> None:
        """The account guard, before any write: each target is checked once per run."""
        self.check_placed(self.manifest.stacks[sid] for sid in stack_ids)

    def check_placed(self, placed: Iterable[Placed]) -> None:
        """The account guard for what is written to, manifest stacks or not (orphans)."""
        if not self._guard:
            return
        todo = [p for p in placed if CredentialsTarget.of(p) not in self._checked]
        self._checked.update(check_accounts(self.manifest.env, todo, self.gateway))


def open_context(
    target: Target,
    reporter: Reporter | None = None,
    *,
    gateway_factory: GatewayFactory | None = None,
    waiting: Waiting | None = None,
) -> Context:
    """Load (and by default verify) the manifest and prepare a gateway per target."""
    if target.verify:
        manifest = load_verified(target.config_dir, target.templates_dir, target.env)
    else:
        manifest = load_manifest(target.templates_dir, target.env)
    regions = sorted({s.region for s in manifest.stacks.values()})
    if target.aws.region and len(regions) > 1:
        # --region replaces every stack's region: stacks of the other regions would be
        # looked for, created or deleted in the wrong one.
        raise ConfigError(
            f"--region {target.aws.region} would send every stack of {target.env} there, but "
            f"its stacks are in {', '.join(regions)}",
            "leave --region out: each stack's region comes from config (`region:` of the "
            "env or the stack)",
        )
    reporter = reporter or PlainReporter()
    name = session_name(target.env)
    factory = gateway_factory or (
        lambda where: connect(target.aws, where, waiting, notify=reporter.note, session_name=name)
    )
    verified = VerifiedTemplates(verified_templates_path(target.templates_dir, target.env))
    context = Context(manifest, factory, reporter, guard=target.check_accounts, verified=verified)
    targets = {CredentialsTarget.of(s) for s in manifest.stacks.values()}
    for where in sorted(targets, key=CredentialsTarget.sort_key):
        context.gateway(where)  # fail fast on bad profile/credentials config
    return context
