"""Subcommands of the keras-gans CLI, one module per topic."""
