"""Subcommands of ``keras-gans`` beyond train/sample/export (see ``cli.COMMAND_MODULES``)."""
