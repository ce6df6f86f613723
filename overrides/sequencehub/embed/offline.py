"""The service worker's precache manifest, computed from the built site.

``sw.js`` is written at the site root, so its scope is the whole site. Its first statement is the manifest:
``{"version": <hash>, "files": [<url relative to the root>, ...]}``. ``version`` hashes every precached file's
path and bytes, so any rebuild that changes a byte changes ``sw.js``: the browser installs the new worker, which
fills a new cache ``sequencehub-<version>`` and, once active, deletes every older ``sequencehub-*`` cache.
"""
import fnmatch
import hashlib
import json
import pathlib
import re

#: Built files never precached: the worker itself, downloads (SCORM packages, bundles), source maps, type stubs,
#: gzipped sitemaps, and the npm package files of Pyodide that no page loads.
EXCLUDE = ("sw.js", "assets/sequencehub/sw.js", "scorm/*", "*.map", "*.d.ts", "*.gz", "engine/pyodide/console*.html",
           "engine/pyodide/package.json", "engine/pyodide/README.md")

_MANIFEST = re.compile(r"/\* @manifest \*/.*?/\* @end \*/", re.S)


def precache_files(site_dir, exclude=EXCLUDE):
    """Sorted site-root-relative paths of every file to precache."""
    site_dir = pathlib.Path(site_dir)
    files = []
    for path in site_dir.rglob("*"):
        rel = path.relative_to(site_dir).as_posix()
        if path.is_file() and not any(fnmatch.fnmatch(rel, pattern) for pattern in exclude):
            files.append(rel)
    return sorted(files)


def manifest(site_dir, exclude=EXCLUDE):
    """``{"version", "files", "bytes"}``; ``files`` name pages by their directory URL (``lessons/lstm/``)."""
    site_dir = pathlib.Path(site_dir)
    digest = hashlib.sha256()
    urls, total = [], 0
    for rel in precache_files(site_dir, exclude):
        data = (site_dir / rel).read_bytes()
        total += len(data)
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
        urls.append(_url(rel))
    return {"version": digest.hexdigest()[:16], "files": urls, "bytes": total}


def _url(rel):
    if rel == "index.html":
        return "./"
    if rel.endswith("/index.html"):
        return rel.removesuffix("index.html")
    return rel


def write_service_worker(site_dir, template_path, exclude=EXCLUDE):
    """Write ``<site_dir>/sw.js`` from the template with the manifest filled in; return the manifest."""
    info = manifest(site_dir, exclude)
    template = pathlib.Path(template_path).read_text(encoding="utf-8")
    payload = json.dumps({"version": info["version"], "files": info["files"]}, separators=(",", ":"))
    text, count = _MANIFEST.subn(lambda _: payload, template, count=1)
    if count != 1:
        raise ValueError(f"{template_path}: no /* @manifest */ ... /* @end */ placeholder")
    (pathlib.Path(site_dir) / "sw.js").write_text(text, encoding="utf-8")
    return info
