"""Sequence Hub MkDocs plugin (being written)."""
