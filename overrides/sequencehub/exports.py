"""Each quiz for learning-management systems: Moodle GIFT (``quizzes/<id>.gift``) and an IMS QTI 2.1 content
package (``quizzes/<id>.qti.zip``: imsmanifest.xml, one assessmentItem per question, one assessmentTest).

Texts are exported as the page renders them. Math: GIFT keeps ``\\(...\\)``, which Moodle's MathJax filter
typesets; QTI carries MathML (KaTeX's, made at build time), which QTI players render without a script.
A generated item (``@ generate``) cannot be generated inside an LMS: it is exported as one fixed instance (seed 0)
whose numbers, answer and worked explanation the core computes at build time; without the core it is left out
with a comment. A multiple-answer question scores the same in both formats: partial credit, each right option
+1/(right options), each wrong one -1/(wrong options), the total kept within [0, 1]. (GIFT cannot say
"all or nothing": Moodle adds up the options' weights; QTI's mapResponse does the same arithmetic.)
Outputs are byte-for-byte reproducible (fixed zip timestamps), so rebuilding an unchanged site changes nothing.
"""
from __future__ import annotations

import copy
import io
import re
import xml.etree.ElementTree as ET
import zipfile

from . import htmltext

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_XSD = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def static_questions(quiz, md, instance):
    """The quiz's questions with texts rendered: [{id, kind, prompt, options[(html, correct, feedback)], value,
    tolerance, explanation}]. `instance(kind)` -> {prompt_html, value, tolerance, worked_html} or None for
    generated items."""
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
                item["explanation"] = f"{item['explanation']}{fixed['worked_html']}"
        out.append(item)
    return out


def _fmt(value, digits=4):
    return f"{value:.{digits}f}".replace("-", "\u2212")


def _given(value):
    return f"{value:g}".replace("-", "\u2212")


def _factor(value, digits=None):
    """A number as a factor of a product: negatives in parentheses (−1.1·(−0.4))."""
    text = _fmt(value, digits) if digits else _given(value)
    return f"({text})" if value < 0 else text


def _plus(value, digits=None):
    text = _fmt(abs(value), digits) if digits else _given(abs(value))
    return f" − {text}" if value < 0 else f" + {text}"


def worked_html(worked):
    """The worked solution of one fixed instance, from rnncore.demos.quiz_worked (every number is the core's)."""
    q, steps = worked["numbers"], worked["steps"]
    if worked["kind"] == "rnn-h2":
        h1, h2 = steps["h"]
        return ("<p>For these numbers: <code>h_1 = tanh(w_x·x_1 + b) = "
                f"tanh({_given(q['w_x'])}·{_factor(q['x'][0])}{_plus(q['b'])}) = {_fmt(h1)}</code>, then "
                f"<code>h_2 = tanh(w_x·x_2 + w_h·h_1 + b) = tanh({_given(q['w_x'])}·{_factor(q['x'][1])} + "
                f"{_given(q['w_h'])}·{_factor(h1, 4)}{_plus(q['b'])}) = {_fmt(h2)}</code>.</p>")
    if worked["kind"] == "attention-a1":
        def score(j):
            return (f"e_{j + 1} = {_given(q['v'])}·tanh({_given(q['w_q'])}·{_factor(q['s'])} + "
                    f"{_given(q['w_k'])}·{_factor(q['h'][j])}{_plus(q['b'])}) = {_fmt(steps['e'][j])}")
        scores = ", ".join(f"<code>{score(j)}</code>" for j in range(3))
        total = " + ".join(f"exp({_fmt(e)})" for e in steps["e"])
        return (f"<p>For these numbers: {scores}; so <code>a_1 = exp({_fmt(steps['e'][0])}) / ({total}) = "
                f"{_fmt(steps['a'][0])}</code> (and <code>a_2 = {_fmt(steps['a'][1])}</code>, "
                f"<code>a_3 = {_fmt(steps['a'][2])}</code>: the three weights sum to 1).</p>")
    g, x = q["gates"], q["x"][0]

    def pre(name):
        return f"{_given(g[name]['w_x'])}·{_factor(x)}{_plus(g[name]['b'])}"

    return ("<p>For these numbers (with <code>x_1 = " + _given(x) + "</code>): "
            f"<code>i_1 = σ({pre('i')}) = {_fmt(steps['i'])}</code>, "
            f"<code>g_1 = tanh({pre('g')}) = {_fmt(steps['g'])}</code>, "
            f"<code>f_1 = σ({pre('f')}) = {_fmt(steps['f'])}</code> (it multiplies <code>c_0 = 0</code>), so "
            f"<code>c_1 = f_1·0 + i_1·g_1 = {_fmt(steps['i'])}·{_factor(steps['g'], 4)} = {_fmt(steps['c'])}</code>.</p>")


