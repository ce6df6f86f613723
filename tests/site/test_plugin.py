"""The sequencehub plugin on small sites built in temporary folders: errors name docs/<file>:<line> of the source
(front matter counted), the quiz widget carries its hooks and answer data, LMS exports are valid, JSON-LD parses,
the glossary is checked, and a configured engine that is missing fails a strict build."""
import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile

import pytest

# `make test` runs two pytest-xdist workers: this module's tests run on one of them, which builds
# each of its sites once.
pytestmark = pytest.mark.xdist_group("plugin-builds")

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"

LESSON = """\
---
title: A lesson
description: A lesson about recurrent networks used to test the plugin.
author: {name: "Ada Example", role: "Tester"}
skill: first
requires: []
order: 1
---

# A lesson

A recurrent network keeps a hidden state. The RNN reads one step at a time.

```quiz id="first" title="Check" xp="5" pass="0.5"
? Which model was designed to solve the vanishing gradient problem?
( ) A deeper plain RNN
  > Depth makes it worse.
(x) LSTM
  > Right: the cell state.
! The constant error carousel.

? Which help against exploding gradients?
[x] Clipping
  > Yes.
[ ] A larger learning rate
  > No.
! Clipping bounds the step.

? How many parameters does an RNN with $I=3$, $H=4$ have?
= 36 +- 0
! $H(I+H+1)$ with one bias.
```
"""

GLOSSARY = """\
---
title: Glossary
---

# Glossary

### Recurrent neural network (RNN) { #rnn }
**Definition:** A network that reads a sequence one step at a time.
**Code:** `h[t] = tanh(W @ x[t] + U @ h[t-1])`
**Taught in:** [A lesson](lesson.md)
**Also:** RNN, RNNs, recurrent network
"""


