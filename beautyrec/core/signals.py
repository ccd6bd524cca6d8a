"""Signals shared by the apps, so that core and recognition never import the apps that listen.

``erasing_biometrics`` is sent inside the erasure transaction, before recognition deletes its own rows: any
app that stores images or data derived from a user's face (previews, cached profiles) deletes them in a
receiver and returns how many it removed, keyed by kind, so the erasure report lists everything.
"""

from django.dispatch import Signal

erasing_biometrics = Signal()  # kwargs: user
