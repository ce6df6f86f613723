"""The quiz syntax: every kind of malformed markup is reported with its line, and the parser reads the documented
forms (single, multiple, numeric with tolerance, generated items, feedback, explanations, fence attributes)."""
import textwrap

import pytest

from sequencehub.quiz import parse_page


def quiz(body, attrs='id="q" title="T"', before=""):
    return f"{before}```quiz {attrs}\n{textwrap.dedent(body).strip(chr(10))}\n```\n"


GOOD = """\
? Which model was designed to solve the vanishing gradient problem?
( ) A deeper plain RNN
  > Depth makes it worse.
(x) LSTM
  > Right.
! The constant error carousel.

? Which help against exploding gradients? (select all that apply)
[x] Clipping
  > Yes.
[ ] A larger learning rate
[X] A smaller weight scale
! Clipping bounds the step.

? How many parameters?
= 32 +- 0

? What is h_2?
@ generate rnn-h2
! Fresh numbers each attempt.
"""


def test_documented_forms_parse():
    quizzes, errors = parse_page(quiz(GOOD, 'id="vg" title="Check" xp="5" pass="0.75"'), {"rnn-h2"})
    assert errors == []
    (q,) = quizzes
    assert (q.id, q.title, q.xp, q.pass_fraction) == ("vg", "Check", 5, 0.75)
    kinds = [question.kind for question in q.questions]
    assert kinds == ["single", "multiple", "numeric", "generate"]
    single, multiple, numeric, generated = q.questions
    assert [o.correct for o in single.options] == [False, True]
    assert single.options[1].feedback == "Right." and single.explanation == "The constant error carousel."
    assert [o.correct for o in multiple.options] == [True, False, True]
    assert (numeric.value, numeric.tolerance) == (32, 0)
    assert generated.generate == "rnn-h2"
    assert [question.id for question in q.questions] == ["q1", "q2", "q3", "q4"]


def test_defaults_and_tolerance_forms():
    (q,), errors = parse_page(quiz("? x\n= -1.5e-3 ± 0.01", 'id="d"'))
    assert errors == []
    assert (q.title, q.xp, q.pass_fraction) == ("Check your understanding", 10, 1.0)
    assert q.questions[0].value == -1.5e-3 and q.questions[0].tolerance == 0.01
    (q,), _ = parse_page(quiz("? x\n= 2", 'id="d" pass="80%"'))
    assert q.questions[0].tolerance == 0 and q.pass_fraction == 0.8


def test_continuation_lines_and_indented_fence():
    text = "!!! note\n    ```quiz id=\"n\"\n    ? A long\n      question\n    (x) a\n    ( ) b\n    ```\n"
    (q,), errors = parse_page(text)
    assert errors == []
    assert q.questions[0].prompt == "A long\nquestion" and q.indent == "    "


def test_quiz_inside_another_code_block_is_an_example():
    text = "````markdown\n```quiz id=\"example\"\n? nothing here is checked\n```\n````\n"
    assert parse_page(text) == ([], [])


# (markup, line of the error, words the message must contain)
ERRORS = [
    ("? q\n(x) a\n( ) b\nwhat is this", 5, "cannot read"),
    ("(x) a\n( ) b", 2, "before any question"),
    ("? q\n( ) a\n( ) b", 2, "exactly one correct"),
    ("? q\n(x) a\n(x) b", 2, "exactly one correct"),
    ("? q\n[ ] a\n[ ] b", 2, "no correct option"),
    ("? q\n(x) a", 2, "at least two options"),
    ("? q\n(x) a\n[ ] b", 4, "cannot also have"),
    ("? q\n= abc", 3, "not a number"),
    ("? q\n= 1 +- x", 3, "not a number"),
    ("? q\n= 1 +- -2", 3, "must not be negative"),
    ("? q\n= 1\n= 2", 4, "one numeric answer"),
    ("? q\n! only an explanation", 2, "no answer"),
    ("? q\n@ make rnn-h2", 3, "unknown directive"),
    ("? q\n@ generate nope", 3, "unknown generated item"),
    ("? q\n  > feedback without option\n(x) a\n( ) b", 3, "must come right after the option"),
    ("?\n(x) a\n( ) b", 2, "empty question"),
    ("? q\n(x)\n( ) b", 3, "has no text"),
    ("? q\n(x) a\n( ) b\n!", 5, "empty explanation"),
]


@pytest.mark.parametrize("body, line, words", ERRORS)
def test_malformed_markup_is_reported_with_its_line(body, line, words):
    _, errors = parse_page(quiz(body), {"rnn-h2"})
    assert errors, f"no error for {body!r}"
    assert (errors[0].line, words in errors[0].message) == (line, True), (errors[0].line, errors[0].message)


@pytest.mark.parametrize("attrs, words", [
    ('title="no id"', "no id"),
    ('id="Bad Id"', "must be lower-case"),
    ('id="x" xp="ten"', "whole number"),
    ('id="x" pass="1.5"', "fraction"),
    ('id="x" colour="red"', "unknown quiz attribute"),
    ('id="x" id="y"', "given twice"),
    ('id="x" title', "has no value"),
    ('id="x" title="unclosed', "cannot read the quiz attributes"),
])
def test_bad_fence_attributes(attrs, words):
    _, errors = parse_page(quiz("? q\n(x) a\n( ) b", attrs, before="text\n\n"))
    assert errors and errors[0].line == 3 and words in errors[0].message, errors


def test_unclosed_fence_empty_quiz_and_duplicate_id_on_a_page():
    _, errors = parse_page("# T\n\n```quiz id=\"a\"\n? q\n(x) a\n( ) b\n")
    assert errors[0].line == 3 and "never closed" in errors[0].message
    _, errors = parse_page('```quiz id="a"\n```\n')
    assert "no questions" in errors[0].message
    _, errors = parse_page(quiz("? q\n= 1", 'id="a"') + "\n" + quiz("? q\n= 1", 'id="a"'))
    assert errors[0].line == 6 and "already used on line 1" in errors[0].message


def test_every_error_of_a_quiz_is_reported():
    _, errors = parse_page(quiz("? q\n= x\n\n? r\n( ) a\n( ) b"))
    assert [e.line for e in errors] == [3, 5]
