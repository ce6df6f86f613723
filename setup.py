"""Sequence Hub: the rnncore compute core (core/) and the sequencehub MkDocs plugin (overrides/).

Cython directives live once per .pyx file; set RNNCORE_DEBUG=1 to build with bounds checks back on.
setuptools' build base is moved to .build/setuptools: build/ holds the project's build tooling.
"""
import glob
import os

from setuptools import setup, Extension, find_packages


def core_extensions():
    """Every core/rnncore/**/*.pyx as an extension rnncore.<dotted path>, compiled -O3 for the baseline CPU.

    On x86-64 the kernel modules (cells/*.pyx, _ops.pyx) are also built with -mavx2 -mfma as rnncore.<...>_avx2
    and with AVX-512 (512-bit vectors, wider register tiles) as rnncore.<...>_avx512, from copies in .build/simd;
    rnncore.api picks the best one this CPU runs at import (RNNCORE_SIMD=baseline|avx2 caps the choice). The
    WebAssembly build compiles only the sources in core/.
    RNNCORE_DEBUG=1: bounds/wraparound/initialisation checks back on, -O0 -g, no AVX2 copies.
    RNNCORE_NATIVE=1: -march=native for the baseline modules too (not portable: never for shipped builds).
    """
    import platform
    import shutil
    from Cython.Build import cythonize

    debug = os.environ.get("RNNCORE_DEBUG") == "1"
    if debug:
        cflags = ["-O0", "-g"]
    else:
        # -O3 vectorises the gate loops; no -ffast-math (the exp() range reduction needs IEEE rounding);
        # --param: allow the runtime alias checks the multi-array gate loops need (the default 10 is too few);
        # -fno-loop-unroll-and-jam: gcc's -O3 unroll-and-jam of the row loop spills the register tiles to the stack.
        cflags = ["-O3", "-fno-math-errno", "-fno-trapping-math", "--param=vect-max-version-for-alias-checks=64",
                  "-fno-loop-unroll-and-jam", "-DNDEBUG"]
        if os.environ.get("RNNCORE_NATIVE") == "1":
            cflags.append("-march=native")
    directives = {"language_level": 3}
    if debug:
        return _debug_extensions(cflags, directives)
    exts = []
    for path in sorted(glob.glob("core/rnncore/**/*.pyx", recursive=True)):
        rel = os.path.relpath(path, "core")[:-len(".pyx")]
        exts.append(Extension(rel.replace(os.sep, "."), [path], extra_compile_args=cflags))
    out = cythonize(exts, include_path=["core"], compiler_directives=directives, quiet=True,
                    build_dir=".build/cython")
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return out
    simd = []
    variants = {"avx2": ["-mavx2", "-mfma"],
                "avx512": ["-mavx2", "-mfma", "-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq",
                           "-mprefer-vector-width=512", "-DRC_TILE=32", "-DRC_ROWS8=1"]}
    for variant, flags in variants.items():
        for path in sorted(glob.glob("core/rnncore/cells/*.pyx")) + ["core/rnncore/_ops.pyx"]:
            rel = os.path.relpath(path, "core")[:-len(".pyx")] + "_" + variant
            os.makedirs(os.path.dirname(os.path.join(".build/simd", rel)), exist_ok=True)
            for ext in (".pyx", ".pxd"):                             # the copy needs its own .pxd under its name
                src, dst = path[:-4] + ext, os.path.join(".build/simd", rel + ext)
                if os.path.exists(src) and (not os.path.exists(dst) or open(src).read() != open(dst).read()):
                    shutil.copyfile(src, dst)
            simd.append(Extension(rel.replace(os.sep, "."), [os.path.join(".build/simd", rel + ".pyx")],
                                  extra_compile_args=cflags + flags))
    return out + cythonize(simd, include_path=[".build/simd", "core"], compiler_directives=directives, quiet=True,
                           build_dir=".build/cython")


def _debug_extensions(cflags, directives):
    """RNNCORE_DEBUG=1: the directives in each file's header win over cythonize's, so the sources are copied to
    .build/debug with the checks switched on in their headers and compiled from there (C in .build/cython-debug).
    The AVX2 copies of a previous optimised build are removed so rnncore.api loads the checked modules."""
    import shutil
    from Cython.Build import cythonize

    for stale in glob.glob("core/rnncore/**/*_avx*.so", recursive=True):
        os.remove(stale)
    exts = []
    for path in sorted(glob.glob("core/rnncore/**/*", recursive=True)):
        if not path.endswith((".pyx", ".pxd", "__init__.py")):
            continue
        rel = os.path.relpath(path, "core")
        dst = os.path.join(".build/debug", rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        text = open(path).read()
        for check in ("boundscheck", "wraparound", "initializedcheck"):
            text = text.replace(check + "=False", check + "=True")
        if not os.path.exists(dst) or open(dst).read() != text:
            with open(dst, "w") as f:
                f.write(text)
        if path.endswith(".pyx"):
            exts.append(Extension(rel[:-len(".pyx")].replace(os.sep, "."), [dst], extra_compile_args=cflags))
    return cythonize(exts, include_path=[".build/debug"], compiler_directives=directives, quiet=True,
                     build_dir=".build/cython-debug")


setup(
    name="sequencehub",
    version="0.1.0",
    description="Learn RNN, LSTM and GRU by running them: a compiled core and a MkDocs course engine.",
    package_dir={"rnncore": "core/rnncore", "sequencehub": "overrides/sequencehub"},
    packages=["rnncore", "rnncore.cells", "sequencehub", "sequencehub.embed"],
    # A wheel of the plugin carries its browser assets and, after `python -m sequencehub.embed.packaging ship`,
    # the engine (Pyodide runtime + rnncore wasm wheel), the text model and KaTeX/ECharts for other sites.
    package_data={"sequencehub": ["assets/**/*", "templates/**/*", "embed/templates/*", "embed/*.md", "engine/**/*",
                                  "models/**/*", "node_modules/**/*"],
                  "rnncore": ["*.pxd", "cells/*.pxd"]},
    ext_modules=core_extensions(),
    python_requires=">=3.11",
    entry_points={"mkdocs.plugins": ["sequencehub = sequencehub.plugin:SequenceHubPlugin"]},
    options={"build": {"build_base": ".build/setuptools"}, "egg_info": {"egg_base": ".build"}},
    zip_safe=False,
)
