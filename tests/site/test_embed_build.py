"""Build outputs of the embedding subsystem (issue 5): embed pages, service-worker manifest, SCORM packages,
the offline bundle, the engine lookup for other sites. Reads the built site/ (make site / make test build it;
SEQUENCEHUB_SITE points at another build)."""
import html.parser
import json
import os
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

import pytest

from sequencehub.embed import DEMOS, EMBED_VERSION, offline, packaging, scorm
from sequencehub.embed.extract import elements_with, site_path

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE = pathlib.Path(os.environ.get("SEQUENCEHUB_SITE", ROOT / "site"))   # another build: SEQUENCEHUB_SITE=...
CP = "{http://www.imsproject.org/xsd/imscp_rootv1p1p2}"
ADLCP = "{http://www.adlnet.org/xsd/adlcp_rootv1p2}"


@pytest.fixture(scope="module")
def site():
    if not (SITE / "index.html").is_file():
        pytest.fail("site/ is not built: run `make site` (make test does it first)")
    return SITE


def quiz_ids(site):
    ids = set()
    for page in site.rglob("index.html"):
        rel = page.relative_to(site).as_posix()
        if rel.startswith("embed/"):
            continue
        ids.update(re.findall(r'data-quiz="([^"]+)"', page.read_text(encoding="utf-8")))
    return sorted(ids)


