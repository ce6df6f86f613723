"""The site meets the compiled core in one place: without it a build stops with one message, never falls back."""
import os
import subprocess
import sys


def test_a_build_without_the_compiled_core_stops_with_one_clear_message(tmp_path):
    (tmp_path / "hide").mkdir()
    (tmp_path / "hide" / "sitecustomize.py").write_text("import sys\nsys.modules['rnncore'] = None\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: T\ntheme:\n  name: material\nplugins:\n  - sequencehub\n",
                                         encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "hide"), "NO_MKDOCS_2_WARNING": "1"}
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    assert "the compiled core rnncore cannot be imported" in out.stderr and "make core" in out.stderr
    assert not (tmp_path / "site" / "index.html").exists()
