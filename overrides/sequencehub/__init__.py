"""Sequence Hub's MkDocs plugin (``- sequencehub`` in mkdocs.yml's ``plugins``): quizzes, XP and skills, JSON-LD,
glossary tooltips, the numbers on the pages (``macros``), embedding, and the browser assets that run the compiled
core ``rnncore`` in Pyodide.

This package is ``overrides/sequencehub/``; its neighbour ``overrides/theme/`` is not part of it: it is this
site's MkDocs ``custom_dir`` (Material templates). ``plugin.py``'s docstring says which module does what;
``overrides/README.md`` shows the layout.
"""
