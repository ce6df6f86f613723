"""The browser benchmark's kernel page (tests/bench/kernels/), without any timing: TensorFlow.js (its WASM backend
with SIMD, and the CPU one) and ONNX Runtime Web load from the benchmark's own 127.0.0.1 origin, and each computes
what the compiled core computes, at one small size per cell. ONNX Runtime Web takes part where the bench's onnx
package is installed (`make bench` / `make bench-browser` install it; the test install does not)."""
import importlib.util
import sys

import pytest

from shtest import ROOT, SITE

sys.path.insert(0, str(ROOT / "tests" / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "bench" / "kernels"))
import bench_browser  # noqa: E402
from core_peer import Case, f32, flat  # noqa: E402

WITH_ONNX = importlib.util.find_spec("onnx") is not None and importlib.util.find_spec("onnxruntime") is not None


@pytest.fixture
def bench_origin(tmp_path):
    if not (SITE / "engine" / "engine.json").exists():
        pytest.fail("site/ is not built: run `make site` (make test does it first)")
    base, server = bench_browser.serve_bench(tmp_path, SITE)
    yield base, tmp_path
    server.shutdown()


def test_core_peer_runs_natively():
    """core_peer.py (the core's side of the page) checks a peer's output: its own output agrees, a changed one not."""
    spec, _ = bench_browser.kernel_case("gru", 2, 3, 4, 5, with_onnx=False)
    case = Case(spec["cell"], 5, 2, 3, 4, spec["x"], spec["dy"], spec["params"])
    y = flat(case.model.forward(f32(spec["x"], (5, 2, 3)))[0])
    same = case.diff("y", bench_browser.b64(y))
    assert same["max_abs_diff"] == 0 and same["max_abs_ref"] > 0
    y[7] += 0.5
    assert case.diff("y", bench_browser.b64(y))["max_abs_diff"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="expected 40 values"):
        case.diff("y", bench_browser.b64(y[:-1]))


def test_peers_load_locally_and_agree_with_the_core(page, bench_origin):
    base, root = bench_origin
    loaded = []
    page.on("request", lambda r: loaded.append(r.url))
    page.goto(base + "kernels/index.html")
    page.wait_for_function("() => window.kernelsReady")
    info = page.evaluate("() => window.kernels.info()")
    assert info["tfjsWasmSimd"] is True and info["tfjs"] == info["tfjsWasm"]
    for cell in ("lstm", "gru"):
        spec, graph = bench_browser.kernel_case(cell, 2, 3, 4, 5, with_onnx=WITH_ONNX)
        if graph is not None:
            (root / "models" / f"{cell}.onnx").write_bytes(graph)
            spec["onnx"] = base + f"models/{cell}.onnx"
        peers = page.evaluate("(spec) => window.kernels.setup(spec)", spec)
        expected = {"tfjs-wasm-ops", "tfjs-cpu-ops"} | ({"tfjs-wasm-layers", "tfjs-cpu-layers"} if cell == "lstm"
                                                         else set()) | ({"ort"} if WITH_ONNX else set())
        assert set(peers) == expected
        checks = bench_browser.check_kernels(page, spec)      # raises when a peer disagrees
        assert all(c["y"]["max_abs_ref"] > 0 for c in checks.values())
        assert all(c["dW_hh"] is not None for name, c in checks.items() if name != "ort")
    page.evaluate("() => window.kernels.teardown()")
    files = {url.rsplit("/", 1)[-1] for url in loaded if url.startswith(base)}
    assert "tfjs-backend-wasm-simd.wasm" in files
    if WITH_ONNX:
        assert "ort-wasm-simd-threaded.wasm" in files