def write(out_dir, quiz, md, katex, instance):
    """quizzes/<id>.gift and quizzes/<id>.qti.zip of one quiz into `out_dir`; `instance(kind)` -> the fixed
    instance of a generated item (the plugin's generated_instance)."""
    questions = static_questions(quiz, md, instance)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{quiz.id}.gift").write_text(gift(quiz, questions), encoding="utf-8")
    (out_dir / f"{quiz.id}.qti.zip").write_bytes(qti_package(quiz, questions, katex.mathml))


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
            right, wrong = _weights(q["options"])
            for text, correct, feedback in q["options"]:
                weight = _fraction(100 * (right if correct else wrong))
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


BLOCK = {"p", "div", "ul", "ol", "table", "pre", "blockquote", "dl", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
VOID = {"br", "img", "hr", "input", "wbr"}


class _ToXml:
    """HTML fragment -> children of an ElementTree element in the QTI namespace (XHTML subset; other tags become
    <span>, scripts are dropped, arithmatex's ``\\(...\\)`` becomes KaTeX's MathML through `math`). Reads the
    fragment through the plugin's one HTML tokenizer (``htmltext.events``)."""

    def __init__(self, parent, math):
        self.stack = [parent]
        self.skip = 0
        self.math = math
        self.tex = None            # the TeX of an open arithmatex element: [tag, depth, text]

    def feed(self, fragment):
        handlers = {"start": self.handle_starttag, "startend": self.handle_startendtag}
        for kind, tag, attrs, text in htmltext.events(fragment):
            if kind == "text":
                self.handle_data(text)
            elif kind == "end":
                self.handle_endtag(tag)
            else:
                handlers[kind](tag, attrs)

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
        if self.tex is not None:
            self.tex[1] += tag not in VOID
            return
        if "arithmatex" in (dict(attrs).get("class") or "").split():
            self.tex = [tag, 1, ""]
            return
        name = tag if tag in ALLOWED else "span"
        element = ET.SubElement(self.stack[-1], f"{{{QTI_NS}}}{name}",
                                {k: v for k, v in attrs if k in KEEP_ATTRS and v is not None})
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and not self.skip and self.tex is None and len(self.stack) > 1:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
            return
        if self.skip or tag in VOID:
            return
        if self.tex is not None:
            self.tex[1] -= 1
            if self.tex[1] == 0:
                self._math(self.tex[2].strip())
                self.tex = None
            return
        name = f"{{{QTI_NS}}}{tag if tag in ALLOWED else 'span'}"
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == name:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self.skip:
            return
        if self.tex is not None:
            self.tex[2] += data
        else:
            self._append_text(data)

    def _math(self, source):
        display = source.startswith("\\[")
        tex = source[2:-2] if source[:2] in ("\\(", "\\[") and source[-2:] in ("\\)", "\\]") else source
        math = copy.deepcopy(self.math(tex, display))
        math.tail = None
        self.stack[-1].append(math)


def _is_block(node):
    return isinstance(node, ET.Element) and node.tag.rsplit("}", 1)[-1] in BLOCK


def _with_tbody(element):
    """XHTML's (and QTI's) table holds rows in <thead>/<tbody>/<tfoot>: bare <tr>s go into one <tbody>."""
    for child in element:
        _with_tbody(child)
    if element.tag == _q("table"):
        rows = [child for child in element if child.tag == _q("tr")]
        if rows:
            at = list(element).index(rows[0])
            body = ET.Element(_q("tbody"))
            for row in rows:
                element.remove(row)
                body.append(row)
            element.insert(at, body)


def _html_into(parent, fragment, math, block=False):
    """Put an HTML fragment into `parent`. With block=True (a parent that holds only block content, like
    itemBody) every run of text and inline elements between blocks goes into its own <p>; blocks stay as they
    are, never inside a <p>."""
    holder = ET.Element("holder")
    _ToXml(holder, math).feed(fragment)
    _with_tbody(holder)
    if not block:
        if holder.text:
            if len(parent):
                parent[-1].tail = (parent[-1].tail or "") + holder.text
            else:
                parent.text = (parent.text or "") + holder.text
        parent.extend(holder)
        return parent
    paragraph = None

    def inline_target():
        nonlocal paragraph
        if paragraph is None:
            paragraph = ET.SubElement(parent, _q("p"))
        return paragraph

    if holder.text and holder.text.strip():
        inline_target().text = holder.text
    for child in list(holder):
        tail, child.tail = child.tail, None
        if _is_block(child):
            paragraph = None
            parent.append(child)
        else:
            inline_target().append(child)
        if tail and tail.strip():
            target = inline_target()
            if len(target):
                target[-1].tail = (target[-1].tail or "") + tail
            else:
                target.text = (target.text or "") + tail
    return parent


def _q(tag):
    return f"{{{QTI_NS}}}{tag}"


def _value(parent, text, base=None):
    element = ET.SubElement(parent, _q("value"))
    element.text = text
    return element


def _set_score(parent, points):
    set_score = ET.SubElement(parent, _q("setOutcomeValue"), {"identifier": "SCORE"})
    ET.SubElement(set_score, _q("baseValue"), {"baseType": "float"}).text = points


def _weights(options):
    """(weight of a right option, weight of a wrong one) of a multiple-answer question, as fractions of 1."""
    right = sum(1 for _, ok, _ in options if ok)
    wrong = len(options) - right
    return 1 / max(right, 1), -1 / max(wrong, 1)


def assessment_item(quiz, q, number, math):
    """One assessmentItem; `math(tex, display)` -> a MathML <math> element."""
    ET.register_namespace("", QTI_NS)
    ET.register_namespace("xsi", XSI_NS)
    ET.register_namespace("m", MATHML_NS)
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
    if q["kind"] == "multiple":
        # partial credit, the weights GIFT gives the same options (see the module docstring)
        right, wrong = _weights(q["options"])
        mapping = ET.SubElement(response, _q("mapping"), {"lowerBound": "0", "upperBound": "1", "defaultValue": "0"})
        for i, (_, ok, _) in enumerate(q["options"]):
            ET.SubElement(mapping, _q("mapEntry"), {"mapKey": f"choice{i}",
                                                   "mappedValue": _num(right if ok else wrong)})
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
        _html_into(ET.SubElement(interaction, _q("prompt")), q["prompt"], math)
        for i, (text, _, feedback) in enumerate(q["options"]):
            simple = ET.SubElement(interaction, _q("simpleChoice"), {"identifier": f"choice{i}"})
            _html_into(simple, text, math)
            if feedback:
                inline = ET.SubElement(simple, _q("feedbackInline"), {
                    "outcomeIdentifier": "FEEDBACK", "identifier": f"choice{i}", "showHide": "show"})
                _html_into(inline, " " + feedback, math)
    else:
        _html_into(body, q["prompt"], math, block=True)
        p = ET.SubElement(body, _q("p"))
        p.text = "Answer: "
        ET.SubElement(p, _q("textEntryInteraction"), {"responseIdentifier": "RESPONSE", "expectedLength": "12"})
    processing = ET.SubElement(item, _q("responseProcessing"))
    condition = ET.SubElement(processing, _q("responseCondition"))
    branch = ET.SubElement(condition, _q("responseIf"))
    if q["kind"] == "multiple":
        ET.SubElement(ET.SubElement(branch, _q("isNull")), _q("variable"), {"identifier": "RESPONSE"})
        _set_score(branch, "0")
        ET.SubElement(ET.SubElement(ET.SubElement(condition, _q("responseElse")), _q("setOutcomeValue"),
                                    {"identifier": "SCORE"}), _q("mapResponse"), {"identifier": "RESPONSE"})
    else:
        if choice:
            test = ET.SubElement(branch, _q("match"))
        else:
            tol = _num(q["tolerance"])
            test = ET.SubElement(branch, _q("equal"), {"toleranceMode": "absolute", "tolerance": f"{tol} {tol}"})
        ET.SubElement(test, _q("variable"), {"identifier": "RESPONSE"})
        ET.SubElement(test, _q("correct"), {"identifier": "RESPONSE"})
        _set_score(branch, "1")
        _set_score(ET.SubElement(condition, _q("responseElse")), "0")
    if choice:
        feedback = ET.SubElement(processing, _q("setOutcomeValue"), {"identifier": "FEEDBACK"})
        ET.SubElement(feedback, _q("variable"), {"identifier": "RESPONSE"})
    shown = ET.SubElement(processing, _q("setOutcomeValue"), {"identifier": "EXPLANATION"})
    ET.SubElement(shown, _q("baseValue"), {"baseType": "identifier"}).text = "shown"
    if q["explanation"]:
        modal = ET.SubElement(item, _q("modalFeedback"), {"outcomeIdentifier": "EXPLANATION", "identifier": "shown",
                                                          "showHide": "show", "title": "Explanation"})
        _html_into(modal, q["explanation"], math)
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


def _xml_bytes(element, indent=True):
    """XML bytes; items are not indented: whitespace added between inline elements would show in the text."""
    if indent:
        ET.indent(element)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def qti_package(quiz, questions, math):
    """The QTI 2.1 content package as bytes (a zip)."""
    files, items = {}, []
    for n, q in enumerate(questions, start=1):
        if q.get("skip"):
            continue
        href = f"items/{q['id']}.xml"
        files[href] = _xml_bytes(assessment_item(quiz, q, n, math), indent=False)
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
