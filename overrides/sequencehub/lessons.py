"""The course model: the lessons in order, from their pages' front matter, and the JSON the browser reads
(``<script type="application/json" id="sequencehub-course">``: XP, skills, the skill matrix)."""
from __future__ import annotations

from mkdocs.exceptions import PluginError


def _as_number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return 999.0


def collect(files, page_quizzes, track):
    """The lessons (pages whose front matter has ``skill``), sorted by ``order`` then title; a ``requires`` that
    names no lesson stops the build."""
    lessons = []
    for file in files.documentation_pages():
        page = file.page
        meta = (page.meta if page else None) or {}
        if not meta.get("skill"):
            continue
        requires = meta.get("requires") or []
        if isinstance(requires, str):
            requires = [requires]
        quizzes = page_quizzes.get(file.src_uri, [])
        lessons.append({
            "id": str(meta["skill"]), "title": page.title or str(meta.get("title") or meta["skill"]),
            "description": str(meta.get("description") or ""), "url": file.url, "src": file.src_uri,
            "requires": [str(r) for r in requires], "order": meta.get("order", 999),
            "track": str(meta.get("track") or track), "author": meta.get("author"),
            "quizzes": [{"id": q.id, "questions": len(q.questions), "pass": q.pass_fraction, "xp": q.xp}
                        for q in quizzes]})
    lessons.sort(key=lambda lesson: (_as_number(lesson["order"]), lesson["title"]))
    ids = {lesson["id"] for lesson in lessons}
    problems = [f"docs/{lesson['src']}: requires unknown skill `{req}` (known: {', '.join(sorted(ids))})"
                for lesson in lessons for req in lesson["requires"] if req not in ids]
    if problems:
        raise PluginError("\n".join(problems))
    return lessons


def course_json(site_name, lessons, page_quizzes, skills_url):
    quizzes = {}
    for src, quizzes_here in page_quizzes.items():
        lesson = next((lesson["id"] for lesson in lessons if lesson["src"] == src), None)
        for q in quizzes_here:
            quizzes[q.id] = {"questions": len(q.questions), "question_ids": [question.id for question in q.questions],
                             "xp": q.xp, "pass": q.pass_fraction, "lesson": lesson}
    public = [{k: v for k, v in lesson.items() if k not in ("src", "author", "description")} for lesson in lessons]
    return {"version": 1, "site": site_name, "skills_url": skills_url,
            "tracks": sorted({lesson["track"] for lesson in lessons}), "lessons": public, "quizzes": quizzes}