def make_site(root, pages, plugin_options=""):
    (root / "docs").mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        path = root / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: Test course
        site_url: https://example.org/course/
        theme:
          name: material
          font: false
        plugins:
          - sequencehub:
              node_modules: {pathlib_root()}/node_modules
        {textwrap.indent(plugin_options, "      ")}
        markdown_extensions:
          - attr_list
          - md_in_html
          - pymdownx.arithmatex:
              generic: true
        """), encoding="utf-8")
    return root


def pathlib_root():
    import pathlib
    return pathlib.Path(__file__).resolve().parents[2]


def build(root, strict=True):
    # not -q: a quiet MkDocs stops counting warnings, so --strict would not fail on them
    args = [sys.executable, "-m", "mkdocs", "build"] + (["--strict"] if strict else [])
    return subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


@pytest.fixture(scope="module")
def good_site(tmp_path_factory):
    root = make_site(tmp_path_factory.mktemp("good"), {"index.md": "# Home\n\nAn RNN course.\n",
                                                       "lesson.md": LESSON, "glossary.md": GLOSSARY})
    result = build(root)
    assert result.returncode == 0, result.stderr[-3000:]
    return root / "site"


def test_quiz_widget_has_hooks_and_answer_data(good_site):
    page = (good_site / "lesson" / "index.html").read_text(encoding="utf-8")
    assert page.count('data-quiz="first"') == 1
    assert len(re.findall(r"<li [^>]*data-question=", page)) == 3
    assert len(re.findall(r"data-option=", page)) == 4
    assert page.count("data-answer-input") == 1 and page.count("data-check") == 3
    assert page.count("data-feedback") == 3
    data = json.loads(__import__("html").unescape(re.search(r'data-quiz-answers="([^"]*)"', page).group(1)))
    assert data["pass"] == 0.5 and data["xp"] == 5
    assert [q["kind"] for q in data["questions"]] == ["single", "multiple", "numeric"]
    assert data["questions"][0]["correct"] == [1] and data["questions"][2]["value"] == 36
    assert 'class="sh-math"' in page and 'class="katex"' in page, "math in quiz text is typeset at build time"
    assert 'class="arithmatex"' not in page
    assert 'href="../quizzes/first.gift"' in page and 'href="../quizzes/first.qti.zip"' in page


def test_pages_get_scripts_author_card_and_tooltips(good_site):
    page = (good_site / "lesson" / "index.html").read_text(encoding="utf-8")
    assert '<script src="../assets/sequencehub/main.js" type="module">' in page
    assert 'href="../assets/vendor/katex/katex.min.css"' in page
    assert 'class="sh-author"' in page and "Ada Example" in page and "Tester" in page
    links = re.findall(r'<a class="sh-term" href="([^"]+)"[^>]*>([^<]+)</a>', page)
    assert links == [("../glossary/#rnn", "recurrent network")], "first occurrence only, never in headings"
    for path in ("assets/sequencehub/main.js", "assets/sequencehub/quiz/quiz.js", "assets/vendor/katex/katex.min.css",
                 "assets/sequencehub/vendor/echarts.min.js"):
        assert (good_site / path).is_file(), path
    assert list((good_site / "assets/vendor/katex/fonts").glob("*.woff2"))


def jsonld(path):
    text = path.read_text(encoding="utf-8")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert len(blocks) == 1, path
    return json.loads(blocks[0])


def test_jsonld(good_site):
    home = jsonld(good_site / "index.html")["@graph"]
    assert home[0]["@type"] == "Course" and home[0]["provider"]["name"] == "Test course"
    lesson = jsonld(good_site / "lesson" / "index.html")["@graph"][0]
    assert lesson["@type"] == "LearningResource" and lesson["author"] == {
        "@type": "Person", "name": "Ada Example", "jobTitle": "Tester"}
    quiz = lesson["hasPart"][0]
    assert quiz["@type"] == "Quiz" and len(quiz["hasPart"]) == 3
    assert quiz["hasPart"][0]["acceptedAnswer"]["text"] == "LSTM"
    terms = jsonld(good_site / "glossary" / "index.html")["@graph"][-1]
    assert terms["@type"] == "DefinedTermSet"
    assert terms["hasDefinedTerm"][0]["alternateName"] == ["RNN", "RNNs", "recurrent network"]
    assert terms["hasDefinedTerm"][0]["subjectOf"]["url"] == "https://example.org/course/lesson/"


def test_gift_export(good_site):
    text = (good_site / "quizzes" / "first.gift").read_text(encoding="utf-8")
    assert "::first 1::[html]Which model was designed" in text
    assert "\t=LSTM#Right\\: the cell state." in text and "\t~A deeper plain RNN#Depth makes it worse." in text
    assert "\t~%100%Clipping#Yes." in text and "\t~%-100%A larger learning rate#No." in text
    assert "{#\n\t=36:0\n" in text and "####" in text
    body = re.sub(r"\\.", "", text)
    assert body.count("{") == body.count("}") == 3


def test_qti_package(good_site):
    with zipfile.ZipFile(good_site / "quizzes" / "first.qti.zip") as zf:
        names = zf.namelist()
        files = {name: ET.fromstring(zf.read(name)) for name in names}
    assert set(names) == {"imsmanifest.xml", "assessment.xml", "items/q1.xml", "items/q2.xml", "items/q3.xml"}
    manifest = files["imsmanifest.xml"]
    assert manifest.tag == f"{CP}manifest"
    hrefs = {r.get("href") for r in manifest.iter(f"{CP}resource")}
    assert hrefs == {"assessment.xml", "items/q1.xml", "items/q2.xml", "items/q3.xml"}
    assert files["assessment.xml"].tag == f"{QTI}assessmentTest"
    single, multiple, numeric = (files[f"items/q{n}.xml"] for n in (1, 2, 3))
    for item in (single, multiple, numeric):
        assert item.tag == f"{QTI}assessmentItem"
        assert item.find(f"{QTI}responseProcessing") is not None
    assert single.find(f".//{QTI}choiceInteraction").get("maxChoices") == "1"
    assert [v.text for v in single.iter(f"{QTI}value")][:1] == ["choice1"]
    assert multiple.find(f"{QTI}responseDeclaration").get("cardinality") == "multiple"
    assert numeric.find(f".//{QTI}textEntryInteraction") is not None
    assert numeric.find(f".//{QTI}equal").get("tolerance") == "0 0"


def test_exports_are_reproducible(good_site, tmp_path):
    first = (good_site / "quizzes" / "first.qti.zip").read_bytes()
    result = build(good_site.parent)
    assert result.returncode == 0
    assert (good_site / "quizzes" / "first.qti.zip").read_bytes() == first


BROKEN = LESSON.replace("= 36 +- 0", "= thirty-six")


OVERRIDES = {
    # a site's own embed page and glossary card, in its custom_dir: they win over the plugin's
    "embed.html": '<!doctype html><html lang="{{ lang }}"><head><title>{{ title }}</title></head>'
                  '<body data-mine="{{ kind }}/{{ unit_id }}">{{ body }}</body></html>\n',
    "partials/sequencehub/glossary-card.html": '### {{ md.term }} { #{{ entry.id }} }\n\n'
                                              '<p class="my-card" markdown="span">{{ md.definition }}</p>',
}


@pytest.fixture(scope="module")
def overriding_site(tmp_path_factory):
    root = make_site(tmp_path_factory.mktemp("custom-dir"), {"index.md": "# Home\n", "lesson.md": LESSON,
                                                            "glossary.md": GLOSSARY})
    for name, text in OVERRIDES.items():
        (root / "theme" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "theme" / name).write_text(text, encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  font: false\n", "  font: false\n  custom_dir: theme\n"))
    result = build(root)
    assert result.returncode == 0, result.stderr[-3000:]
    return root / "site"


def test_a_sites_custom_dir_overrides_the_embed_page(good_site, overriding_site):
    page = (overriding_site / "embed" / "v1" / "quiz" / "first" / "index.html").read_text(encoding="utf-8")
    assert page.startswith('<!doctype html><html lang="en"><head><title>Check</title></head>')
    assert '<body data-mine="quiz/first">' in page and 'data-quiz="first"' in page
    assert "sh-embed-root" not in page
    alias = (overriding_site / "embed" / "quiz" / "first" / "index.html").read_text(encoding="utf-8")
    assert alias == page
    default = (good_site / "embed" / "v1" / "quiz" / "first" / "index.html").read_text(encoding="utf-8")
    assert 'class="sh-embed-root"' in default and "data-mine" not in default


def test_a_sites_custom_dir_overrides_the_glossary_card(good_site, overriding_site):
    page = (overriding_site / "glossary" / "index.html").read_text(encoding="utf-8")
    assert '<p class="my-card">A network that reads a sequence one step at a time.</p>' in page
    assert 'id="rnn"' in page and "sh-glossary__entry" not in page
    assert 'class="sh-glossary__index"' in page                     # the partials it does not override stay
    default = (good_site / "glossary" / "index.html").read_text(encoding="utf-8")
    assert 'class="sh-glossary__entry"' in default and "my-card" not in default


def test_malformed_quiz_fails_with_source_file_and_line(tmp_path):
    root = make_site(tmp_path, {"index.md": "# Home\n", "lessons/bad.md": BROKEN.replace("skill: first", "skill: bad")})
    result = build(root, strict=False)
    assert result.returncode != 0
    line = BROKEN.splitlines().index("= thirty-six") + 1          # counted in the file, front matter included
    assert f"docs/lessons/bad.md:{line}: `thirty-six` is not a number" in result.stderr, result.stderr[-2000:]


def test_duplicate_quiz_id_across_pages(tmp_path):
    other = LESSON.replace("skill: first", "skill: second")
    root = make_site(tmp_path, {"index.md": "# Home\n", "a.md": LESSON, "b.md": other})
    result = build(root, strict=False)
    assert result.returncode != 0
    line = LESSON.splitlines().index('```quiz id="first" title="Check" xp="5" pass="0.5"') + 1
    assert re.search(rf"docs/b\.md:{line}: quiz id `first` is already used at docs/a\.md:{line}", result.stderr), \
        result.stderr[-2000:]


def test_malformed_glossary_entry_fails_with_line(tmp_path):
    bad = GLOSSARY.replace("**Code:**", "**Example:**")
    root = make_site(tmp_path, {"index.md": "# Home\n", "lesson.md": LESSON, "glossary.md": bad})
    result = build(root, strict=False)
    assert result.returncode != 0
    assert "docs/glossary.md:9: entry `Recurrent neural network (RNN)`: line 3 of the entry must be `**Code:** ...`" \
        in result.stderr, result.stderr[-2000:]


def test_missing_engine_fails_strict_only(tmp_path):
    root = make_site(tmp_path, {"index.md": "# Home\n"}, plugin_options="engine_dir: no/such/engine")
    strict = build(root, strict=True)
    assert strict.returncode != 0 and "engine_dir" in strict.stderr and "make engine" in strict.stderr
    assert build(root, strict=False).returncode == 0


def test_unknown_prerequisite_fails(tmp_path):
    root = make_site(tmp_path, {"index.md": "# Home\n", "lesson.md": LESSON.replace("requires: []", "requires: [nope]")})
    result = build(root, strict=False)
    assert result.returncode != 0 and "requires unknown skill `nope`" in result.stderr
