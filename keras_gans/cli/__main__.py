"""``python -m keras_gans.cli``: the ``keras-gans`` command."""

import sys

from keras_gans.cli.main import main

sys.exit(main())
