"""What every ``build/train_*.py`` shares: where a model's JSON goes, when it is up to date, and how it is written.

A model file records ``inputs_hash``, the SHA-256 of everything its training reads (the data, the script, this
module and the core modules the training runs through) and of the settings given on the command line; a later run
whose inputs hash the same does nothing, so ``make models`` retrains only what changed (``--force`` retrains
anyway). The file is written whole or not at all (a temporary file, then a rename), so an interrupted build never
leaves half a model for the site to ship.

build/ is a folder of scripts, not a package: a script imports this module from its own folder
(``sys.path`` of the script's directory, as ``python build/<script>.py`` sets it and as the tests' loaders do not).
"""
import argparse
import hashlib
import json
import os
import pathlib
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
CORE = ROOT / "core" / "rnncore"          # the core's Python modules a training runs through (inputs too)
MODELS = ROOT / ".build" / "models"       # where the site's plugin finds them (its models_dir option)


def one_blas_thread():
    """Small matrices: one BLAS thread is ~3x faster than a pool fighting over 2 shared cores. Call before numpy
    is imported."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def inputs_hash(paths, *settings):
    """SHA-256 (hex) of the files ``paths`` (this module always among them) and of ``settings`` (their str)."""
    h = hashlib.sha256()
    for path in [*paths, pathlib.Path(__file__).resolve()]:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for value in settings:
        h.update(str(value).encode() + b"\0")
    return h.hexdigest()


def key(prefix, content):
    """A model's own key, which a page sends back to name a model the engine holds: ``prefix`` and the first 12
    hex digits of the SHA-256 of ``content`` (its weights) as sorted JSON, so two builds of the same weights share
    it."""
    return f"{prefix}-{hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]}"


def rounded(a, digits=6):
    """Nested lists of numbers to ``digits`` significant digits: enough for the weights, and a small file."""
    return [rounded(v, digits) for v in a] if isinstance(a, list) else float(f"{a:.{digits}g}")


def parser(doc, out):
    """The command line every training script takes: ``--out`` (default ``out``) and ``--force``."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--out", type=pathlib.Path, default=out)
    ap.add_argument("--force", action="store_true", help="retrain even when the inputs have not changed")
    return ap


def build(args, digest, train, announce, ensure_ascii=True):
    """Train and write ``args.out`` unless it records ``digest`` already (``args.force`` retrains anyway).

    ``train()`` returns the model's JSON (a dict); ``inputs_hash`` and ``build_seconds`` (the CPU time of
    ``train()``: data, training and evaluation) are added to it here. Returns the model written,
    or None when the file was up to date.
    """
    if not args.force and recorded_hash(args.out) == digest:
        print(f"{args.out.name} is up to date (inputs unchanged)")
        return None
    print(announce)
    started = time.process_time()
    model = train()
    model["inputs_hash"] = digest
    # CPU time (one BLAS thread): what this model adds to a clean build on an idle machine, whatever else runs
    model["build_seconds"] = round(time.process_time() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(model, separators=(",", ":"), ensure_ascii=ensure_ascii), encoding="utf-8")
    tmp.replace(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} kB)")
    return model


def recorded_hash(path):
    """The ``inputs_hash`` the model file at ``path`` records, or None (no file, or not a model's JSON)."""
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("inputs_hash")
    except (OSError, ValueError, AttributeError):
        return None
