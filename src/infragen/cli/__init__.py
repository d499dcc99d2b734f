"""The command line: parse options, call one library function, map errors to exit codes.

Only click and infragen.errors are imported at start-up; everything else is imported inside
the command that needs it, so `infragen --help` and pre-commit runs stay fast. Each module
here registers its commands on the root group; importing them is what builds the CLI.
"""

from infragen.cli import deployed, emulator, project, review, stacks, templates  # noqa: F401
from infragen.cli.root import DEBUG_ENV, EXIT_BUG, cli, main, report_bug

__all__ = ["DEBUG_ENV", "EXIT_BUG", "cli", "main", "report_bug"]
