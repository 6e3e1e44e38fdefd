"""Latent-space tools: walks, vector arithmetic, GAN inversion, semantic inpainting."""
