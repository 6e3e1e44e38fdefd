"""Subcommands of the ``keras-gans`` CLI beyond train/sample/export, one module per topic."""
