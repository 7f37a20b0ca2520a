"""The ``ibp`` command line: suggest, explain, compare and teach IBP strategies.

Installed as ``ibp_rules.cli`` (the folder is ``cli/`` in the repository).
Every bad input ends with a message naming the file, line and field and exit
code 2; an unexpected failure prints a short message, exit code 1, and the
traceback only with ``--debug``. Nothing is written anywhere except where
the user asks (standard output, or a file the user names).
"""

from __future__ import annotations

import click

from ibp_rules import __version__

from .common import CONTEXT_SETTINGS, IbpGroup


@click.group(cls=IbpGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="ibp")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
def cli(debug: bool) -> None:
    """Rule-based decision support for Individuell boligplan (IBP).

    The tool suggests; the user and the coordinator decide.

    \b
    Examples:
        ibp intake                                   # guided intake interview
        ibp assess examples/uforetrygd-til-startlan.yaml
        ibp explain case.yaml startlan               # why (or why not)
        ibp whatif case.yaml --set okonomi.inntektskilder=[uforetrygd]
        ibp cases list                               # worked cases for training
        ibp serve --open                             # the web service (JSON API, case store)
    """


def _register() -> None:
    from . import assess, compare, decide, explain, info, intake, rules, scale, serve, training

    for module in (assess, intake, explain, compare, decide, training, scale, rules, serve, info):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ibp")


if __name__ == "__main__":  # pragma: no cover
    main()
