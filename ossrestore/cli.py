"""The `oss-restore` click group. It only assembles commands; each lives in `ossrestore/commands/`."""

from __future__ import annotations

import importlib
import logging

import click

from ossrestore.errors import OssRestoreError
from ossrestore.interruption import Interrupted
from restore_core import redaction
from restore_core.errors import printable

# name -> "module:attribute". Loaded on first use so that `oss-restore run` never pays for
# importing cdktf (and its Node kernel) and `deploy` never imports the emulator.
_COMMANDS = {
    "run": "ossrestore.commands.run:cli",
    "extend": "ossrestore.commands.aftercare:extend",
    "clean": "ossrestore.commands.aftercare:clean",
    "report": "ossrestore.commands.report:cli",
    "demo": "ossrestore.commands.demo:cli",
    "emulator": "ossrestore.commands.emulator:cli",
    "synth": "ossrestore.commands.infra:synth",
    "plan": "ossrestore.commands.infra:plan",
    "deploy": "ossrestore.commands.infra:deploy",
    "start": "ossrestore.commands.cloud:start",
    "status": "ossrestore.commands.cloud:status",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def invoke(self, ctx: click.Context) -> object:
        # Library errors are the user's to fix: one line and exit 2, never a traceback. A command
        # returns its exit code (run: 0 all readable, 1 some not).
        try:
            rv = super().invoke(ctx)
        except OssRestoreError as e:
            click.echo(f"{e.label}: {_safe(str(e))}", err=True)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt:
            # Ctrl-C outside a run's own handling (while starting, or after the verdict): the shell's
            # 130, not click's "Aborted!" and 1, which means "some objects not readable" here.
            ctx.exit(130)
        except Interrupted as e:  # a signal in the instant a run hands its handling back
            ctx.exit(128 + e.signum)
        if isinstance(rv, int):
            ctx.exit(rv)
        return rv


# `-h` as well as `--help`, on the group and (inherited through the context) on every command.
@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="oss-restore", prog_name="oss-restore", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages to stderr.")
def group(verbose: bool) -> None:
    """Restore Archive, Cold Archive and Deep Cold Archive objects in Alibaba Cloud OSS."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    redaction.install()  # before any line is logged: ours, oss2's, the fnf SDK's, urllib3's
    if not verbose:
        # The handlers log for FC's log store; here every outcome already reaches the summary, the
        # report or a one-line error, so their log lines would only say it twice.
        logging.getLogger("restore_core").setLevel(logging.CRITICAL)


def _safe(message: str) -> str:
    """A message fit for the terminal: no credentials, and a bad byte from argv shown as an escape."""
    return printable(redaction.redact(message))


def main() -> None:
    group(prog_name="oss-restore")
