# Sequence Hub. `make serve` installs what is missing, builds everything and serves the site on 127.0.0.1;
# `make test` runs every test. Each target installs and builds what it needs first.
# Every Python step runs in the project's virtual environment: Debian's own python3 is externally managed
# (PEP 668) and refuses `pip install`. `make deps` makes .venv with the system's python3 when it is missing.
SYSPY ?= python3
VENV  ?= .venv
PY    := $(VENV)/bin/python
PORT  ?= 8000
# The address the site is published at (README "Publish"): SITE_URL=https://courses.example.org/rnn/ make site.
# Passed to mkdocs.yml's `!ENV [SITE_URL, ...]` only when set: an empty value would reach MkDocs as "no site_url"
# rather than the local default.
SITE_URL ?=
ifneq ($(strip $(SITE_URL)),)
export SITE_URL
else
unexport SITE_URL
endif
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: deps core engine models charts site serve test test-core bench bench-browser bundle torch clean

deps:                   ## apt packages, .venv with requirements.txt, npm packages from package-lock.json
	SYSPY=$(SYSPY) VENV=$(VENV) bash build/install-deps.sh

# What the native build compiles: a change to one of these (or an install of this package from another folder)
# rebuilds the core; otherwise `make core` takes a second (pip's editable build recompiles everything, ~1.5 min).
CORE_BUILD_INPUTS := setup.py pyproject.toml $(shell find core/rnncore -name '*.pyx' -o -name '*.pxd')

core: deps              ## rnncore compiled natively, installed in development mode (with the mkdocs plugin)
	@$(PY) -c "import os, rnncore, sequencehub; import rnncore.api; \
	os.path.samefile(os.path.dirname(rnncore.__file__), 'core/rnncore') or exit(1); \
	os.path.samefile(os.path.dirname(sequencehub.__file__), 'overrides/sequencehub') or exit(1)" 2>/dev/null \
	|| rm -f .build/stamps/core
	@$(MAKE) --no-print-directory .build/stamps/core

.build/stamps/core: $(CORE_BUILD_INPUTS)
	mkdir -p .build/stamps && $(PY) -m pip install -q --no-build-isolation --no-deps -e .
	touch $@

engine: core            ## the same Cython compiled to WebAssembly + the Pyodide runtime -> .build/engine
	$(PY) build/wasm/build_wheel.py
	$(PY) build/vendor_engine.py

models: core            ## the models the demos ship (text generation, forecasting, sentiment, translation) -> .build/models
	$(PY) build/train_charlm.py
	$(PY) build/train_forecast.py
	$(PY) build/train_sentiment.py
	$(PY) build/train_translation.py

charts: deps            ## the chart library with only the charts the demos draw (esbuild) -> assets/vendor/
	node build/charts/build.mjs

site: engine models charts ## the static site -> site/
	$(PY) -m mkdocs build --strict --site-dir site

serve: site             ## serve the built site on http://127.0.0.1:$(PORT)/
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory site

# Two pytest-xdist workers, one per core of the CI machine; tests that share an expensive module fixture carry an
# xdist_group mark, so --dist loadgroup builds it on one worker only.
test: site              ## every test: core, wasm wheel in Node.js, site build, browser
	$(PY) -m pytest tests -n 2 --dist loadgroup --durations=15

test-core: core         ## the core's tests only
	$(PY) -m pytest tests/core

bench: core             ## native benchmark: core vs numpy reference vs PyTorch (when installed) vs ONNX Runtime
	$(PY) -m pip install -q -r tests/bench/requirements-bench.txt
	$(PY) tests/bench/bench_core.py

bench-browser: site     ## browser benchmark: compiled core in Pyodide vs plain Python, TensorFlow.js (wasm, cpu), ONNX Runtime Web
	$(PY) -m pip install -q -r tests/bench/requirements-bench.txt
	$(PY) tests/bench/bench_browser.py

bundle: site            ## offline bundle: a zip of the site and a one-line way to serve it
	$(PY) build/bundle.py

torch: deps             ## optional: PyTorch CPU for parity tests and benchmarks (a file this machine kind keeps on disk)
	$(PY) -m pip install torch==2.13.0

clean:
	rm -rf site .build core/rnncore/*.so core/rnncore/cells/*.so core/rnncore/*.c core/rnncore/cells/*.c
