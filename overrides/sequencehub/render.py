"""The markup the plugin writes into pages, from Jinja partials a site can override.

The partials live in this package's ``templates/partials/sequencehub/`` (``quiz.html``, ``quiz-generated.html``,
``author.html``, ``skills-fallback.html``, ``demo.html``, ``term.html``, ``glossary-index.html``,
``glossary-card.html``). They are looked up through the theme's folders first, so a site restyles a quiz the way
it restyles any Material partial: a file of the same path in its ``custom_dir``.
Templates are autoescaped; texts a reader sees come in as HTML from the page's own Markdown (``md``: math, code and
links as elsewhere on the page), or as the glossary's own Markdown that the page then renders, and are marked safe
here, nowhere else.
"""
from __future__ import annotations

import json
import pathlib

import jinja2
import markupsafe

from .quiz import Quiz

TEMPLATES = pathlib.Path(__file__).resolve().parent / "templates"


def quiz_data(quiz: Quiz, md):
    """What the browser needs to grade and explain: per question its kind, answers, feedback and explanation."""
    questions = []
    for q in quiz.questions:
        item = {"id": q.id, "kind": q.kind, "explanation": md(q.explanation, block=True) if q.explanation else ""}
        if q.kind in ("single", "multiple"):
            item["correct"] = [i for i, o in enumerate(q.options) if o.correct]
            item["feedback"] = [md(o.feedback) if o.feedback else "" for o in q.options]
        elif q.kind == "numeric":
            item["value"] = q.value
            item["tolerance"] = q.tolerance
        else:
            item["generate"] = q.generate
        questions.append(item)
    return {"id": quiz.id, "xp": quiz.xp, "pass": quiz.pass_fraction, "questions": questions}


def initials(name):
    words = [w for w in str(name).replace("-", " ").split() if w[:1].isalpha()]
    return "".join(w[0].upper() for w in words[:2]) or "?"


def quiz_number(value):
    """A generated item's number as the page shows it (quiz.js writes the same: a true minus sign)."""
    return f"{value:g}".replace("-", "\u2212")


class Partials:
    """The plugin's partials for one build: ``theme_dirs`` (the theme's folders, custom_dir first) win over ours."""

    def __init__(self, theme_dirs=()):
        loader = jinja2.FileSystemLoader([*theme_dirs, str(TEMPLATES)])
        self.env = jinja2.Environment(loader=loader, autoescape=True, keep_trailing_newline=False)

    def _render(self, template, **context):
        return self.env.get_template(f"partials/sequencehub/{template}").render(**context).strip()

    def quiz(self, quiz: Quiz, md, downloads=None):
        """The quiz widget; ``downloads`` [(label, href)] links its LMS exports."""
        count = len(quiz.questions)
        need = round(quiz.pass_fraction * count + 1e-9) if quiz.pass_fraction < 1 else count
        # the XP rule of progress/store.js (recordAnswer), stated where the reader sees the quiz
        half = (quiz.xp + 1) // 2                       # store.js retakeXp: Math.ceil(xp / 2)
        xp = (f"{quiz.xp} XP for each right first answer (missed one? a retake earns {half} XP for it when you get "
              f"it right, up to {quiz.xp})" if quiz.xp else "practice: no XP")
        questions = [{"id": q.id, "kind": q.kind, "generate": q.generate, "base": f"sh-{quiz.id}-{q.id}",
                      "prompt": markupsafe.Markup(md(q.prompt)),
                      "options": [{"text": markupsafe.Markup(md(o.text))} for o in q.options]}
                     for q in quiz.questions]
        answers = json.dumps(quiz_data(quiz, md), ensure_ascii=False, separators=(",", ":"))
        return self._render("quiz.html", quiz=quiz, questions=questions, answers=answers, downloads=downloads,
                            meta=f"{count} question{'s' if count != 1 else ''} · {xp} · pass with {need} of {count} "
                                 "right first time")

    def generated_prompt(self, kind, numbers, tolerance):
        """One instance of a generated item's prompt, numbers filled in (for the LMS exports)."""
        values = dict(numbers, tolerance=tolerance)

        def number(path):
            value = values
            for key in path.split("."):
                value = value[int(key)] if isinstance(value, list) else value[key]
            return quiz_number(value)

        return self._render("quiz-generated.html", q={"generate": kind}, numbers=number)

    def author_card(self, author):
        """A lesson's author card from front matter ``author: {name, role}`` (a string is a name)."""
        if isinstance(author, str):
            author = {"name": author}
        if not isinstance(author, dict) or not author.get("name"):
            return ""
        return self._render("author.html", author=author, initials=initials(author["name"]))

    def skill_fallback(self, lessons, url_for):
        """The skill matrix without JavaScript: the lessons in order with their prerequisites."""
        names = {lesson["id"]: lesson["title"] for lesson in lessons}
        return self._render("skills-fallback.html", lessons=[
            {"title": lesson["title"], "href": url_for(lesson["url"]), "requires": [names.get(r, r) for r in
                                                                                   lesson["requires"]]}
            for lesson in lessons])

    def term(self, entry, href, text):
        """A glossary term on a page linked to its card (``text``: the page's own HTML for the words)."""
        return self._render("term.html", entry=entry, href=href, text=markupsafe.Markup(text))

    def glossary_card(self, entry):
        """A glossary entry as its card: Markdown with md_in_html, in place of the entry's five lines (its texts stay
        the author's Markdown, rendered with the rest of the glossary page)."""
        md = {name: markupsafe.Markup(getattr(entry, name))
              for name in ("term", "definition", "code", "taught_title", "taught_href")}
        return self._render("glossary-card.html", entry=entry, md=md)

    def glossary_index(self, entries):
        """The glossary's jump list, in the page's own order (the glossary leads with the course's core terms), so
        a reader who follows the list down the page meets the entries in the same order."""
        return self._render("glossary-index.html", entries=entries)

    def table(self, markup):
        """A content table in its own block (see the template for why)."""
        return self._render("table.html", table=markupsafe.Markup(markup))

    def demo(self, name):
        """A demo's bare frame (embed pages)."""
        return self._render("demo.html", name=name)
