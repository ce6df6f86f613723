"""TeX -> MathML at build time with the vendored KaTeX (the build's one KaTeX process, mathtex.py), and MathML ->
plain text for places that take no markup (structured data).

Exports and structured data leave the site, where no script typesets ``\\(...\\)``: a QTI item carries MathML
(the QTI 2.1 schema imports MathML 2, and LMS players render it), JSON-LD carries readable Unicode text.
KaTeX is the library the pages already use, so the formula an LMS shows is the one the lesson shows.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from mkdocs.exceptions import PluginError

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
KATEX_JS = "katex/dist/katex.min.js"     # KaTeX's UMD build: require()-able by Node.js as it is
# Unicode has sub- and superscript forms for digits, signs and a few letters: c_1 -> c₁, x^2 -> x².
_SUB = str.maketrans("0123456789+-−=()aeoxhklmnpstij", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼ")
_SUP = str.maketrans("0123456789+-−=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱ")
_SUB_OK = set("0123456789+-−=()aeoxhklmnpstij")
_SUP_OK = set("0123456789+-−=()ni")
MATH_RE = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)


class Katex:
    """TeX -> MathML with a cache: ``mathml(tex, display)`` -> an ElementTree ``<math>`` element.

    ``math``: the build's :class:`mathtex.BuildMath`, whose KaTeX process (one per build) renders the formulas.
    ``prepare(pairs)`` renders many formulas in one round trip; a formula KaTeX rejects stops the build naming
    it, and so does a missing Node.js or KaTeX: an export that promises typeset math never ships raw TeX
    silently."""

    def __init__(self, math):
        self.math = math
        self.cache = {}

    def prepare(self, pairs):
        todo = sorted({(tex, bool(display)) for tex, display in pairs} - self.cache.keys())
        if not todo:
            return
        try:
            rendered = self.math.renderer().render([list(key) for key in todo], output="mathml")
        except OSError as error:             # no node to start
            raise PluginError(f"sequencehub: Node.js (`node`) is needed to typeset math for the LMS exports and "
                              f"structured data ({error}); install it, or set the plugin's `exports: false`") from None
        for key, markup in zip(todo, rendered):
            self.cache[key] = _math_element(markup)

    def mathml(self, tex, display=False):
        key = (tex, bool(display))
        if key not in self.cache:
            self.prepare([key])
        return self.cache[key]

    def plain(self, text):
        """`text` with every ``\\(...\\)`` and ``\\[...\\]`` replaced by a readable Unicode rendering."""
        found = [(m.group(1) or m.group(2), m.group(2) is not None) for m in MATH_RE.finditer(text)]
        if not found:
            return text
        self.prepare(found)
        return MATH_RE.sub(lambda m: to_text(self.mathml(m.group(1) or m.group(2), m.group(2) is not None)), text)


def _math_element(markup):
    """KaTeX's `<span class="katex"><math ...>` -> the <math> element (its span is presentation for HTML)."""
    root = ET.fromstring(markup)
    math = root if root.tag == f"{{{MATHML_NS}}}math" else root.find(f"{{{MATHML_NS}}}math")
    if math is None:
        raise PluginError(f"sequencehub: KaTeX gave no MathML: {markup[:200]}")
    return math


def _local(element):
    return element.tag.rsplit("}", 1)[-1]


def to_text(element):
    """Readable plain text of a MathML element: sub/superscripts in Unicode where it has them (c₁, x²), else
    c_(t-1) and x^(n); fractions as a/b; the TeX annotation is left out."""
    name = _local(element)
    if name == "annotation" or name == "annotation-xml":
        return ""
    children = list(element)
    if name in ("msub", "msup", "msubsup") and len(children) >= 2:
        base = to_text(children[0])
        out = base
        marks = [("_", children[1])] if name == "msub" else [("^", children[1])] if name == "msup" else \
            [("_", children[1]), ("^", children[2])] if len(children) > 2 else [("_", children[1])]
        for mark, child in marks:
            script = to_text(child).replace(" ", "")            # h_(t−1), not h_(t − 1)
            table, ok = (_SUB, _SUB_OK) if mark == "_" else (_SUP, _SUP_OK)
            if script and set(script) <= ok:
                out += script.translate(table)
            else:
                out += mark + (script if len(script) == 1 else f"({script})")
        return out
    if name == "mfrac" and len(children) == 2:
        return f"{_group(to_text(children[0]))}/{_group(to_text(children[1]))}"
    if name == "msqrt":
        return f"√({''.join(to_text(c) for c in children)})"
    if name == "mspace":
        return " "
    text = (element.text or "").strip() if name in ("mi", "mn", "mo", "mtext", "ms") else ""
    text = text.strip("\u2061\u2062\u2063\u2064")                  # invisible operators (function application)
    if name == "mo" and text in ("=", "+", "−", "-", "⋅", "⊙", "≈", "≤", "≥", "<", ">", "≠", "→", "×", "∈"):
        text = f" {text} "
    if name == "mo" and text == ",":
        text = ", "
    return re.sub(r" {2,}", " ", text + "".join(to_text(c) for c in children)) if name != "math" else \
        re.sub(r" {2,}", " ", "".join(to_text(c) for c in children)).strip()


def _group(text):
    return text if len(text) <= 1 or text.isalnum() else f"({text})"
