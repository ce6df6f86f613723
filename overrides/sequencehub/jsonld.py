"""Structured data (schema.org JSON-LD) for every page: the course on the overview, a LearningResource per
lesson (with its author), an FAQPage for the FAQ, a DefinedTermSet for the glossary, a Quiz per quiz, and a
WebPage that is part of the course everywhere else.
"""
from __future__ import annotations

import json

from .htmltext import sections, strip_permalinks, text_of

CONTEXT = "https://schema.org"
QUESTION_TYPES = {"single": "Multiple choice", "multiple": "Checkbox", "numeric": "Numeric",
                  "generate": "Numeric"}


def script_tag(data):
    """A <script type="application/ld+json"> whose text is valid JSON and cannot close the script early."""
    text = json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":"))
    text = text.replace("</", "<\\/").replace("<!--", "<\\u0021--")
    return f'<script type="application/ld+json">{text}</script>'


def person(author):
    if isinstance(author, str):
        author = {"name": author}
    if not isinstance(author, dict) or not author.get("name"):
        return None
    out = {"@type": "Person", "name": str(author["name"])}
    if author.get("role"):
        out["jobTitle"] = str(author["role"])
    return out


def quiz_node(quiz, page_url, md_text, about=None, instance=None):
    """A Quiz with its questions (accepted and suggested answers), as Google's practice-problem markup reads it.

    `md_text` turns a question's Markdown into plain text (math as Unicode). A generated question is described by
    the one fixed instance the LMS exports carry: `instance(kind)` -> {prompt_html, value, ...} or None."""
    parts = []
    for q in quiz.questions:
        node = {"@type": "Question", "eduQuestionType": QUESTION_TYPES[q.kind], "text": md_text(q.prompt)}
        if q.kind == "generate":
            fixed = instance(q.generate) if instance else None
            if fixed is not None:
                node["text"] = f"{node['text']} {text_of(fixed['prompt_html'])}".strip()
                node["acceptedAnswer"] = {"@type": "Answer", "text": f"{fixed['value']:g}"}
        if q.kind in ("single", "multiple"):
            accepted = [{"@type": "Answer", "text": md_text(o.text), "position": i}
                        for i, o in enumerate(q.options) if o.correct]
            node["acceptedAnswer"] = accepted[0] if len(accepted) == 1 else accepted
            node["suggestedAnswer"] = [{"@type": "Answer", "text": md_text(o.text), "position": i}
                                       for i, o in enumerate(q.options) if not o.correct]
        elif q.kind == "numeric":
            node["acceptedAnswer"] = {"@type": "Answer", "text": q.value_text}
        if q.explanation:
            node["comment"] = {"@type": "Comment", "text": md_text(q.explanation)}
        parts.append(node)
    node = {"@type": "Quiz", "@id": f"{page_url}#quiz-{quiz.id}", "name": quiz.title, "url": page_url,
            "hasPart": parts}
    if about:
        node["about"] = about
    return node


def course_node(site, lessons):
    return {"@type": "Course", "@id": f"{site['url']}#course", "name": site["name"],
            "description": site["description"], "url": site["url"], "inLanguage": site["language"],
            "isAccessibleForFree": True,
            "provider": {"@type": "Organization", "name": site["name"], "url": site["url"]},
            "hasPart": [{"@id": f"{lesson['abs_url']}#lesson"} for lesson in lessons],
            "teaches": [lesson["title"] for lesson in lessons],
            "hasCourseInstance": {"@type": "CourseInstance", "courseMode": "online"}}


def lesson_node(site, lesson, quizzes, page_url, md_text, lessons_by_id, instance=None):
    node = {"@type": "LearningResource", "@id": f"{page_url}#lesson", "name": lesson["title"], "url": page_url,
            "description": lesson["description"], "learningResourceType": "Lesson", "inLanguage": site["language"],
            "isAccessibleForFree": True, "position": lesson["order"], "teaches": lesson["title"],
            "isPartOf": {"@id": f"{site['url']}#course"}}
    author = person(lesson.get("author"))
    if author:
        node["author"] = author
    required = [lessons_by_id[r]["title"] for r in lesson["requires"] if r in lessons_by_id]
    if required:
        node["competencyRequired"] = required
    if quizzes:
        node["hasPart"] = [quiz_node(q, page_url, md_text, about=lesson["title"], instance=instance) for q in quizzes]
    return node


def faq_node(content_html, page_url, title):
    """FAQPage from the rendered FAQ: each `## Question?` heading and the paragraphs up to the next heading."""
    entities = []
    for question, ident, body in sections(content_html, 2):
        if not question.endswith("?"):
            continue
        answer = text_of(strip_permalinks(body))
        if answer:
            entities.append({"@type": "Question", "name": question, "url": f"{page_url}#{ident}" if ident else page_url,
                             "acceptedAnswer": {"@type": "Answer", "text": answer}})
    return {"@type": "FAQPage", "@id": f"{page_url}#faq", "name": title, "url": page_url, "mainEntity": entities}


def glossary_node(entries, page_url, title, taught_url):
    terms = []
    for entry in entries:
        term = {"@type": "DefinedTerm", "@id": f"{page_url}#{entry.id}", "name": entry.term, "termCode": entry.id,
                "description": entry.plain_definition, "url": f"{page_url}#{entry.id}",
                "inDefinedTermSet": {"@id": f"{page_url}#terms"}}
        if entry.aliases:
            term["alternateName"] = entry.aliases
        where = taught_url(entry)
        if where:
            term["subjectOf"] = {"@type": "LearningResource", "name": entry.taught_title, "url": where}
        terms.append(term)
    return {"@type": "DefinedTermSet", "@id": f"{page_url}#terms", "name": title, "url": page_url,
            "hasDefinedTerm": terms}


def web_page(site, page_url, title, description):
    node = {"@type": "WebPage", "@id": f"{page_url}#webpage", "name": title, "url": page_url,
            "inLanguage": site["language"], "isPartOf": {"@id": f"{site['url']}#course"}}
    if description:
        node["description"] = description
    return node


def graph(nodes):
    return {"@context": CONTEXT, "@graph": [n for n in nodes if n]}
