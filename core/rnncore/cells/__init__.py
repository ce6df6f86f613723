"""Compiled time loops of the cells (one module per cell); called by ``rnncore.api``, which validates first."""