class _Urls(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.urls.append((tag, value))


def urls_of(text):
    parser = _Urls()
    parser.feed(text)
    return parser.urls


def embed_pages(site):
    units = [("demo", name) for name in DEMOS] + [("quiz", q) for q in quiz_ids(site)]
    for kind, unit in units:
        tail = f"quiz/{unit}" if kind == "quiz" else unit
        for dest in (f"embed/{EMBED_VERSION}/{tail}/index.html", f"embed/{tail}/index.html"):
            yield kind, unit, dest, tail


def test_site_has_quizzes(site):
    assert quiz_ids(site), "no [data-quiz] on any page"


def test_every_demo_and_quiz_has_an_embed_page_and_alias(site):
    for kind, unit, dest, tail in embed_pages(site):
        path = site / dest
        assert path.is_file(), f"missing {dest}"
        text = path.read_text(encoding="utf-8")
        root = "data-demo" if kind == "demo" else "data-quiz"
        assert [a for a, _ in elements_with(text, root) if a.get(root) == unit], f"{dest}: no [{root}={unit}]"
        assert f'data-sh-embed="{kind}"' in text
        assert 'class="md-header' not in text and "md-nav" not in text, f"{dest}: site navigation in an embed"
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', text).group(1)
        assert site_path(canonical, dest) == f"embed/{EMBED_VERSION}/{tail}/", f"{dest}: canonical {canonical}"


def test_embed_pages_use_relative_urls_that_resolve(site):
    for _, _, dest, _ in embed_pages(site):
        text = (site / dest).read_text(encoding="utf-8")
        for tag, url in urls_of(text):
            assert not re.match(r"^(/|[a-z]+:)", url), f"{dest}: absolute URL {url}"
            target = site_path(url, dest)
            assert target is not None, f"{dest}: {url} leaves the site"
            bare = target.split("#")[0].split("?")[0]
            assert (site / bare).is_file() or (site / bare / "index.html").is_file(), f"{dest}: {url} is missing"


def test_embed_pages_load_bridge_before_widgets(site):
    text = (site / f"embed/{EMBED_VERSION}/hidden-state/index.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', text)
    assert scripts[0].endswith("assets/sequencehub/embed/embed.js")
    assert any(s.endswith("assets/sequencehub/main.js") for s in scripts[1:]), scripts


def test_service_worker_manifest_covers_the_site(site):
    text = (site / "sw.js").read_text(encoding="utf-8")
    data = json.loads(re.search(r"const MANIFEST = (\{.*?\});", text).group(1))
    files = set(data["files"])
    assert re.fullmatch(r"[0-9a-f]{16}", data["version"])
    for url in ("./", "lessons/lstm/", "assets/sequencehub/main.js",
                "engine/engine.json", "engine/pyodide/pyodide.asm.wasm", "engine/pyodide/python_stdlib.zip"):
        assert url in files, f"sw.js does not precache {url}"
    wheel = json.loads((site / "engine/engine.json").read_text())["wheel"]
    assert f"engine/{wheel}" in files
    # embed pages are for other sites' iframes and LMS downloads are files to save: reading offline needs neither
    assert not [f for f in files if f.startswith(("scorm/", "embed/", "quizzes/")) or f == "sw.js"]
    for url in files:
        path = site / (url + "index.html" if url.endswith("/") else url)
        assert path.is_file(), f"precached {url} does not exist"
    lesson = (site / "lessons/lstm/index.html").read_text(encoding="utf-8")
    assert 'src="../../assets/sequencehub/embed/sw-register.js"' in lesson


def test_cache_version_changes_with_content(tmp_path):
    (tmp_path / "index.html").write_text("<p>a</p>")
    (tmp_path / "scorm").mkdir()
    (tmp_path / "scorm" / "x.zip").write_bytes(b"zip")
    first = offline.manifest(tmp_path)
    assert list(first["files"]) == ["./"]
    (tmp_path / "scorm" / "x.zip").write_bytes(b"other")
    assert offline.manifest(tmp_path)["version"] == first["version"], "excluded files must not change the cache"
    (tmp_path / "index.html").write_text("<p>b</p>")
    assert offline.manifest(tmp_path)["version"] != first["version"]


def lessons(site):
    return sorted((site / "scorm").glob("*.zip"))


def test_scorm_package_per_lesson(site):
    names = {p.stem for p in lessons(site)}
    assert {"hidden-state", "vanishing-gradient", "lstm", "gru", "bidirectional"} <= names, names


@pytest.mark.parametrize("lesson", ["vanishing-gradient"])
def test_scorm_manifest(site, lesson):
    with zipfile.ZipFile(site / "scorm" / f"{lesson}.zip") as zf:
        names = set(zf.namelist())
        root = ET.fromstring(zf.read("imsmanifest.xml"))
        page = zf.read("index.html").decode()
    assert root.tag == f"{CP}manifest"
    assert root.findtext(f"{CP}metadata/{CP}schemaversion") == "1.2"
    assert root.findtext(f"{CP}metadata/{CP}schema") == "ADL SCORM"
    schema_location = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    for xsd in ("imscp_rootv1p1p2.xsd", "adlcp_rootv1p2.xsd"):
        assert xsd in schema_location
    # schemaLocation: pairs of (namespace, file); every file it names is in the zip, at its root
    located = schema_location.split()[1::2]
    assert located and all(name.endswith(".xsd") for name in located), schema_location
    assert set(located) <= names, f"{lesson}.zip: schemas named but not shipped: {set(located) - names}"
    assert set(scorm.SCHEMAS) <= names
    (resource,) = root.iter(f"{CP}resource")
    assert resource.get(f"{ADLCP}scormtype") == "sco" and resource.get("href") == "index.html"
    listed = {f.get("href") for f in resource.iter(f"{CP}file")}
    assert listed == names - {"imsmanifest.xml", *scorm.SCHEMAS}
    assert 'data-quiz="' in page and "assets/sequencehub/embed/scorm.js" in page
    for tag, url in urls_of(page):
        if tag in ("script", "link", "img"):
            assert url.split("?")[0] in names, f"{lesson}.zip: {url} not in the package"
    assert "md-nav" not in page


@pytest.mark.parametrize("lesson", ["vanishing-gradient"])
def test_scorm_schemas_are_the_adl_files(site, lesson):
    """The shipped .xsd files parse as XML Schema, declare the namespaces the manifest binds them to, and the
    schemas they import or include are in the zip too."""
    xs = "{http://www.w3.org/2001/XMLSchema}"
    with zipfile.ZipFile(site / "scorm" / f"{lesson}.zip") as zf:
        names = set(zf.namelist())
        root = ET.fromstring(zf.read("imsmanifest.xml"))
        schema_location = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation").split()
        # ims_xml.xsd binds the default namespace to the reserved XML namespace, as ADL's own copy does (expat
        # refuses that): check its target namespace as text
        xml_ns = zf.read("ims_xml.xsd").decode()
        schemas = {name: ET.fromstring(zf.read(name)) for name in scorm.SCHEMAS if name != "ims_xml.xsd"}
    assert 'targetNamespace="http://www.w3.org/XML/1998/namespace"' in xml_ns and "<xsd:schema" in xml_ns
    for namespace, name in zip(schema_location[::2], schema_location[1::2]):
        assert schemas[name].tag == f"{xs}schema", name
        assert schemas[name].get("targetNamespace") == namespace, name
    for name, schema in schemas.items():
        for ref in [*schema.iter(f"{xs}import"), *schema.iter(f"{xs}include")]:
            location = ref.get("schemaLocation")
            assert location is None or location in names, f"{name} refers to {location}, not in the zip"


def test_scorm_schemas_missing_fail_loudly(tmp_path):
    with pytest.raises(scorm.MissingSchemas, match="imscp_rootv1p1p2.xsd"):
        scorm.find_schemas([tmp_path / "node_modules"])


def test_bundle_zip(site, tmp_path):
    out = tmp_path / "bundle.zip"
    subprocess.run([sys.executable, str(ROOT / "build/bundle.py"), "--site", str(site), "--out", str(out)],
                   check=True, capture_output=True)
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        readme = zf.read("sequencehub-site/README.txt").decode()
    assert "python3 -m http.server -d site 8000 --bind 127.0.0.1" in readme
    assert {"sequencehub-site/site/index.html", "sequencehub-site/site/sw.js",
            "sequencehub-site/site/engine/engine.json"} <= names
    assert not [n for n in names if n.startswith("sequencehub-site/site/scorm/")]


def test_elements_with_counts_nested_tags():
    source = '<div data-quiz="a"><div><div></div></div><p>x</p></div><div data-quiz="b"></div>'
    found = elements_with(source, "data-quiz")
    assert [a["data-quiz"] for a, _ in found] == ["a", "b"]
    assert found[0][1] == '<div data-quiz="a"><div><div></div></div><p>x</p></div>'


def test_missing_engine_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setitem(packaging.SHIPPED, "engine", tmp_path / "none")
    with pytest.raises(packaging.MissingEngine, match="engine_dir"):
        packaging.resolve("engine", "nowhere", tmp_path / "mkdocs.yml")
    (tmp_path / "eng").mkdir()
    (tmp_path / "eng" / "engine.json").write_text("{}")
    assert packaging.resolve("engine", "eng", tmp_path / "mkdocs.yml") == tmp_path / "eng"
