"""Every GIFT file the site exports parses with gift-pegjs (the GIFT grammar editors and importers use) and says
what its quiz says: the same questions, right options, numbers and tolerances, feedback and explanations, and a
multiple-answer question scores exactly as the QTI package scores it (the same weight for each option)."""
import html
import json
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import pytest

from sequencehub import htmltext
from shtest import ROOT, SITE

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
PARSER = ROOT / "tests" / "site" / "gift_parse.cjs"


def gift_files():
    found = sorted((SITE / "quizzes").glob("*.gift"))
    assert found, f"no GIFT files under {SITE / 'quizzes'}: build the site first (make site)"
    return found


@pytest.fixture(scope="module")
def parsed():
    files = gift_files()
    done = subprocess.run(["node", str(PARSER), *map(str, files)], capture_output=True, text=True, cwd=ROOT,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return {pathlib_stem(name): questions for name, questions in json.loads(done.stdout).items()}


def pathlib_stem(name):
    return name.rsplit("/", 1)[-1].removesuffix(".gift")


@pytest.fixture(scope="module")
def qti_items():
    """{quiz id: [assessmentItem root, ...]} in question order."""
    out = {}
    for path in sorted((SITE / "quizzes").glob("*.qti.zip")):
        with zipfile.ZipFile(path) as zf:
            test = ET.fromstring(zf.read("assessment.xml"))
            refs = [ref.get("href") for ref in test.iter(f"{QTI}assessmentItemRef")]
            out[path.name.removesuffix(".qti.zip")] = [ET.fromstring(zf.read(href)) for href in refs]
    return out


def test_every_gift_file_parses(parsed):
    for quiz, questions in parsed.items():
        assert isinstance(questions, list), f"{quiz}.gift: {questions}"
        assert questions[0]["type"] == "Category" and questions[0]["title"] == f"$course$/{quiz}"
        assert len(questions) > 3


def test_a_broken_file_does_not_parse(tmp_path):
    """The parser is real: an unclosed answer block is an error, not a question."""
    bad = tmp_path / "bad.gift"
    bad.write_text("::x::[html]What? {\n\t=yes\n\t~no\n", encoding="utf-8")
    done = subprocess.run(["node", str(PARSER), str(bad)], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "error" in json.loads(done.stdout)[str(bad)]


def _text(element):
    return "".join(element.itertext()).strip() if element is not None else ""


def _weights_of(item):
    mapping = item.find(f"{QTI}responseDeclaration/{QTI}mapping")
    if mapping is None:
        return None
    return {entry.get("mapKey"): float(entry.get("mappedValue")) for entry in mapping}


def test_gift_matches_the_quiz_and_the_qti_package(parsed, qti_items):
    """Question for question, the GIFT file and the QTI package (both exported from the quiz's source) agree."""
    for quiz, questions in parsed.items():
        questions = [q for q in questions if q["type"] != "Category"]
        items = qti_items[quiz]
        assert len(questions) == len(items), quiz
        for n, (q, item) in enumerate(zip(questions, items), start=1):
            assert q["title"] == f"{quiz} {n}"
            assert q["stem"]["format"] == "html" and q["stem"]["text"].strip()
            declaration = item.find(f"{QTI}responseDeclaration")
            correct = [v.text for v in declaration.iter(f"{QTI}value")]
            if q["type"] == "MC":
                choices = item.findall(f".//{QTI}simpleChoice")
                assert len(q["choices"]) == len(choices), (quiz, n)
                weights = _weights_of(item)
                for i, (choice, simple) in enumerate(zip(q["choices"], choices)):
                    if weights is None:            # single answer: "=" marks the right one
                        assert choice["isCorrect"] == (f"choice{i}" in correct), (quiz, n, i)
                    else:                          # multiple answers: the same weight in both formats
                        assert choice["weight"] == pytest.approx(100 * weights[f"choice{i}"], abs=1e-3), (quiz, n, i)
                        assert (choice["weight"] > 0) == (f"choice{i}" in correct)
                    if choice.get("feedback"):
                        assert choice["feedback"]["text"].strip()
                        assert simple.find(f"{QTI}feedbackInline") is not None
            else:
                assert q["type"] == "Numerical", (quiz, n, q["type"])
                answer = q["choices"][0]["text"] if isinstance(q["choices"], list) else q["choices"]
                assert answer["type"] == "range"              # GIFT `=value:tolerance`
                assert answer["number"] == pytest.approx(float(correct[0]))
                tolerance = item.find(f".//{QTI}equal").get("tolerance").split()[0]
                assert answer["range"] == pytest.approx(float(tolerance))
            explanation = item.find(f"{QTI}modalFeedback")
            assert bool(q["globalFeedback"] and q["globalFeedback"]["text"].strip()) == (explanation is not None)


def test_multiple_answers_give_partial_credit_in_both_formats(parsed, qti_items):
    seen = 0
    for quiz, items in qti_items.items():
        for item in items:
            weights = _weights_of(item)
            if weights is None:
                continue
            seen += 1
            right = [w for w in weights.values() if w > 0]
            wrong = [w for w in weights.values() if w < 0]
            assert sum(right) == pytest.approx(1) and (not wrong or sum(wrong) == pytest.approx(-1))
            processing = item.find(f"{QTI}responseProcessing")
            assert processing.find(f".//{QTI}mapResponse") is not None
            mapping = item.find(f"{QTI}responseDeclaration/{QTI}mapping")
            assert (mapping.get("lowerBound"), mapping.get("upperBound")) == ("0", "1")
    assert seen >= 3


def test_math_stays_tex_for_moodle(parsed):
    """Moodle's MathJax filter typesets \\( \\) in GIFT: the formulas are there, escaped for GIFT, intact after
    parsing."""
    texts = [q["stem"]["text"] for questions in parsed.values() for q in questions if q.get("stem")]
    assert sum("\\(" in t for t in texts) >= 5
    assert not any("<math" in t for t in texts)


LEGEND = re.compile(r'<legend class="sh-quiz__prompt" id="sh-[^"]*-prompt">(.*?)</legend>', re.S)
ANSWERS = re.compile(r'data-quiz="([^"]+)"[^>]*data-quiz-answers="([^"]*)"')


TEX = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)


def as_source(value):
    """Page text with its math as the exports carry it: the page's math is typeset at build time (KaTeX's
    markup, its TeX in an annotation, and its text for the search index beside it); GIFT keeps arithmatex's
    \\(...\\) for the LMS to typeset."""
    if isinstance(value, dict):
        return {k: as_source(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_source(v) for v in value]
    if not isinstance(value, str) or "sh-math" not in value:
        return value

    def source(el):
        tex = html.escape(html.unescape(TEX.search(el.inner).group(1)), quote=False)   # as arithmatex escapes
        if el.tag == "div":
            return f'<div class="arithmatex">\\[{tex}\\]</div>'
        return f'<span class="arithmatex">\\({tex}\\)</span>'

    value = htmltext.replace_elements(value, lambda el: "sh-math__text" in el.attrs.get("class", "").split(),
                                      lambda el: "")
    return htmltext.replace_elements(value, lambda el: "sh-math" in el.attrs.get("class", "").split(), source)


def page_quizzes():
    """{quiz id: (question prompts as the page renders them, the widget's answer data)} from the built pages."""
    out = {}
    for path in sorted(SITE.rglob("*.html")):
        rel = path.relative_to(SITE).as_posix()
        if rel.startswith(("embed/", "assets/")):
            continue
        text = path.read_text(encoding="utf-8")
        for match in ANSWERS.finditer(text):
            section = text[match.start():text.index("</section>", match.start())]
            out.setdefault(match.group(1), (as_source(LEGEND.findall(section)),
                                            as_source(json.loads(html.unescape(match.group(2))))))
    return out


def test_gift_says_what_the_page_says_escaping_included(parsed):
    """After GIFT's escaping and gift-pegjs' unescaping, every text is the HTML the quiz's page shows: prompts,
    options, per-option feedback and explanations (GIFT's special characters ~ = # { } : \\ included)."""
    pages = page_quizzes()
    special = 0
    for quiz, questions in parsed.items():
        prompts, data = pages[quiz]
        questions = [q for q in questions if q["type"] != "Category"]
        assert len(questions) == len(prompts) == len(data["questions"]), quiz
        for q, prompt, item in zip(questions, prompts, data["questions"]):
            stem = q["stem"]["text"]
            if item["kind"] == "generate":                 # the prompt, then the fixed instance's numbers
                assert stem.startswith(prompt.strip()), (quiz, item["id"])
            else:
                assert stem == prompt.strip(), (quiz, item["id"])
            special += sum(stem.count(c) for c in "~=#{}:\\")
            if item.get("explanation"):
                assert q["globalFeedback"]["text"].startswith(item["explanation"].strip()), (quiz, item["id"])
            if item["kind"] in ("single", "multiple"):
                for i, choice in enumerate(q["choices"]):
                    feedback = item["feedback"][i]
                    assert (choice["feedback"] or {}).get("text", "") == (feedback or "").strip(), (quiz, item["id"], i)
    assert special > 10                                  # the escaping was exercised (math is full of \ and =)


@pytest.mark.parametrize("quiz_id,kind", [("hidden-state", "rnn-h2"), ("lstm", "lstm-c1"),
                                          ("translation", "attention-a1")])
def test_generated_item_is_one_fixed_instance_with_its_worked_numbers(parsed, quiz_id, kind):
    """Inside an LMS a generated item is one fixed instance: its numbers in the prompt, the core's answer as the
    numeric answer, the worked solution for these numbers in the feedback, and no promise of fresh numbers."""
    demos = pytest.importorskip("rnncore.demos")
    items = [q for q in parsed[quiz_id] if q["type"] == "Numerical" and "sh-quiz-weights" in q["stem"]["text"]]
    assert len(items) == 1, quiz_id
    q = items[0]
    answer = q["choices"][0]["text"] if isinstance(q["choices"], list) else q["choices"]
    assert answer["number"] == demos.quiz_grade(kind, 0, "0")["expected"]
    worked = demos.quiz_worked(kind, 0)
    feedback = q["globalFeedback"]["text"]
    steps = {"rnn-h2": lambda s: s["h"], "lstm-c1": lambda s: [s[g] for g in "ifgc"],
             "attention-a1": lambda s: s["e"] + s["a"]}[kind](worked["steps"])
    for value in steps:
        assert f"{value:.4f}".replace("-", "\u2212") in feedback, (quiz_id, value)
    for wrong in ("each attempt", "fresh", "new weights"):
        assert wrong not in feedback and wrong not in q["stem"]["text"], (quiz_id, wrong)
