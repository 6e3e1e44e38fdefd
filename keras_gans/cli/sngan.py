"""SNGAN on the command line: the options of ``keras-gans train sngan`` (defaults the paper's, docs/toolbox.md)."""

from keras_gans.cli.common import check_positive
from keras_gans.losses import ADVERSARIAL_LOSSES
from keras_gans.networks.sngan import ARCHITECTURES


def add_model_options(parser):
    """SNGAN's own options on ``train sngan`` (Miyato et al. 2018: the ResNet of Table 4, hinge loss, n_dis 5)."""
    group = parser.add_argument_group("SNGAN (docs/toolbox.md#spectral-normalization-and-sngan)")
    group.add_argument("--architecture", default="resnet", choices=sorted(ARCHITECTURES),
                       help="resnet: the paper's Table 4 networks (default); cnn: its Table 3 standard CNN")
    group.add_argument("--n-dis", type=int, default=5,
                       help="discriminator updates per generator update, each on its own minibatch (5)")
    group.add_argument("--loss", default="hinge", choices=sorted(ADVERSARIAL_LOSSES),
                       help="adversarial loss (hinge, the paper's)")


def model_kwargs(args):
    """The model keyword arguments of :func:`add_model_options`, checked before any data is read."""
    check_positive(args, "n_dis")
    return dict(architecture=args.architecture, n_dis=args.n_dis, loss=args.loss)
