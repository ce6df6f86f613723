"""The service worker's precache manifest, computed from the built site.

``sw.js`` is written at the site root, so its scope is the whole site. Its first statement is the manifest:
``{"version": <hash>, "files": {<url relative to the root>: <sha256 of its bytes>, ...}}``. The worker stores and
serves a cached file only when its bytes hash to that value. ``version`` hashes every precached file's path and
bytes, so any rebuild that changes a byte changes ``sw.js``: the browser installs the new worker, which fills a
new cache ``sequencehub-<version>`` and, once active, deletes every older ``sequencehub-*`` cache.

What is kept is what reading offline needs, and no more: every page, the engine and models, the site's own
scripts and styles, its search index, and one font format (woff2). Left out: embed pages (made for other sites'
iframes), LMS downloads (quiz exports, SCORM packages), other math font formats, the search stemmers of languages
the site does not use, and the npm package files of Pyodide that no page loads.
"""
import fnmatch
import hashlib
import json
import pathlib
import re

#: Built files never precached: the worker itself, downloads (SCORM packages, quiz exports, bundles), embed pages,
#: source maps, type stubs, gzipped sitemaps, font formats other than woff2, and the npm package files of Pyodide
#: that no page loads.
EXCLUDE = ("sw.js", "assets/sequencehub/sw.js", "scorm/*", "quizzes/*", "embed/*", "*.map", "*.d.ts", "*.gz",
           "*.woff", "*.ttf", "*.eot", "engine/pyodide/console*.html", "engine/pyodide/package.json",
           "engine/pyodide/README.md", "engine/pyodide/*.js.map", "engine/pyodide/pyodide.js",
           "engine/pyodide/ffi.d.ts")
LUNR = "assets/javascripts/lunr/"      # Material's search: stemmers per language, segmenters for some


def _search_files(rel, languages):
    """Whether a file of Material's search folder is one the site's languages load."""
    name = rel[len(LUNR):]
    wanted = {f"min/lunr.{lang}.min.js" for lang in languages if lang != "en"}
    if wanted:
        wanted |= {"min/lunr.stemmer.support.min.js", "min/lunr.multi.min.js"}
    if "ja" in languages:
        wanted.add("tinyseg.js")
    if "th" in languages:
        wanted.add("wordcut.js")
    return name in wanted

_MANIFEST = re.compile(r"/\* @manifest \*/.*?/\* @end \*/", re.S)


def precache_files(site_dir, exclude=EXCLUDE, languages=("en",)):
    """Sorted site-root-relative paths of every file to precache."""
    site_dir = pathlib.Path(site_dir)
    files = []
    for path in site_dir.rglob("*"):
        rel = path.relative_to(site_dir).as_posix()
        if not path.is_file() or any(fnmatch.fnmatch(rel, pattern) for pattern in exclude):
            continue
        if rel.startswith(LUNR) and not _search_files(rel, languages):
            continue
        files.append(rel)
    return sorted(files)


def manifest(site_dir, exclude=EXCLUDE, languages=("en",)):
    """``{"version", "files", "bytes"}``; ``files`` maps each URL (pages by their directory URL,
    ``lessons/lstm/``) to the SHA-256 of its bytes."""
    site_dir = pathlib.Path(site_dir)
    digest = hashlib.sha256()
    files, total = {}, 0
    for rel in precache_files(site_dir, exclude, languages):
        data = (site_dir / rel).read_bytes()
        total += len(data)
        file_hash = hashlib.sha256(data)
        digest.update(rel.encode() + b"\0" + file_hash.digest())
        files[_url(rel)] = file_hash.hexdigest()
    return {"version": digest.hexdigest()[:16], "files": files, "bytes": total}


def _url(rel):
    if rel == "index.html":
        return "./"
    if rel.endswith("/index.html"):
        return rel.removesuffix("index.html")
    return rel


def write_service_worker(site_dir, template_path, exclude=EXCLUDE, languages=("en",)):
    """Write ``<site_dir>/sw.js`` from the template with the manifest filled in; return the manifest."""
    info = manifest(site_dir, exclude, languages)
    template = pathlib.Path(template_path).read_text(encoding="utf-8")
    payload = json.dumps({"version": info["version"], "files": info["files"]}, separators=(",", ":"))
    text, count = _MANIFEST.subn(lambda _: payload, template, count=1)
    if count != 1:
        raise ValueError(f"{template_path}: no /* @manifest */ ... /* @end */ placeholder")
    (pathlib.Path(site_dir) / "sw.js").write_text(text, encoding="utf-8")
    return info
