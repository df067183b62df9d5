"""Cross-cutting pieces of the REST API: error format, pagination, routing helpers."""
