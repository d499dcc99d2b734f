"""The local AWS emulator command."""

from __future__ import annotations

import click

from infragen.cli.commands import command


@command("emulator")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=5000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on: a loopback address unless --allow-non-loopback.",
)
@click.option(
    "--allow-non-loopback",
    is_flag=True,
    help="Listen on a --host other machines can reach. Refused otherwise because the "
    "emulator has no authentication: anyone who reaches it can read and change what is "
    "deployed to it, secrets included.",
)
def emulator(port: int, host: str, allow_non_loopback: bool) -> None:
    """Run a local AWS emulator to deploy to, until Ctrl-C.

    moto's server plus CloudFormation models for the types infragen's blueprints use and
    moto lacks (README "Emulator coverage"). Needs the extra:
    pip install 'infragen[emulator]'.
    """
    import signal

    from infragen.emulator.server import Emulator, start

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    running: Emulator | None = None
    try:
        running = start(host, port, allow_non_loopback=allow_non_loopback)
        click.echo(f"AWS emulator listening on {running.endpoint} (Ctrl-C to stop)")
        click.echo("Deploy to it from another shell after:")
        for line in running.export_lines():
            click.echo(f"  {line}")
        running.wait()
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM, even while starting: a clean exit
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if running is not None:
            running.stop()
    click.echo("AWS emulator stopped")
