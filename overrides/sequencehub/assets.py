"""Files the plugin adds to a site: its own browser assets, the vendored libraries from node_modules, and the
built engine and models. All are registered as MkDocs files (so `mkdocs serve` serves them and every build copies
them), never fetched from a CDN.

    overrides/sequencehub/assets/**            -> assets/sequencehub/**
    node_modules (node_modules_dirs: the `node_modules` option, else next to mkdocs.yml, else a shipped copy):
    node_modules/katex/dist/{katex.min.css, fonts/*.woff2}
                                               -> assets/vendor/katex/... (math is typeset at build time:
                                                  the pages need KaTeX's stylesheet and one font format)
    node_modules/katex/dist/katex.min.js       (BUILD_TIME: what node loads to typeset; shipped in a wheel, never
                                                copied to the site)
    overrides/sequencehub/assets/vendor/echarts.min.js (ECharts with only the charts the demos draw, bundled by
    `make charts`)                             -> assets/sequencehub/vendor/echarts.min.js
    <engine_dir>/**                            -> engine/**
    <models_dir>/**                            -> engine/models/**
"""
from __future__ import annotations

import pathlib

from mkdocs.structure.files import File

ASSETS = pathlib.Path(__file__).resolve().parent / "assets"
ASSETS_DEST = "assets/sequencehub"
VENDOR = {
    # math is typeset when the site is built (mathtex.py): pages need the stylesheet and one font format
    "katex": ("katex/dist", ["katex.min.css", "fonts/*.woff2"], "assets/vendor/katex"),
}
# npm files the build itself runs (one node process typesets math with them, mathtex.py: pages and exports)
BUILD_TIME = {"katex": ("katex/dist", ["katex.min.js"])}
CHARTS = ASSETS / "vendor" / "echarts.min.js"      # built by `make charts` (build/charts/build.mjs)
SKIP = {".DS_Store", "__pycache__"}


def tree(source, dest_prefix, config):
    """A File for every file under `source`, placed at `dest_prefix/<relative path>`."""
    source = pathlib.Path(source)
    out = []
    for path in sorted(source.rglob("*")):
        if path.is_file() and not SKIP.intersection(path.parts) and not path.name.endswith((".pyc", ".map")):
            rel = path.relative_to(source).as_posix()
            out.append(File.generated(config, f"{dest_prefix}/{rel}", abs_src_path=str(path)))
    return out


def node_modules_dirs(option, config_dir):
    """The node_modules folders to search, in order: the plugin's ``node_modules`` option alone when set (relative
    to mkdocs.yml), else mkdocs.yml's folder and the copy a shipped wheel carries."""
    if option:
        path = pathlib.Path(option)
        return [path if path.is_absolute() else pathlib.Path(config_dir) / path]
    from .embed.packaging import SHIPPED
    return [pathlib.Path(config_dir) / "node_modules", SHIPPED["node_modules"]]


def vendor_files(node_modules, config):
    """(files, missing): the vendored libraries' files, and what could not be found."""
    node_modules = pathlib.Path(node_modules)
    files, missing = [], []
    for name, (folder, patterns, dest) in VENDOR.items():
        base = node_modules / folder
        for pattern in patterns:
            matches = sorted(base.glob(pattern))
            if not matches and "*" not in pattern:
                missing.append(str(base / pattern))
            for path in matches:
                rel = path.relative_to(base).as_posix()
                files.append(File.generated(config, f"{dest}/{rel}", abs_src_path=str(path)))
    return files, missing


def add(files, new):
    """Add files, replacing any the docs already hold at the same destination."""
    for file in new:
        old = files.get_file_from_path(file.src_uri)
        if old is not None:
            files.remove(old)
        files.append(file)
