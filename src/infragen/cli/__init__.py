"""The command line: parse options, call one library function, map errors to exit codes.

Only click is imported at start-up: the root group lists the commands from the table in
infragen.cli.commands and imports a command's module only when that command runs, and each
command imports what it needs inside, so `infragen --help` and pre-commit runs stay fast.
"""

from infragen.cli.root import DEBUG_ENV, EXIT_BUG, cli, main, report_bug

__all__ = ["DEBUG_ENV", "EXIT_BUG", "cli", "main", "report_bug"]
