"""Subcommands of ``keras-gans`` added by feature modules (see ``cli.COMMAND_MODULES``)."""
