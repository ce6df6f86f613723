"""The site built for a public address under a sub-path (SITE_URL=https://courses.example.org/rnn/, the
`public_site` fixture): no file it ships, zips included, names the build machine (127.0.0.1, localhost); every
absolute link a page, the sitemap, the structured data or an LMS package gives points into the public address;
the engine finds its files relative to itself. The site at that address in a browser: tests/browser/test_subpath.py.
"""
import gzip
import html.parser
import io
import json
import re
import urllib.parse
import xml.etree.ElementTree as ET
import pathlib
import zipfile

import pytest

from shtest import PUBLIC_URL, ROOT

# `make test` runs two pytest-xdist workers: these tests and tests/browser/test_subpath.py share the
# sub-path site (conftest's public_site): on one worker it is built once.
pytestmark = pytest.mark.xdist_group("public-site")

LOCAL = re.compile(rb"127\.0\.0\.1|localhost|//\[::1\]", re.I)
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"
# The one place a page may name the local address: the command that serves the offline copy on the reader's own
# machine (build/bundle.py's README gives the same line). It is text in a code block, never a link.
LOCAL_SERVE_COMMAND = b"python3 -m http.server -d site 8000 --bind 127.0.0.1"


class Upstream:
    """Files the site ships unchanged from a pinned package (the Pyodide runtime, the theme's source maps): their
    text is their authors' (CPython's socket code names 127.0.0.1), not an address this build wrote."""

    def __init__(self):
        import material
        self.by_name = {}
        for top in (ROOT / "node_modules", pathlib.Path(material.__file__).parent):
            for path in top.rglob("*"):
                self.by_name.setdefault(path.name, []).append(path)

    def __contains__(self, item):
        name, data = item
        base = name.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
        return any(p.is_file() and p.stat().st_size == len(data) and p.read_bytes() == data
                   for p in self.by_name.get(base, []))


def shipped_files(site, upstream=()):
    """(name, bytes) of every file the site ships; a zip (SCORM package, QTI package, wheel) is opened and its
    members are listed as <zip>!<member>, recursively, unless it is an upstream file (Pyodide's stdlib); a gzip
    file's content follows it as <file>!."""
    def walk(name, data):
        yield name, data
        if data[:2] == GZIP_MAGIC:                      # sitemap.xml.gz
            yield from walk(f"{name}!", gzip.decompress(data))
        elif data[:4] == ZIP_MAGIC and (name, data) not in upstream:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for member in zf.namelist():
                    yield from walk(f"{name}!{member}", zf.read(member))

    for path in sorted(site.rglob("*")):
        if path.is_file():
            yield from walk(path.relative_to(site).as_posix(), path.read_bytes())


class Links(html.parser.HTMLParser):
    """The canonical link, every href/src and the JSON-LD blocks of one page."""

    def __init__(self):
        super().__init__()
        self.canonical, self.urls, self.jsonld, self._in_jsonld = None, [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs.get("href")
        for name in ("href", "src", "action", "poster"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        self._in_jsonld = tag == "script" and attrs.get("type") == "application/ld+json"

    def handle_endtag(self, tag):
        self._in_jsonld = False

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld.append(json.loads(data))


def links_of(text):
    parser = Links()
    parser.feed(text)
    return parser


def jsonld_urls(node):
    """Every @id and url in a JSON-LD document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("@id", "url") and isinstance(value, str):
                yield value
            else:
                yield from jsonld_urls(value)
    elif isinstance(node, list):
        for item in node:
            yield from jsonld_urls(item)


def test_no_shipped_file_names_the_build_machine(public_site):
    upstream = Upstream()
    found, seen = [], []
    for name, data in shipped_files(public_site, upstream):
        seen.append(name)
        text = data.replace(LOCAL_SERVE_COMMAND, b"")
        match = LOCAL.search(text)
        if match and (name, data) not in upstream:
            around = text[max(0, match.start() - 60):match.end() + 60].decode("utf-8", "replace")
            found.append(f"{name}: ...{around}...")
    assert any(n.startswith("scorm/") and "!" in n for n in seen), "the SCORM packages were opened"
    assert any(n.endswith(".qti.zip!imsmanifest.xml") or n.endswith(".gift") for n in seen), seen[:20]
    assert not found, "\n".join(found)


def test_sitemap_and_canonical_links_are_public(public_site):
    tree = ET.parse(public_site / "sitemap.xml")
    locs = [el.text for el in tree.iter(f"{SITEMAP_NS}loc")]
    assert locs and PUBLIC_URL in locs
    assert all(loc.startswith(PUBLIC_URL) for loc in locs), locs
    for loc in locs:
        page = public_site / loc[len(PUBLIC_URL):] / "index.html" if loc.endswith("/") else \
            public_site / loc[len(PUBLIC_URL):]
        links = links_of(page.read_text(encoding="utf-8"))
        assert links.canonical == loc, (page, links.canonical)


def test_structured_data_is_public(public_site):
    pages = [p for p in public_site.rglob("*.html")]
    seen = 0
    for path in pages:
        for block in links_of(path.read_text(encoding="utf-8")).jsonld:
            for url in jsonld_urls(block):
                seen += 1
                assert url.startswith(PUBLIC_URL), f"{path.relative_to(public_site)}: {url}"
    assert seen > 50
    course = next(node for block in links_of((public_site / "index.html").read_text(encoding="utf-8")).jsonld
                  for node in block["@graph"] if node["@type"] == "Course")
    assert course["url"] == PUBLIC_URL and course["@id"] == PUBLIC_URL + "#course"


def test_absolute_links_stay_on_the_public_site(public_site):
    """A link to another page of the course is relative (works wherever the files are) or under PUBLIC_URL; an
    absolute link to another host is the one the pages mean to give (the theme's "Made with Material" footer)."""
    outside = set()
    for name, data in shipped_files(public_site):
        if not name.endswith((".html", ".xml")) or name.startswith(("engine/", "vendor/")):
            continue
        text = data.decode("utf-8")
        urls = links_of(text).urls if name.endswith(".html") else re.findall(r'(?:href|src)="([^"]+)"', text)
        for url in urls:
            parsed = urllib.parse.urlsplit(url)
            if parsed.scheme in ("http", "https") and not url.startswith(PUBLIC_URL):
                outside.add(f"{parsed.scheme}://{parsed.netloc}")
    assert not outside - {"https://squidfunk.github.io"}, sorted(outside)


def test_engine_finds_its_files_relative_to_itself(public_site):
    engine = json.loads((public_site / "engine" / "engine.json").read_text())
    wheel = urllib.parse.urlsplit(engine["wheel"])
    assert not wheel.scheme and not wheel.netloc and not wheel.path.startswith("/")
    assert (public_site / "engine" / wheel.path).is_file()


def test_readme_headers_are_the_pages_policy():
    """README's "Publish" gives hosts the policy every page carries as <meta> (sequencehub.csp.POLICY) with
    frame-ancestors added, in its text and in both nginx blocks (pages: 'self'; embeds: any site)."""
    from sequencehub import csp
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Publish"):readme.index("\n## ", readme.index("## Publish") + 1)]
    assert f"`{csp.POLICY}; frame-ancestors 'self'`" in section
    headers = re.findall(r'add_header Content-Security-Policy "([^"]+)"', section)
    assert headers == [f"{csp.POLICY}; frame-ancestors 'self'", f"{csp.POLICY}; frame-ancestors *"]
    assert "application/wasm" in section and "immutable" in section
