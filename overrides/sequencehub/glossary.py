"""The glossary: read its entries (the contract's five-line format), render them as cards with a term index,
and show each term's definition as a tooltip where the term appears on other pages.

An entry, exactly::

    ### Recurrent neural network (RNN) { #rnn }
    **Definition:** A network that reads a sequence one step at a time, ...
    **Code:** `h[t] = tanh(W_ih @ x[t] + W_hh @ h[t-1] + b)`
    **Taught in:** [The hidden state](lessons/hidden-state.md)
    **Also:** RNN, RNNs, recurrent network

A term is matched by its heading text, the heading without its parenthesis ("Recurrent neural network"), the
parenthesis ("RNN") and every ``Also:`` alias, as a whole word; forms with two or more capitals (RNN, LSTM) match
case-sensitively, the others in any case. Only the first occurrence of each entry on a page becomes a tooltip, and
never inside code, math, headings, links, buttons, labels or widgets.
"""
from __future__ import annotations

import dataclasses
import re

from .htmltext import rewrite_text
from .render import Partials

HEADING = re.compile(r"^### (?P<term>[^\n{]+?)[ \t]*\{[ \t]*#(?P<id>[A-Za-z0-9_-]+)[ \t]*\}[ \t]*$")
FIELDS = (("definition", r"\*\*Definition:\*\* (?P<v>\S.*)"),
          ("code", r"\*\*Code:\*\* `(?P<v>[^`]+)`"),
          ("taught", r"\*\*Taught in:\*\* \[(?P<t>[^\]]+)\]\((?P<v>[^)\s]+)\)"),
          ("also", r"\*\*Also:\*\* (?P<v>\S.*)"))
SKIP_TAGS = {"a", "code", "pre", "kbd", "samp", "script", "style", "svg", "math", "abbr", "button", "label",
             "textarea", "select", "option", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "summary", "legend", "title"}
SKIP_CLASSES = ("arithmatex", "sh-demo", "sh-quiz", "sh-skills", "sh-author", "headerlink", "md-button", "sh-term")


@dataclasses.dataclass
class Entry:
    term: str
    id: str
    definition: str
    code: str
    taught_title: str
    taught_href: str
    aliases: list
    line: int

    @property
    def plain_definition(self):
        return plain(self.definition)

    def forms(self):
        base = re.sub(r"\s*\([^)]*\)\s*$", "", self.term).strip()
        inner = re.findall(r"\(([^)]+)\)\s*$", self.term)
        out = [self.term, base, *inner, *self.aliases]
        seen, forms = set(), []
        for form in out:
            if form and form not in seen:
                seen.add(form)
                forms.append(form)
        return forms


class GlossaryError(Exception):
    def __init__(self, line, message):
        super().__init__(message)
        self.line, self.message = line, message


def plain(markdown_text):
    """Inline Markdown -> plain text (for title attributes and JSON-LD)."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", markdown_text)
    text = re.sub(r"(\*\*|__|\*|_(?=\S)|`)", "", text)
    text = re.sub(r"\$([^$]+)\$", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def parse(markdown, first_line=1):
    """Entries of the glossary page's Markdown (first_line = source line of markdown's first line)."""
    lines = markdown.split("\n")
    entries, errors = [], []
    in_fence = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_fence or not line.startswith("### "):
            continue
        line_no = first_line + i
        head = HEADING.match(line)
        if not head:
            errors.append(GlossaryError(line_no, "a glossary entry heading is `### Term { #term-id }`"))
            continue
        values = {}
        for k, (name, pattern) in enumerate(FIELDS, start=1):
            text = lines[i + k] if i + k < len(lines) else ""
            match = re.fullmatch(pattern, text.rstrip())
            if not match:
                label = {"definition": "Definition", "code": "Code", "taught": "Taught in", "also": "Also"}[name]
                errors.append(GlossaryError(line_no + k, f"entry `{head['term']}`: line {k + 1} of the entry must be "
                                                         f"`**{label}:** ...` (the five-line glossary format)"))
                break
            values[name] = match
        else:
            aliases = [a.strip() for a in values["also"]["v"].split(",") if a.strip()]
            entries.append(Entry(term=head["term"].strip(), id=head["id"], definition=values["definition"]["v"].strip(),
                                 code=values["code"]["v"], taught_title=values["taught"]["t"],
                                 taught_href=values["taught"]["v"], aliases=aliases, line=line_no))
    ids = {}
    for entry in entries:
        if entry.id in ids:
            errors.append(GlossaryError(entry.line, f"glossary id `#{entry.id}` is already used on line {ids[entry.id]}"))
        ids.setdefault(entry.id, entry.line)
    return entries, errors


def rewrite_markdown(markdown, entries, partials=None):
    """The glossary page's Markdown with each entry as a card (md_in_html) and a term jump list before the first,
    both from the plugin's partials (``partials``: by default without a site's overrides)."""
    partials = partials or Partials()
    lines = markdown.split("\n")
    by_heading = {}
    for i, line in enumerate(lines):
        head = HEADING.match(line)
        if head:
            by_heading[i] = head["id"]
    entry_of = {e.id: e for e in entries}
    out, i, first = [], 0, True
    while i < len(lines):
        ident = by_heading.get(i)
        entry = entry_of.get(ident)
        if entry is None:
            out.append(lines[i])
            i += 1
            continue
        if first:
            out += [partials.glossary_index(entries), ""]
            first = False
        out += [partials.glossary_card(entry), ""]
        i += 5
    return "\n".join(out)


def _pattern(forms):
    sensitive = sorted({f for f in forms if sum(c.isupper() for c in f) >= 2}, key=len, reverse=True)
    insensitive = sorted({f for f in forms if sum(c.isupper() for c in f) < 2}, key=len, reverse=True)
    parts = []
    if sensitive:
        parts.append("|".join(re.escape(f) for f in sensitive))
    if insensitive:
        parts.append("(?i:" + "|".join(re.escape(f) for f in insensitive) + ")")
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")


class Tooltips:
    """Link the first occurrence of each glossary entry on a page to its definition (title = the definition)."""

    def __init__(self, entries, partials=None):
        self.entries = entries
        self.partials = partials or Partials()
        self.forms = {}
        for entry in entries:
            for form in entry.forms():
                self.forms.setdefault(form, entry)
                if sum(c.isupper() for c in form) < 2:
                    self.forms.setdefault(form.lower(), entry)
        self.pattern = _pattern(list(self.forms)) if self.forms else None

    def _entry_for(self, text):
        return self.forms.get(text) or self.forms.get(text.lower())

    def apply(self, page_html, href_for):
        """`href_for(entry)` -> the link to the entry's glossary card from this page."""
        if self.pattern is None:
            return page_html
        used = set()

        def replace_text(text, ancestors):
            if not text.strip() or _skipped(ancestors):
                return text

            def link(match):
                entry = self._entry_for(match.group(0))
                if entry is None or entry.id in used:
                    return match.group(0)
                used.add(entry.id)
                return self.partials.term(entry, href_for(entry), match.group(0))

            return self.pattern.sub(link, text)

        return rewrite_text(page_html, replace_text)


def _skipped(ancestors):
    for tag, attrs in ancestors:
        if tag in SKIP_TAGS:
            return True
        classes = attrs.get("class") or ""
        if any(c in classes for c in SKIP_CLASSES) or "data-quiz" in attrs or "data-demo" in attrs:
            return True
    return False
