"""The Nu Html Checker (vnu.jar from npm `vnu-jar`, on Debian's default-jre-headless) finds no error in any markup
the project generates: every page of the built site, every embed page and every SCORM lesson page.

Material for MkDocs' own templates produce a few errors the project cannot change without forking the theme;
each is listed in THEME_ERRORS with the template it comes from, and only those are let through.
"""
import json
import re
import subprocess
import zipfile

from shtest import ROOT, SITE

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SKIP_DIRS = ("assets/", "engine/", "search/")          # vendored files, the engine: not our markup

# (message pattern, the Material for MkDocs template that writes it)
THEME_ERRORS = [
    # <input class="md-toggle" type="checkbox" autocomplete="off"> for the drawer and search toggles
    (r"^Attribute “autocomplete” is only allowed when the input type is", "material/templates/base.html"),
    # <label class="md-nav__link" tabindex="{{ tabindex }}"> with an empty tabindex for a section without its
    # own page
    (r"^Bad value “” for attribute “tabindex” on element “label”", "material/templates/partials/nav-item.html"),
]


def html_files(tmp_path):
    files = [p for p in sorted(SITE.rglob("*.html"))
             if not p.relative_to(SITE).as_posix().startswith(SKIP_DIRS)]
    for package in sorted((SITE / "scorm").glob("*.zip")):
        target = tmp_path / "scorm" / package.stem
        target.mkdir(parents=True)
        with zipfile.ZipFile(package) as zf:
            (target / "index.html").write_bytes(zf.read("index.html"))
        files.append(target / "index.html")
    return files


def vnu(files):
    assert VNU.is_file(), "vnu.jar missing: run `npm ci` (package.json pins vnu-jar)"
    done = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--errors-only", *map(str, files)],
                          capture_output=True, text=True, check=False, timeout=600)
    assert done.stderr.strip().startswith("{"), done.stderr[-2000:]
    return json.loads(done.stderr)["messages"]


def test_no_html_error_in_generated_markup(tmp_path):
    files = html_files(tmp_path)
    assert len(files) > 30
    planted = tmp_path / "planted.html"          # the checker is real: the old figure markup is an error
    planted.write_text('<!doctype html><html lang="en"><head><title>x</title></head><body>'
                       '<figure class="sh-figure" markdown="0"><figcaption>x</figcaption></figure></body></html>',
                       encoding="utf-8")
    messages = vnu([*files, planted])
    errors = [m for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]
    assert any(m["url"].endswith("planted.html") and "markdown" in m["message"] for m in errors)
    unexplained = []
    for m in errors:
        if m["url"].endswith("planted.html"):
            continue
        if any(re.search(pattern, m["message"]) for pattern, _template in THEME_ERRORS):
            continue
        where = m["url"].split(str(SITE), 1)[-1].split(str(tmp_path), 1)[-1]
        unexplained.append(f"{where}:{m.get('lastLine')}: {m['message']} [{m.get('extract', '').strip()[:120]}]")
    assert not unexplained, "\n".join(sorted(set(unexplained))[:60])
