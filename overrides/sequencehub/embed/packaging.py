"""The plugin on other MkDocs sites: where it finds the engine (Pyodide runtime + rnncore wheel) and the models.

A third-party site installs this project with pip and adds ``- sequencehub`` to its ``plugins``. The engine is
found, in order:

1. the plugin option (``engine_dir:`` / ``models_dir:``), relative to the folder of ``mkdocs.yml``;
2. the copy shipped inside the installed package (``sequencehub/engine/``, ``sequencehub/models/``, and the
   vendored KaTeX + ECharts files under ``sequencehub/node_modules/``), present in wheels built after
   ``python -m sequencehub.embed.packaging ship`` (run from this project, after ``make engine models``; then
   ``pip wheel --no-deps --no-build-isolation .``);
3. otherwise the build fails, naming both ways.

    python -m sequencehub.embed.packaging ship [--engine .build/engine] [--models .build/models] \
        [--node-modules node_modules] [--charts overrides/sequencehub/assets/vendor/echarts.min.js]
    python -m sequencehub.embed.packaging where      # prints what a build here would use
"""
import argparse
import json
import pathlib
import shutil
import sys

PACKAGE = pathlib.Path(__file__).resolve().parent.parent
SHIPPED = {"engine": PACKAGE / "engine", "models": PACKAGE / "models", "node_modules": PACKAGE / "node_modules"}
MARKER = {"engine": "engine.json", "models": None, "node_modules": None}


class MissingEngine(Exception):
    pass


def resolve(kind, option=None, config_file=None, required=True):
    """The folder to copy for ``kind`` ("engine" or "models"), or None when not required and absent."""
    candidates = []
    if option:
        path = pathlib.Path(option)
        if not path.is_absolute() and config_file:
            path = pathlib.Path(config_file).resolve().parent / path
        candidates.append(path)
    candidates.append(SHIPPED[kind])
    for path in candidates:
        if path.is_dir() and (MARKER[kind] is None or (path / MARKER[kind]).is_file()):
            return path
    if not required:
        return None
    tried = ", ".join(str(p) for p in candidates)
    raise MissingEngine(
        f"sequencehub: no {kind} found (tried {tried}). Point the plugin's `{kind}_dir:` option at a built "
        f"{kind} folder (this project: `make {kind if kind == 'engine' else 'models'}` -> .build/{kind}), or install "
        f"a sequencehub wheel that ships one (`python -m sequencehub.embed.packaging ship`).")


def describe(engine_dir):
    """engine.json of a resolved engine folder (Pyodide version, wheel file, sha256)."""
    return json.loads((pathlib.Path(engine_dir) / "engine.json").read_text())


def ship_vendor(node_modules):
    """Copy the vendored libraries' files (the plugin's ``assets.VENDOR`` list) and the files the build runs
    (``assets.BUILD_TIME``: KaTeX for node) into ``sequencehub/node_modules``,
    same layout as node_modules, for sites without an npm install."""
    from .. import assets
    target = SHIPPED["node_modules"]
    if target.exists():
        shutil.rmtree(target)
    groups = [(folder, patterns) for folder, patterns, _dest in assets.VENDOR.values()]
    for folder, patterns in groups + list(assets.BUILD_TIME.values()):
        base = pathlib.Path(node_modules) / folder
        for pattern in patterns:
            for path in base.glob(pattern):
                out = target / folder / path.relative_to(base)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, out)
    from .scorm import SCHEMA_DIR, SCHEMAS, find_schemas     # the SCORM packages' .xsd files
    for name, path in find_schemas([node_modules]).items():
        out = target / SCHEMA_DIR / name
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out)
    print(f"{node_modules} (vendored libraries, SCORM schemas) -> {target}")


def ship_charts(charts):
    """Put the chart bundle (built by `make charts`, git-ignored, so absent from a fresh copy) into the package."""
    from .. import assets
    charts = pathlib.Path(charts)
    if not charts.is_file():
        sys.exit(f"{charts}: missing; run `make charts` first")
    if charts.resolve() != assets.CHARTS.resolve():
        assets.CHARTS.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(charts, assets.CHARTS)
    print(f"{charts} -> {assets.CHARTS}")


def ship(engine, models, node_modules="node_modules", charts=None):
    from .. import assets
    ship_vendor(node_modules)
    ship_charts(charts or assets.CHARTS)
    for kind, source in (("engine", engine), ("models", models)):
        source = pathlib.Path(source)
        if not source.is_dir():
            sys.exit(f"{source}: missing; run `make {kind}` first")
        target = SHIPPED[kind]
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)
        print(f"{source} -> {target}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sequencehub.embed.packaging")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("ship", help="copy the built engine and models into the package (for wheels)")
    s.add_argument("--engine", default=".build/engine")
    s.add_argument("--models", default=".build/models")
    s.add_argument("--node-modules", default="node_modules")
    s.add_argument("--charts", help="the bundle `make charts` built (default: the package's own)")
    w = sub.add_parser("where", help="print the engine and models folders a build would use")
    w.add_argument("--engine-dir")
    w.add_argument("--models-dir")
    w.add_argument("-f", "--config-file", default="mkdocs.yml")
    args = parser.parse_args(argv)
    if args.command == "ship":
        ship(args.engine, args.models, args.node_modules, args.charts)
    else:
        try:
            print("engine:", resolve("engine", args.engine_dir, args.config_file))
        except MissingEngine as error:
            print(error)
        print("models:", resolve("models", args.models_dir, args.config_file, required=False))


if __name__ == "__main__":
    main()
