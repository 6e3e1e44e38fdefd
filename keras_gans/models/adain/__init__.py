"""AdaIN style transfer (Huang & Belongie 2017): the model and its stylizing operations."""

from keras_gans.models.adain.model import AdaINStyleTransfer
from keras_gans.models.adain.ops import (MIN_SIZE, MULTIPLE, as_rgb_image, check_alpha, check_mask, check_style_weights,
                                         mask_to_regions, masked_adain, match_color)

__all__ = ["AdaINStyleTransfer", "MIN_SIZE", "MULTIPLE", "as_rgb_image", "check_alpha", "check_mask",
           "check_style_weights", "mask_to_regions", "masked_adain", "match_color"]
