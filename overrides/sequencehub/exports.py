"""Each quiz for learning-management systems: Moodle GIFT (``quizzes/<id>.gift``) and an IMS QTI 2.1 content
package (``quizzes/<id>.qti.zip``: imsmanifest.xml, one assessmentItem per question, one assessmentTest).

Texts are exported as HTML (the page's own rendering, math as ``\\(...\\)``, which Moodle's and most LMSs' MathJax
filters typeset). A generated item (``@ generate``) cannot be generated inside an LMS: it is exported as one fixed
instance (seed 0) computed by the core at build time, or left out with a comment when the core is unavailable.
Outputs are byte-for-byte reproducible (fixed zip timestamps), so rebuilding an unchanged site changes nothing.
"""
from __future__ import annotations

import html
import html.parser
import io
import re
import xml.etree.ElementTree as ET
import zipfile

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1p1.xsd"
CP_XSD = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def static_questions(quiz, md, instance):
    """The quiz's questions with texts rendered: [{id, kind, prompt, options[(html, correct, feedback)], value,
    tolerance, explanation}]. `instance(kind)` -> {prompt_html, value, tolerance} or None for generated items."""
    out = []
    for q in quiz.questions:
        item = {"id": q.id, "kind": q.kind, "prompt": md(q.prompt),
                "explanation": md(q.explanation, block=True) if q.explanation else ""}
        if q.kind in ("single", "multiple"):
            item["options"] = [(md(o.text), o.correct, md(o.feedback) if o.feedback else "") for o in q.options]
        elif q.kind == "numeric":
            item["value"], item["tolerance"] = q.value, q.tolerance
        else:
            fixed = instance(q.generate) if instance else None
            if fixed is None:
                item["skip"] = f"generated item `{q.generate}` (needs the compiled core at build time)"
            else:
                item["kind"] = "numeric"
                item["prompt"] = f"{item['prompt']}{fixed['prompt_html']}"
                item["value"], item["tolerance"] = fixed["value"], fixed["tolerance"]
        out.append(item)
    return out


# ------------------------------------------------------------------------------------------------ GIFT
def gift_escape(text):
    return re.sub(r"([~=#{}:\\])", r"\\\1", text.replace("\n", " ").strip())


def _num(value):
    return f"{value:.10g}"


def _fraction(part):
    """A Moodle grade percentage (its list holds 100/n for n <= 10)."""
    return f"{part:.5f}".rstrip("0").rstrip(".")


