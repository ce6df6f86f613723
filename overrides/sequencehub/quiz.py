"""The quiz syntax: find ```quiz fences in a page's Markdown, parse them, report mistakes with file and line.

A fence holds questions separated by blank lines::

    ```quiz id="lstm" title="Check your understanding" xp="10" pass="0.8"
    ? Question text (inline Markdown)
    ( ) a single-choice option           [ ] a multiple-choice option
    (x) the correct one                  [x] each correct one
      > feedback for the option above (indented)
    = 42 +- 0.5                          a numeric answer with its tolerance (default 0)
    @ generate rnn-h2                    a numeric item the core generates and grades in the browser
    ! explanation, shown after answering
    ```

Other indented lines continue the text of the line above. ``parse_page`` never raises on bad markup: it returns
the quizzes it understood and a list of :class:`QuizError` (line numbers are 1-based and refer to the Markdown it
was given; the plugin maps them back to the source file).
"""
from __future__ import annotations

import dataclasses
import math
import re
import shlex

KINDS = ("single", "multiple", "numeric", "generate")
ATTRIBUTES = ("id", "title", "xp", "pass")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
GENERATE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
FENCE_RE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>.*)$")
NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
OPTION_RE = re.compile(r"^(?P<box>\((?P<r>[ xX])\)|\[(?P<c>[ xX])\])(?:[ \t]+(?P<text>.*))?$")
SYNTAX_HINT = ("`? question`, `( )`/`(x)` single choice, `[ ]`/`[x]` multiple choice, indented `> feedback`, "
               "`= value +- tolerance`, `@ generate <kind>`, `! explanation`")


class QuizError(Exception):
    def __init__(self, line, message):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclasses.dataclass
class Option:
    text: str
    correct: bool
    line: int
    feedback: str = ""


@dataclasses.dataclass
class Question:
    prompt: str
    line: int
    kind: str = ""
    options: list = dataclasses.field(default_factory=list)
    value: float | None = None
    value_text: str = ""
    tolerance: float = 0.0
    generate: str = ""
    explanation: str = ""
    number: int = 0

    @property
    def id(self):
        return f"q{self.number}"


@dataclasses.dataclass
class Quiz:
    id: str
    title: str
    xp: int
    pass_fraction: float
    questions: list
    line: int              # line of the opening fence
    end_line: int          # line of the closing fence
    start: int             # character offsets of the whole fence in the Markdown
    end: int
    indent: str = ""
    page: str = ""         # src_uri of the page, filled in by the plugin


# ------------------------------------------------------------------------------------------------ fences
def find_fences(markdown):
    """Yield (info, indent, first_line, last_line, body_lines, start, end) for each ```quiz fence.

    Other fenced blocks are skipped whole, so a quiz shown as an example inside a ````markdown block is not one.
    Line numbers are 1-based; an unclosed quiz fence is yielded with last_line None.
    """
    lines = markdown.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    while i < len(lines):
        match = FENCE_RE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, info, indent = match["fence"], match["info"].strip(), match["indent"]
        if fence[0] == "`" and "`" in info:        # inline code like ``` `x` ``` is not a fence
            i += 1
            continue
        closing = None
        for j in range(i + 1, len(lines)):
            close = FENCE_RE.match(lines[j])
            if (close and close["fence"][0] == fence[0] and len(close["fence"]) >= len(fence)
                    and not close["info"].strip()):
                closing = j
                break
        is_quiz = re.match(r"^\{?\s*\.?quiz\b", info) is not None
        if is_quiz:
            body = [_dedent(line, indent) for line in lines[i + 1:closing if closing is not None else len(lines)]]
            end = offsets[closing + 1] - 1 if closing is not None else offsets[-1] - 1
            yield info, indent, i + 1, (closing + 1 if closing is not None else None), body, offsets[i], end
            if closing is None:
                return
        i = (closing if closing is not None else len(lines)) + 1


def _dedent(line, indent):
    return line[len(indent):] if line.startswith(indent) else line.lstrip(" \t")


