"""What every deploy-time verb shares: the manifest, gateways per region, deployed state."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from infragen.aws.gateway import AwsSettings, Gateway, Waiting, connect
from infragen.deploy.deployed import DeployedTemplates
from infragen.deploy.manifest import Manifest, load_manifest, load_verified
from infragen.deploy.params import StackStates
from infragen.deploy.progress import PlainReporter, Reporter

GatewayFactory = Callable[[str], Gateway]


@dataclass(frozen=True)
class Target:
    """Where the templates are and where to deploy them (the CLI's options)."""

    config_dir: Path
    templates_dir: Path
    env: str
    aws: AwsSettings = field(default_factory=AwsSettings)
    verify: bool = True  # compare templates_out with the config before using them


class Context:
    """One run of one verb against one environment."""

    def __init__(
        self,
        manifest: Manifest,
        gateway_factory: GatewayFactory,
        reporter: Reporter | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.manifest = manifest
        self._factory = gateway_factory
        self._gateways: dict[str, Gateway] = {}
        self._lock = threading.Lock()
        self.reporter: Reporter = reporter or PlainReporter()
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.states = StackStates(manifest, self.gateway)
        self.templates = DeployedTemplates(manifest, self.gateway)

    def gateway(self, region: str) -> Gateway:
        """One gateway per region, created once (boto3 session creation is not thread-safe,
        so it happens under a lock)."""
        with self._lock:
            if region not in self._gateways:
                self._gateways[region] = self._factory(region)
            return self._gateways[region]


def open_context(
    target: Target,
    reporter: Reporter | None = None,
    *,
    gateway_factory: GatewayFactory | None = None,
    waiting: Waiting | None = None,
) -> Context:
    """Load (and by default verify) the manifest and prepare gateways for its regions."""
    if target.verify:
        manifest = load_verified(target.config_dir, target.templates_dir, target.env)
    else:
        manifest = load_manifest(target.templates_dir, target.env)
    reporter = reporter or PlainReporter()
    factory = gateway_factory or (
        lambda region: connect(target.aws, region, waiting, notify=reporter.note)
    )
    context = Context(manifest, factory, reporter)
    for region in sorted({s.region for s in manifest.stacks.values()}):
        context.gateway(region)  # fail fast on bad profile/credentials config
    return context
