"""Every QTI 2.1 package the site exports validates against the official IMS schemas (xmllint, no network), its
math is MathML, its HTML is the XHTML subset QTI allows (no block inside <p>, rows inside <tbody>), and its
generated items are one fixed instance whose answer and worked explanation are the core's.

The schemas come from the shared folder beside the checkout (CI lays `../shared` next to the clone); a missing
folder fails these tests, it never skips them. SEQUENCEHUB_SHARED points elsewhere (a worktree, for instance).
"""
import os
import pathlib
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import pytest

from shtest import ROOT, SITE

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
MATHML = "{http://www.w3.org/1998/Math/MathML}"
SHARED = pathlib.Path(os.environ.get("SEQUENCEHUB_SHARED", ROOT.parent / "shared"))
SCHEMAS = SHARED / "schemas" / "qti21"
QTI_XSD = SCHEMAS / "qtiv2p1" / "imsqti_v2p1.xsd"
CP_XSD = SCHEMAS / "imscp_v1p1.xsd"
GENERATED = {"hidden-state": "rnn-h2", "lstm": "lstm-c1", "translation": "attention-a1"}   # quiz id -> generated kind
BLOCK = {"p", "div", "ul", "ol", "table", "pre", "blockquote", "dl", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}


def packages():
    found = sorted((SITE / "quizzes").glob("*.qti.zip"))
    assert found, f"no QTI packages under {SITE / 'quizzes'}: build the site first (make site)"
    return found


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """{quiz id: folder with the package's files}."""
    out = {}
    for path in packages():
        folder = tmp_path_factory.mktemp(path.name.removesuffix(".qti.zip"))
        with zipfile.ZipFile(path) as zf:
            zf.extractall(folder)
        out[path.name.removesuffix(".qti.zip")] = folder
    return out


def xmllint(schema, files):
    assert schema.is_file(), (f"IMS schema {schema} missing: the shared schemas belong beside the checkout "
                              f"({SHARED}); set SEQUENCEHUB_SHARED to another copy")
    done = subprocess.run(["xmllint", "--nonet", "--noout", "--schema", str(schema), *map(str, files)],
                          capture_output=True, text=True, check=False)
    return done.returncode, done.stderr


def test_every_item_and_test_validates_against_the_qti_21_schema(extracted):
    files = [f for folder in extracted.values() for f in [folder / "assessment.xml", *sorted(folder.glob("items/*.xml"))]]
    assert len(files) > 2 * len(extracted)
    code, errors = xmllint(QTI_XSD, files)
    assert code == 0, errors
    assert errors.count(" validates") == len(files), errors


def test_every_manifest_validates_against_the_content_packaging_schema(extracted):
    manifests = [folder / "imsmanifest.xml" for folder in extracted.values()]
    code, errors = xmllint(CP_XSD, manifests)
    assert code == 0, errors
    for folder in extracted.values():                  # every file the manifest names is in the package
        manifest = ET.parse(folder / "imsmanifest.xml").getroot()
        for element in manifest.iter():
            if element.tag.endswith("}file"):
                assert (folder / element.get("href")).is_file(), (folder, element.get("href"))


def test_the_schema_check_catches_a_block_inside_a_paragraph(extracted, tmp_path):
    """The validator is real: the old export (a <table> inside a <p>) fails it."""
    item = next(iter(extracted.values())) / "items" / "q1.xml"
    tree = ET.parse(item)
    body = tree.getroot().find(f"{QTI}itemBody")
    p = ET.SubElement(body, f"{QTI}p")
    ET.SubElement(ET.SubElement(ET.SubElement(p, f"{QTI}table"), f"{QTI}tr"), f"{QTI}td").text = "1"
    bad = tmp_path / "bad.xml"
    tree.write(bad, encoding="utf-8", xml_declaration=True)
    code, errors = xmllint(QTI_XSD, [bad])
    assert code != 0 and "fails to validate" in errors


def test_markup_is_the_xhtml_subset(extracted):
    for folder in extracted.values():
        for path in folder.glob("items/*.xml"):
            root = ET.parse(path).getroot()
            for p in root.iter(f"{QTI}p"):
                assert not [c for c in p if c.tag.removeprefix(QTI) in BLOCK], path
            for table in root.iter(f"{QTI}table"):
                assert table.find(f"{QTI}tr") is None and table.find(f"{QTI}tbody") is not None, path


def test_math_is_mathml_never_raw_tex(extracted):
    maths = 0
    for folder in extracted.values():
        for path in folder.glob("items/*.xml"):
            root = ET.parse(path).getroot()
            text = "".join(t for e in root.iter() if not e.tag.startswith(MATHML) for t in (e.text or "", e.tail or ""))
            assert "\\(" not in text and "\\[" not in text, path
            maths += sum(1 for _ in root.iter(f"{MATHML}math"))
    assert maths > 20          # the lessons' quizzes are full of formulas


@pytest.mark.parametrize("quiz_id", sorted(GENERATED))
def test_generated_item_is_one_fixed_instance_explained_with_its_numbers(extracted, quiz_id):
    demos = pytest.importorskip("rnncore.demos")
    kind = GENERATED[quiz_id]
    item = next(ET.parse(p).getroot() for p in sorted((extracted[quiz_id] / "items").glob("*.xml"))
                if "sh-quiz-weights" in p.read_text(encoding="utf-8"))
    expected = demos.quiz_grade(kind, 0, "0")["expected"]
    assert float(item.find(f".//{QTI}correctResponse/{QTI}value").text) == expected
    worked = demos.quiz_worked(kind, 0)
    explanation = "".join(item.find(f"{QTI}modalFeedback").itertext())
    answer = f"{worked['answer']:.4f}".replace("-", "\u2212")
    assert answer in explanation
    assert round(worked["answer"], 4) == expected
    steps = {"rnn-h2": lambda s: s["h"], "lstm-c1": lambda s: [s[g] for g in "ifg"],
             "attention-a1": lambda s: s["e"] + s["a"]}[kind](worked["steps"])
    for value in steps:
        assert f"{value:.4f}".replace("-", "\u2212") in explanation
    assert "each attempt" not in explanation and "fresh" not in explanation
