"""Public functions of the recognition app; other apps call these, never ``recognition.ml`` directly."""
