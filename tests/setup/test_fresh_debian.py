"""A stock Debian 12, where `python3` is Debian's own and externally managed (PEP 668: its pip refuses to install):

- a fresh clone of this repository runs `make deps` with that python as SYSPY: the project's `.venv` is made with
  `python3 -m venv`, every pin of requirements.txt is installed there, and nothing is installed into the system's
  Python (its site-packages folders are the same before and after);
- every Python step `make` would run, for every target, runs the project's `.venv/bin/python`; the dependency
  script uses the system's python for `-m venv` only.

npm's part of `make deps` is not exercised here (it is untouched by PEP 668 and takes minutes): the clone's
node_modules stamp marks it done. The apt part is a no-op when the packages are installed, as on any machine that
ran `make test`. The clone is of the last commit. The pip install takes ~45 s of CPU (venv, 48 wheels).
"""
import json
import os
import pathlib
import re
import shlex
import subprocess

import pytest

from shtest import ROOT

DEBIAN_PYTHON = "/usr/bin/python3"
VENV_PYTHON = ".venv/bin/python"
TARGETS = ["deps", "core", "engine", "models", "site", "serve", "test", "test-core", "bench", "bench-browser",
           "bundle", "torch"]
# A command word that starts a Python interpreter or pip (with or without a path or a version suffix).
PYTHON_WORD = re.compile(r"^(?:.*/)?(?:python[0-9.]*|pip[0-9.]*)$")


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert result.returncode == 0, f"$ {' '.join(map(str, cmd))}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def python_dirs(python):
    code = ("import json, site, sysconfig; print(json.dumps({'stdlib': sysconfig.get_path('stdlib'), "
            "'prefix': __import__('sys').prefix, 'base': __import__('sys').base_prefix, "
            "'sites': site.getsitepackages() + [site.getusersitepackages()]}))")
    return json.loads(run([python, "-c", code]))


def installed_in(sites):
    """What each site-packages folder holds (names only): anything pip installed shows up as a new entry."""
    return {s: sorted(os.listdir(s)) if os.path.isdir(s) else None for s in sites}


def pins():
    out = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            out[name.split("[")[0].strip()] = version.split(";")[0].strip()
    return out


def command_words(line):
    """The words of a shell line that are in command position (after ; && || | or an env assignment)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    start = True
    for word in lexer:
        if word and set(word) <= set(";&|()"):
            start = True
            continue
        if start and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word):
            continue                                    # VAR=value before the command
        if start:
            yield word.lstrip("@-+(")
        start = word in ("exec", "nice", "env", "then", "do", "else", "if", "!")


def test_debian_python_refuses_pip():
    """The premise: the system's python3 is externally managed, as Debian's is."""
    system = python_dirs(DEBIAN_PYTHON)
    assert (pathlib.Path(system["stdlib"]) / "EXTERNALLY-MANAGED").is_file(), \
        f"{DEBIAN_PYTHON} is not externally managed (no EXTERNALLY-MANAGED in {system['stdlib']})"
    has_pip = subprocess.run([DEBIAN_PYTHON, "-m", "pip", "--version"], capture_output=True).returncode == 0
    if has_pip:                                         # stock Debian 12 has no python3-pip at all
        refused = subprocess.run([DEBIAN_PYTHON, "-m", "pip", "install", "--dry-run", "--no-index", "six"],
                                 capture_output=True, text=True)
        assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr


def test_every_make_step_uses_the_venv():
    """`make -n -B` prints (without running) every command of every target: each Python or pip it starts is the
    project's .venv/bin/python."""
    out = run(["make", "-n", "-B", "--no-print-directory", *TARGETS], cwd=ROOT,
              env={**os.environ, "SYSPY": DEBIAN_PYTHON})
    pythons = []
    for line in out.replace("\\\n", " ").splitlines():     # a recipe line continued with a backslash is one
        for word in command_words(line):
            if PYTHON_WORD.match(word):
                pythons.append((word, line))
    assert pythons, "make -n printed no Python step at all"
    bare = [line for word, line in pythons if word != VENV_PYTHON]
    assert not bare, "steps that do not run .venv/bin/python:\n" + "\n".join(bare)
    assert f"SYSPY={DEBIAN_PYTHON}" in out               # the system's python reaches install-deps.sh, for venv


def test_install_script_uses_system_python_only_for_venv():
    script = (ROOT / "build" / "install-deps.sh").read_text()
    uses = []
    for line in script.splitlines():
        code = line.split("#")[0] if not line.lstrip().startswith("echo") else ""
        uses += [(m.group(0), line) for m in re.finditer(r'"?\$\{?(SYSPY|PY)\}?"?\s+(-m\s+\S+)', code)]
    assert uses
    for use, line in uses:
        var, module = re.search(r"(SYSPY|PY)\}?\"?\s+-m\s+(\S+)", use).groups()
        assert (var, module) in {("SYSPY", "venv"), ("PY", "pip")}, line
    for word in (w for line in script.splitlines() if not line.lstrip().startswith(("#", "echo"))
                 for w in command_words(line)):
        assert not PYTHON_WORD.match(word), f"bare {word} in install-deps.sh"


@pytest.mark.timeout(900)
def test_fresh_clone_make_deps_with_debian_python(tmp_path):
    system = python_dirs(DEBIAN_PYTHON)
    before = installed_in(system["sites"])
    clone = tmp_path / "clone"
    run(["git", "clone", "--quiet", "--shared", str(ROOT), str(clone)])
    assert not (clone / ".venv").exists()
    (clone / "node_modules").mkdir()                    # npm ci is out of scope here (see the docstring)
    (clone / ".build" / "stamps").mkdir(parents=True)
    (clone / ".build" / "stamps" / "npm").touch()

    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PIP_NO_COMPILE"] = "1"                         # no .pyc for a .venv thrown away after the test: ~1/3 less CPU
    out = run(["make", "--no-print-directory", "deps", f"SYSPY={DEBIAN_PYTHON}"], cwd=clone, env=env, timeout=600)
    assert f"{DEBIAN_PYTHON} -m venv .venv" in out
    assert "npm ci" not in out and "apt:" not in out

    venv = python_dirs(str(clone / VENV_PYTHON))
    assert os.path.realpath(venv["prefix"]) == os.path.realpath(clone / ".venv")
    assert venv["base"] == system["prefix"], "the .venv is made from the system's python"
    versions = json.loads(run([str(clone / VENV_PYTHON), "-c",
                               "import json, sys, importlib.metadata as m; "
                               "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))", *pins()]))
    assert versions == pins()
    assert installed_in(system["sites"]) == before, "something was installed into the system's Python"

    again = run(["make", "--no-print-directory", "deps", f"SYSPY={DEBIAN_PYTHON}"], cwd=clone, env=env)
    assert "-m venv" not in again and "pip install" not in again, "a second make deps does nothing"