# ------------------------------------------------------------------------------------------------ attributes
def parse_attributes(info, line):
    """`quiz id="x" title="A title" xp="10"` (also `{.quiz id=x}`) -> dict; raises QuizError."""
    text = info.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    text = re.sub(r"^\.?quiz\b", "", text).strip()
    try:
        tokens = shlex.split(text)
    except ValueError as error:
        raise QuizError(line, f"cannot read the quiz attributes ({error}); write them as key=\"value\"")
    attrs = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep:
            raise QuizError(line, f"quiz attribute `{token}` has no value; write {token}=\"...\"")
        if key not in ATTRIBUTES:
            raise QuizError(line, f"unknown quiz attribute `{key}` (known: {', '.join(ATTRIBUTES)})")
        if key in attrs:
            raise QuizError(line, f"quiz attribute `{key}` is given twice")
        attrs[key] = value
    if "id" not in attrs:
        raise QuizError(line, 'the quiz has no id: add id="some-id" to the ```quiz line (unique on the site)')
    if not ID_RE.match(attrs["id"]):
        raise QuizError(line, f"quiz id `{attrs['id']}` must be lower-case letters, digits, - or _ "
                              "(it names files and URLs)")
    xp = attrs.get("xp", "10")
    if not re.fullmatch(r"\d{1,4}", xp):
        raise QuizError(line, f"xp=\"{xp}\" must be a whole number of points (0 to 9999)")
    raw_pass = attrs.get("pass", "1")
    try:
        fraction = float(raw_pass[:-1]) / 100 if raw_pass.endswith("%") else float(raw_pass)
    except ValueError:
        fraction = float("nan")
    if not (0 < fraction <= 1):
        raise QuizError(line, f"pass=\"{raw_pass}\" must be a fraction in (0, 1] such as 0.8, or a percentage "
                              "such as 80%")
    return {"id": attrs["id"], "title": attrs.get("title", "Check your understanding"), "xp": int(xp),
            "pass": fraction}


# ------------------------------------------------------------------------------------------------ body
def parse_number(text, line, what="value"):
    cleaned = text.strip().replace("\u2212", "-").replace("_", "")
    if not NUMBER_RE.match(cleaned):
        raise QuizError(line, f"`{text.strip()}` is not a number (the numeric answer's {what}); write e.g. "
                              "`= 0.462 +- 0.001`")
    value = float(cleaned)
    if not math.isfinite(value):
        raise QuizError(line, f"`{text.strip()}` is not a finite number")
    return value


def parse_body(body, first_line, generate_kinds=None):
    """Parse the lines inside a fence (first_line = line number of body[0]). Returns (questions, errors)."""
    questions, errors = [], []
    broken = set()
    question = None
    last = None            # what an indented continuation line extends: (object, attribute)
    last_option = None
    for offset, raw in enumerate(body):
        line_no = first_line + offset
        line = raw.rstrip()
        if not line.strip():
            last, last_option = None, None
            continue
        try:
            if line[0] in " \t":
                stripped = line.strip()
                if stripped.startswith(">"):
                    if last_option is None:
                        raise QuizError(line_no, "feedback `>` must come right after the option it belongs to "
                                                 "(indented under a `( )`/`[ ]` line)")
                    text = stripped[1:].strip()
                    if not text:
                        raise QuizError(line_no, "empty feedback line: write `  > why this option is right/wrong`")
                    last_option.feedback = f"{last_option.feedback}\n{text}" if last_option.feedback else text
                    last = (last_option, "feedback")
                elif last is not None:
                    obj, attr = last
                    setattr(obj, attr, f"{getattr(obj, attr)}\n{stripped}")
                else:
                    raise QuizError(line_no, f"indented line `{stripped[:40]}` continues nothing: indent only "
                                             "option feedback (`  > ...`) or the continuation of a line")
                continue
            last_option = None
            if line.startswith("?"):
                text = line[1:].strip()
                if not text:
                    raise QuizError(line_no, "empty question: write `? Your question`")
                question = Question(prompt=text, line=line_no, number=len(questions) + 1)
                questions.append(question)
                last = (question, "prompt")
                continue
            if question is None:
                raise QuizError(line_no, f"`{line[:40]}` comes before any question: start with `? Question`")
            option = OPTION_RE.match(line)
            if option:
                kind = "single" if option["r"] is not None else "multiple"
                mark = option["r"] if kind == "single" else option["c"]
                if not (option["text"] or "").strip():
                    raise QuizError(line_no, f"option `{option['box']}` has no text")
                _set_kind(question, kind, line_no)
                opt = Option(text=option["text"].strip(), correct=mark in "xX", line=line_no)
                question.options.append(opt)
                last, last_option = (opt, "text"), opt
                continue
            if line.startswith("="):
                _set_kind(question, "numeric", line_no)
                if question.value is not None:
                    raise QuizError(line_no, "a question has one numeric answer `= value`")
                parts = re.split(r"\+-|±|\+/-", line[1:], maxsplit=1)
                question.value = parse_number(parts[0], line_no)
                question.value_text = parts[0].strip()
                question.tolerance = parse_number(parts[1], line_no, "tolerance") if len(parts) > 1 else 0.0
                if question.tolerance < 0:
                    raise QuizError(line_no, "the tolerance after `+-` must not be negative")
                last = None
                continue
            if line.startswith("@"):
                parts = line[1:].split()
                if len(parts) != 2 or parts[0] != "generate":
                    raise QuizError(line_no, f"unknown directive `{line}`: the only one is `@ generate <kind>`")
                kind = parts[1]
                if not GENERATE_RE.match(kind):
                    raise QuizError(line_no, f"generated item kind `{kind}` must be lower-case letters, digits, -")
                if generate_kinds is not None and kind not in generate_kinds:
                    raise QuizError(line_no, f"unknown generated item `{kind}` (the core knows: "
                                             f"{', '.join(sorted(generate_kinds))})")
                _set_kind(question, "generate", line_no)
                if question.generate:
                    raise QuizError(line_no, "a question has one `@ generate` line")
                question.generate = kind
                last = None
                continue
            if line.startswith("!"):
                text = line[1:].strip()
                if not text:
                    raise QuizError(line_no, "empty explanation: write `! Why the answer is what it is`")
                question.explanation = f"{question.explanation}\n\n{text}" if question.explanation else text
                last = (question, "explanation")
                continue
            raise QuizError(line_no, f"cannot read `{line[:60]}`; a quiz line starts with one of: {SYNTAX_HINT}")
        except QuizError as error:
            errors.append(error)
            if question is not None:
                broken.add(id(question))         # its own checks would only repeat this error
    for q in questions:
        if id(q) not in broken:
            errors.extend(_check_question(q))
    return questions, errors


