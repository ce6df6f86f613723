"""The real site, as `make site` builds it (`mkdocs build --strict`, which `make test` runs first; a second build
into a temporary folder would only repeat it, and the session's strict build for a sub-path, conftest's
public_site, already builds from scratch): structured data on every page, one quiz widget and LMS export per
lesson, the glossary and FAQ as structured data, nothing loaded from elsewhere. SEQUENCEHUB_SITE names another
build."""
import html
import json
import re
import zipfile

import pytest

from shtest import SITE

LESSONS = ["hidden-state", "vanishing-gradient", "lstm", "gru", "bidirectional", "forecasting", "sentiment",
           "translation"]


@pytest.fixture(scope="module")
def site():
    if not (SITE / "index.html").is_file():
        pytest.fail("site/ is not built: run `make site` (make test does it first)")
    return SITE


def pages(site):
    return [p for p in sorted(site.rglob("*.html"))
            if not p.relative_to(site).as_posix().startswith(("embed/", "engine/", "assets/"))]


def jsonld(path):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', path.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, f"{path}: {len(blocks)} JSON-LD blocks"
    data = json.loads(blocks[0])
    assert data["@context"] == "https://schema.org"
    return {node["@type"]: node for node in data["@graph"]}


def test_every_page_has_valid_jsonld(site):
    for path in pages(site):
        nodes = jsonld(path)
        assert nodes, path


def test_course_lessons_and_quizzes_in_jsonld(site):
    course = jsonld(site / "index.html")["Course"]
    assert len(course["hasPart"]) == len(LESSONS) and course["provider"]["name"] == "Sequence Hub"
    for slug in LESSONS:
        lesson = jsonld(site / "lessons" / slug / "index.html")["LearningResource"]
        assert lesson["author"]["name"] and lesson["author"]["jobTitle"]
        assert lesson["hasPart"][0]["@type"] == "Quiz" and lesson["hasPart"][0]["hasPart"]
    vg = jsonld(site / "lessons" / "vanishing-gradient" / "index.html")["LearningResource"]["hasPart"][0]
    first = next(q for q in vg["hasPart"] if "designed to solve" in q["text"])
    assert first["acceptedAnswer"]["text"] == "LSTM"


def test_faq_and_glossary_jsonld(site):
    faq = jsonld(site / "faq" / "index.html")["FAQPage"]
    assert len(faq["mainEntity"]) >= 10
    for question in faq["mainEntity"]:
        assert question["name"].endswith("?") and len(question["acceptedAnswer"]["text"]) > 50
    terms = jsonld(site / "glossary" / "index.html")["DefinedTermSet"]["hasDefinedTerm"]
    assert len(terms) >= 15 and [t["termCode"] for t in terms[:2]] == ["rnn", "hidden-state"]
    assert all(t["description"] and t.get("subjectOf") for t in terms)


def test_each_lesson_has_its_quiz_and_exports(site):
    for slug in LESSONS:
        text = (site / "lessons" / slug / "index.html").read_text(encoding="utf-8")
        assert text.count(f'data-quiz="{slug}"') == 1
        assert f'href="../../quizzes/{slug}.gift"' in text
        assert (site / "quizzes" / f"{slug}.gift").read_text(encoding="utf-8").count("::") >= 6
        with zipfile.ZipFile(site / "quizzes" / f"{slug}.qti.zip") as zf:
            assert "imsmanifest.xml" in zf.namelist()


def test_course_json_and_skill_matrix(site):
    text = (site / "skills" / "index.html").read_text(encoding="utf-8")
    course = json.loads(re.search(r'<script type="application/json" id="sequencehub-course">(.*?)</script>', text,
                                  re.S).group(1))
    assert [lesson["id"] for lesson in course["lessons"]] == LESSONS
    assert course["skills_url"] == "skills/"
    assert all(lesson["quizzes"] for lesson in course["lessons"])
    assert re.search(r"<div data-skill-matrix><ol class=\"sh-skills__fallback\">", text)


def test_glossary_cards_and_tooltips(site):
    text = (site / "glossary" / "index.html").read_text(encoding="utf-8")
    assert 'class="sh-glossary__index"' in text and text.count('class="sh-glossary__entry"') >= 15
    lesson = (site / "lessons" / "lstm" / "index.html").read_text(encoding="utf-8")
    terms = re.findall(r'<a class="sh-term" href="([^"]+)" title="([^"]+)" data-term="([^"]+)"', lesson)
    assert terms and len({t[2] for t in terms}) == len(terms), "one tooltip per term and page"
    assert all(href.startswith("../../glossary/#") for href, _, _ in terms)
    for heading in re.findall(r"<h[1-6][^>]*>.*?</h[1-6]>", lesson, re.S):
        assert "sh-term" not in heading


def test_nothing_is_loaded_from_elsewhere(site):
    for path in pages(site):
        text = path.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, path
        for element in re.findall(r"<(?:script|link|img|iframe|source|audio|video)\b[^>]*>", text):
            if re.search(r'rel="(canonical|alternate)"', element):
                continue                      # names the page's public address; nothing is fetched
            for url in re.findall(r'\b(?:src|href)="([^"]+)"', element):
                assert not re.match(r"^(https?:)?//", url), f"{path}: {element} loads {url}"
    css = (site / "assets" / "vendor" / "katex" / "katex.min.css").read_text(encoding="utf-8")
    # each @font-face lists woff2 first: every browser that runs the demos takes it and never asks for the
    # woff/ttf fallbacks, which the site does not publish (the offline cache would otherwise hold three copies)
    faces = re.findall(r"@font-face\{[^}]*\}", css)
    assert faces
    for face in faces:
        url = re.search(r"url\(([^)]+)\)", face).group(1)
        assert url.strip("'\"").endswith(".woff2"), face
        assert (site / "assets" / "vendor" / "katex" / html.unescape(url).strip("'\"")).is_file(), url
