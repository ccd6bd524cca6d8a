"""Torch runtime pieces shared by every app's ``ml`` package (no Django imports here)."""