def _set_kind(question, kind, line_no):
    if question.kind and question.kind != kind:
        names = {"single": "single-choice options `( )`", "multiple": "multiple-choice options `[ ]`",
                 "numeric": "a numeric answer `=`", "generate": "`@ generate`"}
        raise QuizError(line_no, f"this question already has {names[question.kind]}; it cannot also have "
                                 f"{names[kind]} (question on line {question.line})")
    question.kind = kind


def _check_question(q):
    if not q.kind:
        return [QuizError(q.line, "question has no answer: add options `( )`/`(x)` or `[ ]`/`[x]`, a numeric "
                                  "answer `= value +- tolerance`, or `@ generate <kind>`")]
    if q.kind in ("single", "multiple"):
        correct = sum(o.correct for o in q.options)
        if len(q.options) < 2:
            return [QuizError(q.line, "a choice question needs at least two options")]
        if q.kind == "single" and correct != 1:
            return [QuizError(q.line, f"a single-choice question needs exactly one correct option `(x)`, "
                                      f"found {correct}" + (" (use `[x]` boxes for several)" if correct else ""))]
        if q.kind == "multiple" and correct == 0:
            return [QuizError(q.line, "no correct option: mark at least one `[x]`")]
    return []


def parse_page(markdown, generate_kinds=None):
    """All quizzes of a page's Markdown: (quizzes, errors)."""
    quizzes, errors = [], []
    for info, indent, first, last, body, start, end in find_fences(markdown):
        if last is None:
            errors.append(QuizError(first, "the ```quiz fence is never closed (add a ``` line after the last "
                                           "question)"))
            continue
        try:
            attrs = parse_attributes(info, first)
        except QuizError as error:
            errors.append(error)
            attrs = None
        questions, body_errors = parse_body(body, first + 1, generate_kinds)
        errors.extend(body_errors)
        if not questions and not body_errors:
            errors.append(QuizError(first, "the quiz has no questions (each starts with `? `)"))
        if attrs is not None:
            quizzes.append(Quiz(id=attrs["id"], title=attrs["title"], xp=attrs["xp"],
                                pass_fraction=attrs["pass"], questions=questions, line=first, end_line=last,
                                start=start, end=end, indent=indent))
    seen = {}
    for quiz in quizzes:
        if quiz.id in seen:
            errors.append(QuizError(quiz.line, f"quiz id `{quiz.id}` is already used on line {seen[quiz.id]}"))
        seen.setdefault(quiz.id, quiz.line)
    errors.sort(key=lambda e: e.line)
    return quizzes, errors
