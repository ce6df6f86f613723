# Sequence Hub. `make serve` installs what is missing, builds everything and serves the site on 127.0.0.1;
# `make test` runs every test. Each target installs and builds what it needs first.
PY    ?= python3
PORT  ?= 8000
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: deps core engine models site serve test test-core bench bench-browser bundle torch clean

deps:                   ## apt, pip and npm packages from build/apt-packages.txt, requirements.txt, package-lock.json
	bash build/install-deps.sh

core: deps              ## rnncore compiled natively, installed in development mode (with the mkdocs plugin)
	mkdir -p .build && $(PY) -m pip install -q --no-build-isolation --no-deps -e .

engine: core            ## the same Cython compiled to WebAssembly + the Pyodide runtime -> .build/engine
	$(PY) build/wasm/build_wheel.py
	$(PY) build/vendor_engine.py

models: core            ## the character-level LSTM the text-generation demo samples from -> .build/models
	$(PY) build/train_charlm.py

site: engine models     ## the static site -> site/
	$(PY) -m mkdocs build --strict --site-dir site

serve: site             ## serve the built site on http://127.0.0.1:$(PORT)/
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory site

test: site              ## every test: core, wasm wheel in Node.js, site build, browser
	$(PY) -m pytest tests

test-core: core         ## the core's tests only
	$(PY) -m pytest tests/core

bench: core             ## native benchmark: core vs numpy reference vs PyTorch (when installed)
	$(PY) tests/bench/bench_core.py

bench-browser: site     ## browser benchmark: compiled core in Pyodide vs plain Python vs TensorFlow.js
	$(PY) tests/bench/bench_browser.py

bundle: site            ## offline bundle: a zip of the site and a one-line way to serve it
	$(PY) build/bundle.py

torch:                  ## optional: PyTorch CPU for parity tests and benchmarks (a file this machine kind keeps on disk)
	$(PY) -m pip install torch==2.13.0

clean:
	rm -rf site .build core/rnncore/*.so core/rnncore/cells/*.so core/rnncore/*.c core/rnncore/cells/*.c
