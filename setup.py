"""Sequence Hub: the rnncore compute core (core/) and the sequencehub MkDocs plugin (overrides/).

Cython directives live once per .pyx file; set RNNCORE_DEBUG=1 to build with bounds checks back on.
setuptools' build base is moved to .build/setuptools: build/ holds the project's build tooling.
"""
import os
from setuptools import setup, Extension, find_packages

# (The core's helper fills in ext_modules; see core/rnncore.)
setup(
    name="sequencehub",
    version="0.1.0",
    description="Learn RNN, LSTM and GRU by running them: a compiled core and a MkDocs course engine.",
    package_dir={"rnncore": "core/rnncore", "sequencehub": "overrides/sequencehub"},
    packages=["rnncore", "sequencehub"],
    python_requires=">=3.11",
    entry_points={"mkdocs.plugins": ["sequencehub = sequencehub.plugin:SequenceHubPlugin"]},
    options={"build": {"build_base": ".build/setuptools"}, "egg_info": {"egg_base": ".build"}},
    zip_safe=False,
)
