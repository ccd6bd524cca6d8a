"""gunicorn settings, read automatically when gunicorn starts in the repository root (README's command).

Request lines and header fields are allowed up to gunicorn's maximum (8190 bytes): long filter queries are
answered by the API with its JSON errors, and only lines past this are refused by gunicorn itself (400, HTML).
"""

limit_request_line = 8190
limit_request_field_size = 8190
# Uploads are decoded in the request; a slow client on a large photo must not be cut at the default 30 s.
timeout = 60