def gift(quiz, questions):
    lines = [f"// {quiz.title} (quiz `{quiz.id}`), exported by Sequence Hub", f"$CATEGORY: $course$/{quiz.id}", ""]
    for n, q in enumerate(questions, start=1):
        if q.get("skip"):
            lines += [f"// question {n} left out: {q['skip']}", ""]
            continue
        name = gift_escape(f"{quiz.id} {n}")
        head = f"::{name}::[html]{gift_escape(q['prompt'])} {{"
        body = []
        if q["kind"] == "single":
            for text, correct, feedback in q["options"]:
                mark = "=" if correct else "~"
                body.append(f"\t{mark}{gift_escape(text)}" + (f"#{gift_escape(feedback)}" if feedback else ""))
        elif q["kind"] == "multiple":
            right = sum(1 for _, c, _ in q["options"] if c)
            wrong = len(q["options"]) - right
            for text, correct, feedback in q["options"]:
                weight = _fraction(100 / right) if correct else "-" + _fraction(100 / max(wrong, 1))
                body.append(f"\t~%{weight}%{gift_escape(text)}" + (f"#{gift_escape(feedback)}" if feedback else ""))
        else:
            head = f"::{name}::[html]{gift_escape(q['prompt'])} {{#"
            body.append(f"\t={_num(q['value'])}:{_num(q['tolerance'])}")
        if q["explanation"]:
            body.append(f"\t####{gift_escape(q['explanation'])}")
        lines += [head, *body, "}", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ QTI 2.1
ALLOWED = {"p", "br", "code", "em", "strong", "b", "i", "sub", "sup", "span", "div", "ul", "ol", "li", "table",
           "thead", "tbody", "tr", "th", "td", "pre", "kbd", "a", "blockquote", "img", "abbr", "dl", "dt", "dd",
           "small", "big", "q", "cite", "dfn", "var", "samp", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "caption"}
KEEP_ATTRS = {"class", "href", "src", "alt", "title", "colspan", "rowspan"}


class _ToXml(html.parser.HTMLParser):
    """HTML fragment -> children of an ElementTree element in the QTI namespace (XHTML subset; other tags become
    <span>, scripts are dropped)."""

    def __init__(self, parent):
        super().__init__(convert_charrefs=True)
        self.stack = [parent]
        self.skip = 0

    def _append_text(self, text):
        node = self.stack[-1]
        if len(node):
            node[-1].tail = (node[-1].tail or "") + text
        else:
            node.text = (node.text or "") + text

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
            return
        if self.skip:
            return
        name = tag if tag in ALLOWED else "span"
        element = ET.SubElement(self.stack[-1], f"{{{QTI_NS}}}{name}",
                                {k: v for k, v in attrs if k in KEEP_ATTRS and v is not None})
        if tag not in ("br", "img", "hr", "input", "wbr"):
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr", "input", "wbr") and not self.skip and len(self.stack) > 1:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
            return
        if self.skip or tag in ("br", "img", "hr", "input", "wbr"):
            return
        name = f"{{{QTI_NS}}}{tag if tag in ALLOWED else 'span'}"
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == name:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self.skip:
            self._append_text(data)


def _html_into(parent, fragment, block=False):
    """Put an HTML fragment into `parent`; with block=True bare text is wrapped in <p> (QTI block content)."""
    holder = ET.Element("holder")
    parser = _ToXml(holder)
    parser.feed(fragment)
    parser.close()
    inline = holder.text and holder.text.strip() or any(
        child.tag.split("}")[1] not in ("p", "div", "ul", "ol", "table", "pre", "blockquote", "dl", "hr")
        for child in holder)
    target = ET.SubElement(parent, f"{{{QTI_NS}}}p") if block and inline else parent
    target.text = holder.text
    for child in list(holder):
        target.append(child)
    return target


def _q(tag):
    return f"{{{QTI_NS}}}{tag}"


def _value(parent, text, base=None):
    element = ET.SubElement(parent, _q("value"))
    element.text = text
    return element


def assessment_item(quiz, q, number):
    ET.register_namespace("", QTI_NS)
    ET.register_namespace("xsi", XSI_NS)
    item = ET.Element(_q("assessmentItem"), {
        f"{{{XSI_NS}}}schemaLocation": f"{QTI_NS} {QTI_XSD}", "identifier": f"{quiz.id}-{q['id']}",
        "title": f"{quiz.title} ({number})", "adaptive": "false", "timeDependent": "false"})
    choice = q["kind"] in ("single", "multiple")
    cardinality = "multiple" if q["kind"] == "multiple" else "single"
    response = ET.SubElement(item, _q("responseDeclaration"), {
        "identifier": "RESPONSE", "cardinality": cardinality, "baseType": "identifier" if choice else "float"})
    correct = ET.SubElement(response, _q("correctResponse"))
    if choice:
        for i, (_, ok, _) in enumerate(q["options"]):
            if ok:
                _value(correct, f"choice{i}")
    else:
        _value(correct, _num(q["value"]))
    score = ET.SubElement(item, _q("outcomeDeclaration"), {"identifier": "SCORE", "cardinality": "single",
                                                            "baseType": "float"})
    _value(ET.SubElement(score, _q("defaultValue")), "0")
    ET.SubElement(item, _q("outcomeDeclaration"), {"identifier": "FEEDBACK", "cardinality": cardinality,
                                                    "baseType": "identifier"})
    ET.SubElement(item, _q("outcomeDeclaration"), {"identifier": "EXPLANATION", "cardinality": "single",
                                                    "baseType": "identifier"})
    body = ET.SubElement(item, _q("itemBody"))
    if choice:
        interaction = ET.SubElement(body, _q("choiceInteraction"), {
            "responseIdentifier": "RESPONSE", "shuffle": "false",
            "maxChoices": "1" if q["kind"] == "single" else "0"})
        _html_into(ET.SubElement(interaction, _q("prompt")), q["prompt"])
        for i, (text, _, feedback) in enumerate(q["options"]):
            simple = ET.SubElement(interaction, _q("simpleChoice"), {"identifier": f"choice{i}"})
            _html_into(simple, text)
            if feedback:
                inline = ET.SubElement(simple, _q("feedbackInline"), {
                    "outcomeIdentifier": "FEEDBACK", "identifier": f"choice{i}", "showHide": "show"})
                _html_into(inline, " " + feedback)
    else:
        _html_into(body, q["prompt"], block=True)
        p = ET.SubElement(body, _q("p"))
        p.text = "Answer: "
        ET.SubElement(p, _q("textEntryInteraction"), {"responseIdentifier": "RESPONSE", "expectedLength": "12"})
    processing = ET.SubElement(item, _q("responseProcessing"))
    condition = ET.SubElement(processing, _q("responseCondition"))
    branch = ET.SubElement(condition, _q("responseIf"))
    if choice:
        test = ET.SubElement(branch, _q("match"))
    else:
        tol = _num(q["tolerance"])
        test = ET.SubElement(branch, _q("equal"), {"toleranceMode": "absolute", "tolerance": f"{tol} {tol}"})
    ET.SubElement(test, _q("variable"), {"identifier": "RESPONSE"})
    ET.SubElement(test, _q("correct"), {"identifier": "RESPONSE"})
    for parent, points in ((branch, "1"), (ET.SubElement(condition, _q("responseElse")), "0")):
        set_score = ET.SubElement(parent, _q("setOutcomeValue"), {"identifier": "SCORE"})
        ET.SubElement(set_score, _q("baseValue"), {"baseType": "float"}).text = points
    if choice:
        feedback = ET.SubElement(processing, _q("setOutcomeValue"), {"identifier": "FEEDBACK"})
        ET.SubElement(feedback, _q("variable"), {"identifier": "RESPONSE"})
    shown = ET.SubElement(processing, _q("setOutcomeValue"), {"identifier": "EXPLANATION"})
    ET.SubElement(shown, _q("baseValue"), {"baseType": "identifier"}).text = "shown"
    if q["explanation"]:
        modal = ET.SubElement(item, _q("modalFeedback"), {"outcomeIdentifier": "EXPLANATION", "identifier": "shown",
                                                          "showHide": "show", "title": "Explanation"})
        _html_into(modal, q["explanation"])
    return item


def assessment_test(quiz, items):
    ET.register_namespace("", QTI_NS)
    test = ET.Element(_q("assessmentTest"), {f"{{{XSI_NS}}}schemaLocation": f"{QTI_NS} {QTI_XSD}",
                                             "identifier": quiz.id, "title": quiz.title})
    part = ET.SubElement(test, _q("testPart"), {"identifier": "part", "navigationMode": "nonlinear",
                                                "submissionMode": "individual"})
    section = ET.SubElement(part, _q("assessmentSection"), {"identifier": "section", "title": quiz.title,
                                                            "visible": "true"})
    for identifier, href in items:
        ET.SubElement(section, _q("assessmentItemRef"), {"identifier": identifier, "href": href})
    return test


def manifest(quiz, items):
    ET.register_namespace("", CP_NS)
    root = ET.Element(f"{{{CP_NS}}}manifest", {"identifier": f"MANIFEST-{quiz.id}",
                                               f"{{{XSI_NS}}}schemaLocation": f"{CP_NS} {CP_XSD}"})
    meta = ET.SubElement(root, f"{{{CP_NS}}}metadata")
    ET.SubElement(meta, f"{{{CP_NS}}}schema").text = "QTIv2.1 Package"
    ET.SubElement(meta, f"{{{CP_NS}}}schemaversion").text = "1.0.0"
    ET.SubElement(root, f"{{{CP_NS}}}organizations")
    resources = ET.SubElement(root, f"{{{CP_NS}}}resources")
    test = ET.SubElement(resources, f"{{{CP_NS}}}resource", {"identifier": f"test-{quiz.id}",
                                                             "type": "imsqti_test_xmlv2p1", "href": "assessment.xml"})
    ET.SubElement(test, f"{{{CP_NS}}}file", {"href": "assessment.xml"})
    for identifier, href in items:
        ET.SubElement(test, f"{{{CP_NS}}}dependency", {"identifierref": f"item-{identifier}"})
    for identifier, href in items:
        res = ET.SubElement(resources, f"{{{CP_NS}}}resource", {"identifier": f"item-{identifier}",
                                                                "type": "imsqti_item_xmlv2p1", "href": href})
        ET.SubElement(res, f"{{{CP_NS}}}file", {"href": href})
    return root


def _xml_bytes(element):
    ET.indent(element)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def qti_package(quiz, questions):
    """The QTI 2.1 content package as bytes (a zip)."""
    files, items = {}, []
    for n, q in enumerate(questions, start=1):
        if q.get("skip"):
            continue
        href = f"items/{q['id']}.xml"
        files[href] = _xml_bytes(assessment_item(quiz, q, n))
        items.append((f"{quiz.id}-{q['id']}", href))
    files["assessment.xml"] = _xml_bytes(assessment_test(quiz, items))
    files["imsmanifest.xml"] = _xml_bytes(manifest(quiz, items))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ["imsmanifest.xml", "assessment.xml", *sorted(k for k in files if k.startswith("items/"))]:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[name])
    return buffer.getvalue()
