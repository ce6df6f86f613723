"""Offline bundle: a zip of the built site plus the one line that serves it (`make bundle`).

Browsers will not run WebAssembly from file://, so the bundle's README.txt gives a local server command, Python's
own. Output: dist/sequencehub-site.zip holding sequencehub-site/README.txt and sequencehub-site/site/...
The SCORM packages (site/scorm/) stay out: they are downloads for learning-management systems, each holding its
own copy of the engine.

    python3 build/bundle.py [--site site] [--out dist/sequencehub-site.zip]
"""
import argparse
import pathlib
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
FOLDER = "sequencehub-site"
SERVE = "python3 -m http.server -d site 8000 --bind 127.0.0.1"
README = f"""Sequence Hub, offline. In this folder run:

    {SERVE}

then open http://127.0.0.1:8000/ (Python 3 from python.org or your system; browsers will not run
the demos' WebAssembly from file://, hence the local server).
"""
SKIP = ("scorm/",)
STORED = (".zip", ".whl", ".woff2", ".woff", ".png", ".jpg", ".jpeg", ".gz")


def bundle(site, out):
    site, out = pathlib.Path(site), pathlib.Path(out)
    if not (site / "index.html").is_file():
        sys.exit(f"bundle: {site}/index.html missing: build the site first (make site)")
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{FOLDER}/README.txt", README)
        for path in sorted(site.rglob("*")):
            rel = path.relative_to(site).as_posix()
            if not path.is_file() or rel.startswith(SKIP):
                continue
            zf.write(path, f"{FOLDER}/site/{rel}",
                     compress_type=zipfile.ZIP_STORED if rel.endswith(STORED) else zipfile.ZIP_DEFLATED)
            count += 1
    return count


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", default=str(ROOT / "site"))
    parser.add_argument("--out", default=str(ROOT / "dist" / f"{FOLDER}.zip"))
    args = parser.parse_args(argv)
    count = bundle(args.site, args.out)
    size = pathlib.Path(args.out).stat().st_size / 1e6
    print(f"{args.out}: {count} files, {size:.1f} MB. Unzip, cd {FOLDER}, run: {SERVE}")


if __name__ == "__main__":
    main()
