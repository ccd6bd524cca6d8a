"""The gallery in PostgreSQL (``GALLERY_BACKEND=pgvector``): embeddings and templates in an HNSW-indexed table.

Installed only with that backend (it needs the ``vector`` extension); the memory backend never imports it.
"""
