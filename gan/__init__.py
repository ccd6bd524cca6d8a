"""Makeup and style previews: the product try-on renderer and the reference-look GAN."""
