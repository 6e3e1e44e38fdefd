"""Experiments around the models: keras-tuner search spaces, run tables (pandas) and plots."""

from keras_gans.experiments.results import gather_runs, plot_history, to_markdown, write_table

__all__ = ["gather_runs", "plot_history", "to_markdown", "write_table"]
