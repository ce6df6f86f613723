"""A lesson's SCORM 1.2 package inside a stub LMS: the quiz score reaches the SCORM API."""
import re
import zipfile

import shtest
from shtest import serve_directory
from embed_helpers import answer_all_correctly, answer_choice

LESSON = "vanishing-gradient"

STUB_LMS = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>stub LMS</title>
<script>
  // A SCORM 1.2 run-time API that records every call (what an LMS puts in the frame around a SCO).
  window.calls = [];
  window.cmi = {"cmi.core.lesson_status": "not attempted"};
  const record = (name, result) => (...args) => { calls.push([name, ...args]); return result(...args); };
  window.API = {
    LMSInitialize: record("LMSInitialize", () => "true"),
    LMSFinish: record("LMSFinish", () => "true"),
    LMSGetValue: record("LMSGetValue", (k) => cmi[k] ?? ""),
    LMSSetValue: record("LMSSetValue", (k, v) => { cmi[k] = v; return "true"; }),
    LMSCommit: record("LMSCommit", () => "true"),
    LMSGetLastError: record("LMSGetLastError", () => "0"),
    LMSGetErrorString: record("LMSGetErrorString", () => ""),
    LMSGetDiagnostic: record("LMSGetDiagnostic", () => ""),
  };
</script></head><body><iframe id="sco" src="course/index.html" style="width:900px;height:700px"></iframe></body></html>
"""


def test_scorm_score_reaches_the_lms(page, tmp_path):
    with zipfile.ZipFile(shtest.SITE / "scorm" / f"{LESSON}.zip") as zf:
        zf.extractall(tmp_path / "course")
    (tmp_path / "lms.html").write_text(STUB_LMS, encoding="utf-8")
    url, server = serve_directory(tmp_path)
    try:
        page.goto(url + "lms.html")
        page.wait_for_function("calls.some((c) => c[0] === 'LMSInitialize')")
        page.wait_for_function("cmi['cmi.core.lesson_status'] === 'incomplete'")
        sco = page.frame_locator("#sco")
        assert sco.locator(".md-nav, .md-header").count() == 0
        demo = sco.locator("[data-demo]").first                     # the engine travels in the package
        demo.scroll_into_view_if_needed()
        page.frame(url=lambda u: u.endswith("course/index.html")).wait_for_function(
            "document.querySelector('[data-demo]').dataset.status === 'ready'", timeout=60_000)
        question = sco.locator("[data-question]", has_text="designed to solve").first
        answer_choice(question, "LSTM")
        page.wait_for_function("Number(cmi['cmi.core.score.raw']) > 0")
        calls = page.evaluate("calls")
        assert ["LMSSetValue", "cmi.core.score.max", "100"] in calls
        assert calls.index(["LMSCommit", ""]) > [c[:2] for c in calls].index(["LMSSetValue", "cmi.core.score.raw"])
        answer_all_correctly(sco.locator("[data-quiz]").first)
        page.wait_for_function("cmi['cmi.core.lesson_status'] === 'passed'")
        page.evaluate("document.getElementById('sco').remove()")           # the learner leaves the lesson
        page.wait_for_function("calls.some((c) => c[0] === 'LMSFinish')")
        assert re.fullmatch(r"\d{4}:\d{2}:\d{2}\.\d{2}", page.evaluate("cmi['cmi.core.session_time']"))
    finally:
        server.shutdown()
