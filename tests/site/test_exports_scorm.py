"""SCORM packages as built: self-contained (every URL the page uses is in the zip, none points at this machine),
carrying only the engine files the lesson runs, and the build reports each package's size."""
import html
import logging
import re
import zipfile

import pytest

from mkdocs.theme import Theme

from sequencehub.embed import pages, scorm
from shtest import SITE

URL = re.compile(r'(?<![\w-])(?:src|href)="([^"]*)"')


def packages():
    found = sorted((SITE / "scorm").glob("*.zip"))
    assert found, "no SCORM packages: build the site first (make site)"
    return found


def _tiny_package(tmp_path, **options):
    """Build a one-paragraph lesson's package with `options`; return its page's HTML."""
    site = tmp_path / "site"
    (site / "lessons" / "x").mkdir(parents=True, exist_ok=True)
    schemas = {}
    for name in scorm.SCHEMAS:
        (tmp_path / name).write_text("<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'/>")
        schemas[name] = tmp_path / name
    assets = {"stylesheets": [], "scripts": [], "palette": {}, "icon": None, "lang": "en"}
    out = site / "scorm" / "x.zip"
    scorm.build_package(site, out, slug="x", title="X", content="<p>x</p>", page_dest="lessons/x/index.html",
                        assets=assets, site_name="S", schemas=schemas, env=pages.environment(Theme(name="material")),
                        **options)
    with zipfile.ZipFile(out) as zf:
        return zf.read("index.html").decode("utf-8")


@pytest.mark.parametrize("package", packages(), ids=lambda p: p.stem)
def test_package_is_self_contained_with_no_local_link(package):
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        page = zf.read("index.html").decode("utf-8")
    for url in map(html.unescape, URL.findall(page)):
        assert not re.match(r"(?i)(file:|/|https?://(127\.|localhost|\[::1\]))", url), url
        if url.startswith(("#", "data:", "http://", "https://", "mailto:")):
            continue
        assert url.split("#", 1)[0].split("?", 1)[0] in names, url


@pytest.mark.parametrize("package", packages(), ids=lambda p: p.stem)
def test_package_carries_only_the_engine_files_its_lesson_runs(package):
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        page = zf.read("index.html").decode("utf-8")
    demos = set(re.findall(r'data-demo="([^"]+)"', page))
    engine = {n for n in names if n.startswith("engine/")}
    if scorm.needs_engine(page):
        assert "engine/engine.json" in engine and any(n.endswith(".whl") for n in engine)
    else:
        assert not engine
    models = {n for n in engine if n.startswith("engine/models/")}
    wanted = set()                          # the models the lesson's demo modules load, and no other
    for demo in demos:
        module = (SITE / "assets" / "sequencehub" / "demos" / f"{demo}.js").read_text(encoding="utf-8")
        wanted.update(re.findall(r"engine/models/[A-Za-z0-9_.-]+", module))
    assert models == wanted, (sorted(demos), sorted(models))
    assert len(models) <= 1                 # no lesson ships every model


def test_only_a_public_site_url_is_linked():
    for local in ("http://127.0.0.1:8000/", "http://localhost:8000/course/", "http://[::1]:8000/", ""):
        assert scorm.public_url(local) is None, local
    assert scorm.public_url("https://example.org/course/") == "https://example.org/course/"


def test_links_to_other_pages_follow_the_public_site_url(tmp_path):
    (tmp_path / "lessons" / "a").mkdir(parents=True)
    content = '<p><a href="../b/">next</a></p>'
    linked, _ = scorm.rewrite_links(content, "lessons/a/index.html", tmp_path,
                                    scorm.public_url("https://example.org/c/"))
    assert 'href="https://example.org/c/lessons/b/"' in linked
    plain, _ = scorm.rewrite_links(content, "lessons/a/index.html", tmp_path, scorm.public_url("http://127.0.0.1:8000/"))
    assert " href=" not in plain and 'data-site-href="lessons/b/"' in plain


def test_the_build_logs_each_package_size(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.sequencehub.embed"):
        _tiny_package(tmp_path)
    assert re.search(r"scorm/x\.zip: \d+\.\d MB, \d+ files", caplog.text)


@pytest.mark.parametrize("package", packages(), ids=lambda p: p.stem)
def test_package_page_carries_the_sites_content_security_policy(package):
    from sequencehub import csp
    with zipfile.ZipFile(package) as zf:
        page = zf.read("index.html").decode("utf-8")
    policies = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert [html.unescape(p) for p in policies] == [csp.POLICY]
    assert page.index("Content-Security-Policy") < page.index("<script")      # it governs every script


def test_the_score_rule_reaches_the_package_page(tmp_path):
    """The plugin's scorm_score ("first" unless the author says "best") is what the page tells scorm.js."""
    assert re.search(r'<body [^>]*data-sh-scorm-score="first"', _tiny_package(tmp_path))
    assert re.search(r'<body [^>]*data-sh-scorm-score="best"', _tiny_package(tmp_path, score="best"))
    with pytest.raises(ValueError, match=r"score must be 'first' or 'best', not 'most'"):
        _tiny_package(tmp_path, score="most")
    for package in packages():              # this site keeps the default
        with zipfile.ZipFile(package) as zf:
            assert 'data-sh-scorm-score="first"' in zf.read("index.html").decode("utf-8")
