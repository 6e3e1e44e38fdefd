"""Latent-space tools: walks, vector arithmetic, GAN inversion, semantic inpainting (Yeh et al. 2016) and generative
visual manipulation (Zhu et al. 2016, iGAN)."""

from keras_gans.latent.arithmetic import arithmetic, arithmetic_grid, combine, group_mean, parse_expression
from keras_gans.latent.common import check_model
from keras_gans.latent.inpainting import (InpaintingResult, contextual_weights, hole_mae, inpaint, mean_fill,
                                          nearest_neighbour_fill)
from keras_gans.latent.interpolation import (interpolate, interpolate_labels, lerp, save_gif, slerp,
                                             soft_label_generator, walk, walk_grid)
from keras_gans.latent.inversion import InversionResult, invert
from keras_gans.latent.manipulation import ManipulationResult, edge_strength, manipulate, strokes_from_rgba
from keras_gans.latent.masks import (center_mask, check_masks, half_mask, make_mask, random_blocks_mask,
                                     random_pixels_mask, read_mask)
from keras_gans.latent.poisson import poisson_blend

__all__ = [
    "InpaintingResult", "InversionResult", "ManipulationResult", "edge_strength", "manipulate", "strokes_from_rgba", "arithmetic", "arithmetic_grid", "center_mask", "check_masks", "combine",
    "contextual_weights", "group_mean", "half_mask", "hole_mae", "inpaint", "interpolate", "interpolate_labels",
    "check_model", "invert", "lerp", "make_mask", "mean_fill", "nearest_neighbour_fill", "parse_expression",
    "poisson_blend", "random_blocks_mask", "random_pixels_mask", "read_mask", "save_gif", "slerp",
    "soft_label_generator", "walk", "walk_grid",
]
