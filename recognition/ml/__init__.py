"""Torch modules, dlib model-file reading and pre/post-processing for recognition (no Django imports)."""
