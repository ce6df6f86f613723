"""Sequence Hub: the rnncore compute core (core/) and the sequencehub MkDocs plugin (overrides/).

Cython directives live once per .pyx file; set RNNCORE_DEBUG=1 to build with bounds checks back on.
setuptools' build base is moved to .build/setuptools: build/ holds the project's build tooling.
"""
import glob
import os

from setuptools import setup, Extension, find_packages


def core_extensions():
    """Every core/rnncore/**/*.pyx as an extension rnncore.<dotted path>, compiled -O3 for the baseline CPU.

    RNNCORE_DEBUG=1: bounds/wraparound/initialisation checks back on, -O0 -g.
    RNNCORE_NATIVE=1: also -march=native (faster on this machine, not portable: never for shipped builds).
    """
    from Cython.Build import cythonize

    debug = os.environ.get("RNNCORE_DEBUG") == "1"
    if debug:
        cflags = ["-O0", "-g"]
    else:
        # -O3 vectorises the gate loops; no -ffast-math (the exp() range reduction needs IEEE rounding).
        # --param: allow the runtime alias checks the multi-array gate loops need (the default 10 is too few).
        cflags = ["-O3", "-fno-math-errno", "-fno-trapping-math", "--param=vect-max-version-for-alias-checks=64",
                  "-DNDEBUG"]
        if os.environ.get("RNNCORE_NATIVE") == "1":
            cflags.append("-march=native")
    exts = []
    for path in sorted(glob.glob("core/rnncore/**/*.pyx", recursive=True)):
        rel = os.path.relpath(path, "core")[:-len(".pyx")]
        exts.append(Extension(rel.replace(os.sep, "."), [path], extra_compile_args=cflags))
    directives = {"language_level": 3}
    if debug:
        directives.update(boundscheck=True, wraparound=True, initializedcheck=True)
    return cythonize(exts, include_path=["core"], compiler_directives=directives, quiet=True,
                     build_dir=".build/cython")


setup(
    name="sequencehub",
    version="0.1.0",
    description="Learn RNN, LSTM and GRU by running them: a compiled core and a MkDocs course engine.",
    package_dir={"rnncore": "core/rnncore", "sequencehub": "overrides/sequencehub"},
    packages=["rnncore", "sequencehub"],
    ext_modules=core_extensions(),
    python_requires=">=3.11",
    entry_points={"mkdocs.plugins": ["sequencehub = sequencehub.plugin:SequenceHubPlugin"]},
    options={"build": {"build_base": ".build/setuptools"}, "egg_info": {"egg_base": ".build"}},
    zip_safe=False,
)
