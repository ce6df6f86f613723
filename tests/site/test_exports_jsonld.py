"""Structured data that search engines and LMS importers read: the course is named as the site is, every question
carries its accepted answer (a generated one: the fixed instance the LMS exports carry, answered by the core),
and question texts are plain text with math written out in Unicode, never raw TeX."""
import json
import re

import pytest

from shtest import ROOT, SITE

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def graph(path):
    return json.loads(SCRIPT.search(path.read_text(encoding="utf-8")).group(1))["@graph"]


def site_name():
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    return re.search(r"^site_name:\s*(.+)$", text, re.M).group(1).strip().strip("'\"")


def questions():
    for path in sorted((SITE / "lessons").glob("*/index.html")):
        for node in graph(path):
            for quiz in node.get("hasPart", []):
                if quiz.get("@type") == "Quiz":
                    yield from ((path.parent.name, q) for q in quiz["hasPart"])


def test_the_course_is_named_as_the_site():
    course = next(n for n in graph(SITE / "index.html") if n["@type"] == "Course")
    assert course["name"] == site_name() and course["name"] != "Overview"


def test_every_question_has_an_accepted_answer():
    found = list(questions())
    assert len(found) > 20
    for lesson, q in found:
        assert q.get("acceptedAnswer"), (lesson, q["text"])


@pytest.mark.parametrize("kind,asks", [("rnn-h2", "What is h_2"), ("lstm-c1", "what is the cell state c_1"),
                                       ("attention-a1", "What is the attention weight a_1")])
def test_generated_questions_carry_the_cores_answer(kind, asks):
    demos = pytest.importorskip("rnncore.demos")
    expected = demos.quiz_grade(kind, 0, "0")["expected"]
    generated = [q for _, q in questions() if "Give 3 decimals" in q["text"] and asks in q["text"]]
    assert generated
    assert any(float(q["acceptedAnswer"]["text"]) == expected for q in generated)


def test_question_texts_are_plain_text():
    texts = [q["text"] for _, q in questions()]
    texts += [a["text"] for _, q in questions() for key in ("acceptedAnswer", "suggestedAnswer")
              for a in (q.get(key) if isinstance(q.get(key), list) else [q.get(key)] if q.get(key) else [])]
    assert not [t for t in texts if "\\(" in t or "\\[" in t or re.search(r"</?(span|code|em|strong|p|a|sub|sup|div|math|br)\b", t)]
    assert any(re.search("[₀-₉ₜ]", t) for t in texts)          # c₁, h_t ... as Unicode
