"""The ``keras-gans`` command line: the only place that parses arguments and sets the exit code.

- :mod:`~keras_gans.cli.main`: the tree of subcommands, dispatch, exit codes (and the process-wide allocator setting)
- one module per command group: :mod:`~keras_gans.cli.gan` (``train gan|dcgan|...``, ``sample``),
  :mod:`~keras_gans.cli.translation` (``train pix2pix|cyclegan``, ``translate``), :mod:`~keras_gans.cli.style`
  (``train adain``, ``stylize``), :mod:`~keras_gans.cli.dtn` (``train classifier|dtn``, ``evaluate dtn``,
  ``translate-dtn``), :mod:`~keras_gans.cli.export`, :mod:`~keras_gans.cli.evaluate`, :mod:`~keras_gans.cli.latent`
  (``walk``, ``arithmetic``, ``invert``, ``inpaint``), :mod:`~keras_gans.cli.results`
- shared: :mod:`~keras_gans.cli.training` (the run every ``train`` shares), :mod:`~keras_gans.cli.loading` (the one
  ``.keras`` / SavedModel loader), :mod:`~keras_gans.cli.errors` (bad input), :mod:`~keras_gans.cli.common`
"""

from keras_gans.cli.main import build_parser, main  # noqa: F401  (main first: it sets the allocator)
