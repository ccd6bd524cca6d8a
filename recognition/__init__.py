"""Face detection, landmarks, CNN embeddings, identification and face attributes."""
