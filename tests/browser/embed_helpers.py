"""Shared by the embedding browser tests: a parent page on a second origin, quiz answering through the hooks."""
import json
import pathlib

from shtest import serve_directory


def parent_site(tmp_path, body, name="index.html"):
    """Serve `body` (HTML inside <body>) from a folder of its own: a second origin. Returns (url, origin, server).
    The page records every message whose data.source is "sequencehub" in window.messages."""
    folder = pathlib.Path(tmp_path) / "parent"
    folder.mkdir(exist_ok=True)
    url, server = serve_directory(folder)
    origin = url.rstrip("/")
    (folder / name).write_text(
        '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>parent</title>'
        "<script>window.messages = [];"
        'addEventListener("message", (e) => { if (e.data && e.data.source === "sequencehub") '
        "messages.push({origin: e.origin, ...e.data}); });</script></head><body>"
        + body.replace("{origin}", origin) + "</body></html>", encoding="utf-8")
    return url + name, origin, server


def wait_message(page, predicate_js, timeout=30_000):
    """Wait until window.messages holds a message matching `predicate_js` (a JS expression over `m`); return it."""
    page.wait_for_function(f"window.messages.some((m) => {predicate_js})", timeout=timeout)
    return page.evaluate(f"window.messages.find((m) => {predicate_js})")


def answer_choice(question, text):
    """Pick the option containing `text` in a choice question and check it (the public test hooks)."""
    question.locator("[data-option]", has_text=text).first.click()
    question.locator("[data-check]").first.click()


def answer_all_correctly(quiz):
    """Answer every question of the quiz under locator `quiz` right, from the answers the widget carries
    (data-quiz-answers); returns the number of questions. Generated items are not supported here."""
    answers = json.loads(quiz.get_attribute("data-quiz-answers"))
    for item in answers["questions"]:
        question = quiz.locator(f'[data-question="{item["id"]}"]')
        if item["kind"] in ("single", "multiple"):
            for index in item["correct"]:
                question.locator(f'[data-option="{index}"] input').check()
        elif item["kind"] == "numeric":
            question.locator("[data-answer-input]").fill(str(item["value"]))
        else:
            raise ValueError(f"cannot answer a {item['kind']} item")
        question.locator("[data-check]").click()
        question.locator("[data-feedback][data-correct]").wait_for()
    return len(answers["questions"])
