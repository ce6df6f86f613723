"""HTML the plugin writes into pages: the quiz widget's markup (with its answer data as JSON), the author card and
the skill matrix's no-JavaScript fallback. Every text a reader sees goes through ``md`` (the page's own Markdown
configuration, so math, code and links behave as elsewhere on the page) and every attribute through ``escape``.

The quiz markup carries the public test hooks (``[data-quiz]``, ``[data-question]``, ``[data-option]``,
``[data-answer-input]``, ``[data-check]``, ``[data-feedback]``); ``assets/quiz/quiz.js`` brings it to life.
"""
from __future__ import annotations

import html
import json

from .quiz import Quiz


def escape(text):
    return html.escape(str(text), quote=True)


def json_attr(data):
    """JSON for an HTML attribute value (escaped; keeps answer data out of the search index's text)."""
    return escape(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


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


def _question_html(quiz, q, md):
    base = f"sh-{quiz.id}-{q.id}"
    attrs = f'class="sh-quiz__question" data-question="{q.id}" data-kind="{q.kind}"'
    if q.kind == "generate":
        attrs += f' data-generate="{escape(q.generate)}"'
    parts = [f'<li {attrs}>', '<form class="sh-quiz__form" novalidate>', f'<fieldset class="sh-quiz__fieldset" aria-describedby="{base}-feedback">',
             f'<legend class="sh-quiz__prompt" id="{base}-prompt">{md(q.prompt)}</legend>']
    if q.kind in ("single", "multiple"):
        kind = "radio" if q.kind == "single" else "checkbox"
        hint = "Choose one answer." if q.kind == "single" else "Select every answer that applies."
        parts.append(f'<p class="sh-quiz__hint">{hint}</p>')
        parts.append('<ul class="sh-quiz__options">')
        for i, option in enumerate(q.options):
            parts.append(
                f'<li><label class="sh-quiz__option" data-option="{i}">'
                f'<input type="{kind}" name="{base}" value="{i}"> '
                f'<span class="sh-quiz__option-text">{md(option.text)}</span></label>'
                f'<div class="sh-quiz__option-feedback" data-option-feedback="{i}" hidden></div></li>')
        parts.append("</ul>")
    else:
        if q.kind == "generate":
            parts.append(f'<div class="sh-quiz__generated" data-generated aria-live="polite">'
                         f'<p class="sh-quiz__loading">Loading a fresh question from the compiled core…</p></div>')
        label = "Your answer (a number)"
        parts.append(f'<p class="sh-quiz__numeric"><label for="{base}-input">{label}</label> '
                     f'<input id="{base}-input" class="sh-quiz__input" type="text" inputmode="decimal" '
                     f'autocomplete="off" spellcheck="false" data-answer-input></p>')
    # disabled until quiz.js has mounted: no native form submission, and a click waits for the widget
    parts.append(f'<p class="sh-quiz__actions"><button type="submit" class="md-button sh-quiz__check" data-check '
                 f'disabled>Check</button></p>')
    parts.append(f'<div class="sh-quiz__feedback" id="{base}-feedback" data-feedback role="status" '
                 f'aria-live="polite"></div>')
    parts.append(f'<div class="sh-quiz__explanation" data-explanation hidden></div>')
    parts.append("</fieldset></form></li>")
    return "".join(parts)


def quiz_html(quiz: Quiz, md, downloads=None):
    """The widget: a <section> root, one <form> per question (Enter checks a numeric answer)."""
    count = len(quiz.questions)
    need = round(quiz.pass_fraction * count + 1e-9) if quiz.pass_fraction < 1 else count
    # the XP rule of progress/store.js (recordAnswer), stated where the reader sees the quiz
    half = (quiz.xp + 1) // 2                       # store.js retakeXp: Math.ceil(xp / 2)
    xp = (f"{quiz.xp} XP for each right first answer (missed one? a retake earns {half} XP for it when you get it "
          f"right, up to {quiz.xp})" if quiz.xp else "practice: no XP")
    meta = f"{count} question{'s' if count != 1 else ''} · {xp} · pass with {need} of {count} right first time"
    title_id = f"sh-quiz-{quiz.id}-title"
    out = [f'<section class="sh-quiz" data-quiz="{escape(quiz.id)}" data-xp="{quiz.xp}" '
           f'data-pass="{quiz.pass_fraction:g}" data-title="{escape(quiz.title)}" aria-labelledby="{title_id}" '
           f'data-quiz-answers="{json_attr(quiz_data(quiz, md))}">',
           f'<h2 class="sh-quiz__title" id="{title_id}">{escape(quiz.title)}</h2>',
           f'<p class="sh-quiz__meta">{escape(meta)}</p>',
           '<p class="sh-quiz__status" data-quiz-status aria-live="polite"></p>',
           '<noscript><p>This quiz needs JavaScript to check answers.</p></noscript>',
           '<ol class="sh-quiz__questions">']
    for q in quiz.questions:
        out.append(_question_html(quiz, q, md))
    out.append("</ol>")
    out.append('<p class="sh-quiz__footer"><button type="button" class="md-button sh-quiz__retake" '
               'data-retake hidden>Take the quiz again</button></p>')
    out.append("</section>")
    if downloads:
        links = " · ".join(f'<a href="{escape(href)}" download>{escape(label)}</a>' for label, href in downloads)
        out.append(f'<p class="sh-quiz-downloads">For your learning-management system: {links}</p>')
    return "\n".join(out)


def initials(name):
    words = [w for w in str(name).replace("-", " ").split() if w[:1].isalpha()]
    return "".join(w[0].upper() for w in words[:2]) or "?"


def author_card(author):
    """A lesson's author card from front matter `author: {name, role}` (a string is a name)."""
    if isinstance(author, str):
        author = {"name": author}
    if not isinstance(author, dict) or not author.get("name"):
        return ""
    role = f'<span class="sh-author__role">{escape(author["role"])}</span>' if author.get("role") else ""
    return (f'<aside class="sh-author" aria-label="Author"><span class="sh-author__avatar" aria-hidden="true">'
            f'{escape(initials(author["name"]))}</span><span class="sh-author__text">'
            f'<span class="sh-author__name">{escape(author["name"])}</span>{role}</span></aside>')


def skill_fallback(lessons, url_for):
    """The skill matrix without JavaScript: the lessons in order with their prerequisites."""
    names = {lesson["id"]: lesson["title"] for lesson in lessons}
    items = []
    for lesson in lessons:
        needs = ", ".join(escape(names.get(r, r)) for r in lesson["requires"]) or "nothing"
        items.append(f'<li><a href="{escape(url_for(lesson["url"]))}">{escape(lesson["title"])}</a> '
                     f'<span class="sh-skills__requires">(requires {needs})</span></li>')
    return f'<ol class="sh-skills__fallback">{"".join(items)}</ol>'
