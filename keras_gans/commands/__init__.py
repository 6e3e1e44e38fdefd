"""Subcommands that the models beyond noise -> image add to ``keras-gans`` (see ``cli.COMMAND_MODULES``)."""
