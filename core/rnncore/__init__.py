"""rnncore (being written)."""
