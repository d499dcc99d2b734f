"""Prepare moto and run its server: the one way the CLI, the tests and the demo start it.

`prepare()` loads infragen's CloudFormation models, applies its fixes and clears moto's
model caches; `start()` serves moto on a loopback address in a background thread.
"""

from __future__ import annotations

import importlib
import importlib.util
import ipaddress
import threading
from dataclasses import dataclass, field
from typing import Any

from infragen.errors import EXIT_USAGE, InfragenError

DEFAULT_HOST = "127.0.0.1"
REGION = "us-east-1"
# moto accepts any credentials; these are the conventional fake ones.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
INSTALL_HINT = "pip install 'infragen[emulator]'"
# Why non-loopback hosts are refused, shown by the error and by `--help`.
WHY_LOOPBACK = (
    "the emulator has no authentication (it accepts any credentials) and holds whatever "
    "is deployed to it, secrets included, so anyone who can reach the port can read and "
    "change it"
)


class EmulatorError(InfragenError):
    """The emulator cannot start: missing extra, refused host, port taken (exit 2)."""

    exit_code = EXIT_USAGE


class MissingExtraError(EmulatorError):
    """moto's server is not installed."""


def check_host(host: str, *, allow_non_loopback: bool = False) -> None:
    """Refuse to listen beyond this machine unless the caller insists."""
    if allow_non_loopback or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise EmulatorError(
            f"refusing to listen on {host}: {WHY_LOOPBACK}",
            "use --host 127.0.0.1, or --allow-non-loopback if that exposure is intended",
        )


_prepare_lock = threading.Lock()
_prepared = False


def prepare() -> None:
    """Make moto infragen's emulator, once per process: models, fixes, fresh model caches.

    moto finds CloudFormation models through `CloudFormationModel.__subclasses__()`, cached
    on first use (`moto.cloudformation.parsing.get_model_map` and friends); models
    imported after that are invisible until the caches are cleared.
    """
    global _prepared
    with _prepare_lock:
        if _prepared:
            return
        try:
            from moto.cloudformation import parsing
            from werkzeug import serving  # noqa: F401  (moto[server])
        except ImportError as exc:
            raise MissingExtraError(
                f"the AWS emulator needs moto's server, which is not installed ({exc.name})",
                INSTALL_HINT,
            ) from exc
        from infragen.emulator import fixes

        load_models()
        fixes.apply()
        for value in list(vars(parsing).values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
        _prepared = True


def load_models() -> bool:
    """Import infragen's CloudFormation models; False while that package does not exist."""
    if importlib.util.find_spec("infragen.emulator.models") is None:
        return False
    models = importlib.import_module("infragen.emulator.models")
    load = getattr(models, "load", None)
    if load is None:
        return False
    load()
    return True


@dataclass
class Emulator:
    """A running emulator: its endpoint, the environment to reach it, and stop()."""

    host: str
    port: int
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def endpoint(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def env(self) -> dict[str, str]:
        """Variables that send boto3/botocore (and so infragen) here with fake credentials."""
        return {"AWS_ENDPOINT_URL": self.endpoint, **FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": REGION}

    def export_lines(self) -> list[str]:
        """The shell lines to paste: the endpoint, then the fake credentials."""
        creds = " ".join(f"{k}={v}" for k, v in FAKE_CREDENTIALS.items())
        return [
            f"export AWS_ENDPOINT_URL={self.endpoint}",
            f"export {creds} AWS_DEFAULT_REGION={REGION}",
        ]

    def reset(self) -> None:
        """Forget everything deployed (moto's reset API); infragen's fixes stay applied."""
        import urllib.request

        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200:
                raise EmulatorError(f"emulator reset answered HTTP {response.status}")
        from infragen.emulator import faults

        faults.clear()

    def fail_next_update(
        self,
        stack_name: str,
        logical_id: str,
        *,
        rollback_fails: bool = True,
        until_skipped: bool = False,
        **reasons: str,
    ) -> None:
        """For tests: the next update of `stack_name` fails on `logical_id` and so does its
        rollback, leaving it UPDATE_ROLLBACK_FAILED (or, with rollback_fails=False, rolled
        back: UPDATE_ROLLBACK_COMPLETE); see `infragen.emulator.faults`. A method of the
        in-process emulator, like `create_hosted_zone`: no API call can ask for it."""
        from infragen.emulator import faults

        failure = faults.UpdateFailure(
            logical_id, rollback_fails=rollback_fails, until_skipped=until_skipped, **reasons
        )
        faults.fail_next_update(stack_name, failure)

    def create_hosted_zone(self, name: str, zone_id: str) -> None:
        """A public hosted zone with a chosen id, as in an account that already has it.

        Templates name existing zones by id (`HostedZoneId: Z0...`), but CreateHostedZone
        picks ids itself; moto's id manager lets this process choose it, which is why this
        is a method of the in-process emulator and not an API call.
        """
        import boto3
        from moto.core import DEFAULT_ACCOUNT_ID  # what fake credentials map to
        from moto.route53.models import HostedZoneIdentifier
        from moto.utilities.id_generator import moto_id_manager

        name = name if name.endswith(".") else f"{name}."
        identifier = HostedZoneIdentifier(DEFAULT_ACCOUNT_ID, name, None)
        moto_id_manager.set_custom_id(identifier, zone_id)
        try:
            route53 = boto3.client(
                "route53",
                endpoint_url=self.endpoint,
                region_name=REGION,
                aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            )
            route53.create_hosted_zone(Name=name, CallerReference=f"infragen-{zone_id}")
        finally:
            moto_id_manager.unset_custom_id(identifier)

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C raises KeyboardInterrupt here)."""
        while self._thread.is_alive():
            self._thread.join(0.5)

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=30)
        self._server.server_close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _can_bind(host: str, port: int) -> bool:
    """Whether host:port is free, probed the way werkzeug binds (SO_REUSEADDR), so a
    taken port is our error message rather than werkzeug's exit."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return False
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return False
    return True


def start(host: str = DEFAULT_HOST, port: int = 0, *, allow_non_loopback: bool = False) -> Emulator:
    """Prepare moto and serve it on host:port (0: any free port) in a daemon thread.

    Binding happens here, in the caller's thread, so a taken port is an error at once
    rather than a server thread that never comes up.
    """
    check_host(host, allow_non_loopback=allow_non_loopback)
    prepare()
    import logging

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    # werkzeug logs one line per request; moto's warnings about skipped types stay.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = DomainDispatcherApplication(create_backend_app)
    taken = EmulatorError(
        f"cannot listen on {host}:{port}: the address is in use or not available",
        "choose another --port (0 picks a free one)",
    )
    if port and not _can_bind(host, port):
        raise taken
    try:
        server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    except (OSError, SystemExit) as exc:  # werkzeug exits on a bind error it reports itself
        raise taken from exc
    thread = threading.Thread(target=server.serve_forever, name="infragen-emulator", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return Emulator(str(bound_host), int(bound_port), server, thread)
