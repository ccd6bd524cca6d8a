"""Renderer, generator, discriminator, losses and training loop for previews (no Django imports)."""
