// The kernel half of the browser benchmark: the compiled core (rnncore in the site's Pyodide engine) against
// TensorFlow.js (WASM backend with SIMD, and the CPU backend) and ONNX Runtime Web (WASM), same weights and
// inputs, every peer's output checked against the core's before anything is timed.
//
// tests/bench/bench_browser.py serves this page, the site and the peers' files (from node_modules) on 127.0.0.1
// and drives it through `window.kernels`: info(), setup(spec), check(), time(opts), profileCore(), teardown().
//
// Peers, per phase (fwd = forward; fb = forward + backward with every weight's gradient):
//   core          rnncore.LSTM/GRU(dtype="float32") forward / forward + backward, in the engine's worker
//   tfjs-*-ops    the cell written with tf ops as a TF.js user porting a PyTorch model would: the input
//                 projection of all steps as one matMul, then per step matMul(h, W_hh^T), split, sigmoid/tanh;
//                 gradients of all its weights with tf.variableGrads
//   tfjs-*-layers tf.layers.lstm (recurrentActivation "sigmoid": PyTorch's cell); LSTM only, since tf.layers.gru
//                 has no reset_after (it computes another GRU than PyTorch's and the core's)
//   ort           onnxruntime-web, WASM execution provider, one LSTM/GRU node (bench_core.py's graph); forward only
import { runPython } from "../site/assets/sequencehub/engine/client.js";
import * as ort from "../ort/ort.wasm.min.mjs";

const tf = window.tf;
const TFJS_BACKENDS = ["wasm", "cpu"];

ort.env.wasm.wasmPaths = new URL("../ort/", import.meta.url).href;
ort.env.wasm.numThreads = 1;          // more needs SharedArrayBuffer, i.e. a cross-origin isolated page
tf.wasm.setWasmPaths(new URL("../tfjs-wasm/", import.meta.url).href);

let corePeerLoaded = null;
let current = null;     // the case set up last: {spec, peers: {name: {backend, fwd, fb, y, dWhh, dispose}}}

// -- the core, through the engine's playground worker ------------------------------------------------------------

async function python(code) {
  const out = await runPython(code, { budgetMs: 300000 });
  if (out.stderr) throw new Error(`Python failed:\n${out.stderr}`);
  return JSON.parse(out.stdout);
}

function loadCorePeer() {
  if (!corePeerLoaded) {
    corePeerLoaded = fetch(new URL("core_peer.py", import.meta.url))
      .then((r) => { if (!r.ok) throw new Error(`core_peer.py: HTTP ${r.status}`); return r.text(); })
      .then((code) => python(`${code}\nanswer(__import__("sys").version.split()[0])`));
  }
  return corePeerLoaded;
}

// -- data ---------------------------------------------------------------------------------------------------------

function fromBase64(b64) {
  const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

function toBase64(f32) {
  const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

// -- TensorFlow.js ------------------------------------------------------------------------------------------------

/** The values of the tensor `make()` returns, copied out; every tensor made on the way is disposed. */
function values(make) {
  const t = tf.tidy(make);
  const out = t.dataSync().slice();
  t.dispose();
  return out;
}

const GATES = { lstm: 4, gru: 3 };

/** Variables in TF.js's layout (kernels transposed: x @ W_ih^T), built on the current backend. */
function tfWeights(cell, p, I, H) {
  const G = GATES[cell];
  const t = (name, shape) => tf.tensor(p[name], shape);
  const wIh = tf.variable(tf.transpose(t("weight_ih_l0", [G * H, I])));
  const wHh = tf.variable(tf.transpose(t("weight_hh_l0", [G * H, H])));
  if (cell === "lstm") {           // LSTM: the two biases only ever appear summed
    return { wIh, wHh, b: tf.variable(tf.add(t("bias_ih_l0", [G * H]), t("bias_hh_l0", [G * H]))) };
  }
  return { wIh, wHh, bIh: tf.variable(t("bias_ih_l0", [G * H])), bHh: tf.variable(t("bias_hh_l0", [G * H])) };
}

function lstmOps(w, x, H) {
  const [T, B, I] = x.shape;
  const xp = tf.unstack(tf.reshape(tf.add(tf.matMul(tf.reshape(x, [T * B, I]), w.wIh), w.b), [T, B, 4 * H]));
  let h = tf.zeros([B, H]);
  let c = tf.zeros([B, H]);
  const ys = [];
  for (let t = 0; t < T; t++) {
    const [ai, af, ag, ao] = tf.split(tf.add(xp[t], tf.matMul(h, w.wHh)), 4, 1);   // PyTorch's i, f, g, o
    c = tf.add(tf.mul(tf.sigmoid(af), c), tf.mul(tf.sigmoid(ai), tf.tanh(ag)));
    h = tf.mul(tf.sigmoid(ao), tf.tanh(c));
    ys.push(h);
  }
  return tf.stack(ys);                                                             // (T, B, H)
}

function gruOps(w, x, H) {
  const [T, B, I] = x.shape;
  const xp = tf.unstack(tf.reshape(tf.add(tf.matMul(tf.reshape(x, [T * B, I]), w.wIh), w.bIh), [T, B, 3 * H]));
  let h = tf.zeros([B, H]);
  const ys = [];
  for (let t = 0; t < T; t++) {
    const [xr, xz, xn] = tf.split(xp[t], 3, 1);                                    // PyTorch's r, z, n
    const [hr, hz, hn] = tf.split(tf.add(tf.matMul(h, w.wHh), w.bHh), 3, 1);
    const r = tf.sigmoid(tf.add(xr, hr));
    const z = tf.sigmoid(tf.add(xz, hz));
    const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));                                  // r applied to W_hn h + b_hn
    h = tf.add(n, tf.mul(z, tf.sub(h, n)));                                        // (1 - z) n + z h
    ys.push(h);
  }
  return tf.stack(ys);
}

/** A peer {fwd, fb, y, dWhh} on the current backend: fwd/fb run one call; y/dWhh give its results to check. */
function tfjsOpsPeer(spec, p, x, dy) {
  const { cell, H } = spec;
  const w = tfWeights(cell, p, spec.I, H);
  const vars = Object.values(w);
  const run = () => (cell === "lstm" ? lstmOps : gruOps)(w, x, H);
  const loss = () => tf.sum(tf.mul(run(), dy));
  return {
    fwd() { const y = tf.tidy(run); y.dataSync(); y.dispose(); },
    fb() { tf.dispose(tf.tidy(() => tf.variableGrads(loss, vars))); },
    y() { return values(run); },
    dWhh() {                                                                       // (G*H, H), PyTorch's layout
      return values(() => tf.transpose(tf.variableGrads(loss, vars).grads[w.wHh.name]));
    },
    dispose() { tf.dispose(vars); },
  };
}

function tfjsLayersPeer(spec, p, x, dy) {
  const { T, B, I, H } = spec;
  const layer = tf.layers.lstm({ units: H, returnSequences: true, recurrentActivation: "sigmoid" });
  const xb = tf.transpose(x, [1, 0, 2]);                     // Keras layers are batch-first: (B, T, I)
  const dyb = tf.transpose(dy, [1, 0, 2]);
  tf.tidy(() => { layer.apply(xb); });                      // builds the layer: its weights exist from here on
  tf.tidy(() => {                                            // Keras's gate order i, f, c, o is PyTorch's i, f, g, o
    const G = 4 * H;
    layer.setWeights([
      tf.transpose(tf.tensor(p.weight_ih_l0, [G, I])), tf.transpose(tf.tensor(p.weight_hh_l0, [G, H])),
      tf.add(tf.tensor(p.bias_ih_l0, [G]), tf.tensor(p.bias_hh_l0, [G])),
    ]);
  });
  const vars = layer.trainableWeights.map((v) => v.read());
  const recurrent = layer.trainableWeights.findIndex((v) => v.originalName.endsWith("recurrent_kernel"));
  const loss = () => tf.sum(tf.mul(layer.apply(xb), dyb));
  return {
    fwd() { const y = tf.tidy(() => layer.apply(xb)); y.dataSync(); y.dispose(); },
    fb() { tf.dispose(tf.tidy(() => tf.variableGrads(loss, vars))); },
    y() { return values(() => tf.transpose(layer.apply(xb), [1, 0, 2])); },
    dWhh() { return values(() => tf.transpose(tf.variableGrads(loss, vars).grads[vars[recurrent].name])); },
    dispose() { layer.dispose(); tf.dispose([xb, dyb]); },
  };
}

// -- ONNX Runtime Web ---------------------------------------------------------------------------------------------

async function ortPeer(spec, x) {
  const response = await fetch(spec.onnx);
  if (!response.ok) throw new Error(`${spec.onnx}: HTTP ${response.status}`);
  const session = await ort.InferenceSession.create(new Uint8Array(await response.arrayBuffer()),
    { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", x, [spec.T, spec.B, spec.I]) };
  const output = session.outputNames[0];
  const run = async () => (await session.run(feeds))[output].data;
  return {
    async fwd() { await run(); },
    fb: null,                                                 // inference only
    y: run,
    dWhh: null,
    dispose() { return session.release(); },
  };
}

// -- the page's API ------------------------------------------------------------------------------------------------

async function info() {
  const python = await loadCorePeer();
  await tf.setBackend("wasm");
  await tf.ready();
  const env = tf.env();
  return {
    python,
    tfjs: tf.version.tfjs,
    tfjsWasm: tf.wasm.version_wasm,
    tfjsWasmSimd: await env.getAsync("WASM_HAS_SIMD_SUPPORT"),
    tfjsWasmThreads: await env.getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
    ort: ort.env.versions.web,
    ortThreads: ort.env.wasm.numThreads,
    crossOriginIsolated: self.crossOriginIsolated === true,
    userAgent: navigator.userAgent,
  };
}

/** spec: {cell, T, B, I, H, x, dy, params: {PyTorch name: base64}, onnx: URL of the graph or null (no ORT peer)};
 *  x, dy (T, B, I|H) as base64. Returns the peers' names. */
async function setup(spec) {
  await teardown();
  await loadCorePeer();
  const args = JSON.stringify([spec.cell, spec.T, spec.B, spec.I, spec.H, spec.x, spec.dy, spec.params]);
  await python(`case = Case(*__import__("json").loads(${JSON.stringify(args)}))\nanswer(True)`);
  const p = Object.fromEntries(Object.entries(spec.params).map(([k, v]) => [k, fromBase64(v)]));
  const x = fromBase64(spec.x);
  const dy = fromBase64(spec.dy);
  const peers = {};
  for (const backend of TFJS_BACKENDS) {
    await tf.setBackend(backend);
    const xt = tf.tensor(x, [spec.T, spec.B, spec.I]);
    const dyt = tf.tensor(dy, [spec.T, spec.B, spec.H]);
    peers[`tfjs-${backend}-ops`] = { backend, ...tfjsOpsPeer(spec, p, xt, dyt), inputs: [xt, dyt] };
    if (spec.cell === "lstm") peers[`tfjs-${backend}-layers`] = { backend, ...tfjsLayersPeer(spec, p, xt, dyt) };
  }
  if (spec.onnx) peers.ort = { backend: null, ...(await ortPeer(spec, x)) };    // null: a check without onnx
  current = { spec, peers };
  return Object.keys(peers);
}

async function use(peer) {
  if (peer.backend && tf.getBackend() !== peer.backend) await tf.setBackend(peer.backend);
}

/** {peer: {y: {max_abs_diff, max_abs_ref}, dW_hh: {...} | null}}: each peer's results against the core's. */
async function check() {
  const out = {};
  for (const [name, peer] of Object.entries(current.peers)) {
    await use(peer);
    const y = await peer.y();
    out[name] = { y: await python(`answer(case.diff("y", ${JSON.stringify(toBase64(y))}))`), dW_hh: null };
    if (peer.dWhh) {
      const g = peer.dWhh();
      out[name].dW_hh = await python(`answer(case.diff("dW_hh", ${JSON.stringify(toBase64(g))}))`);
    }
  }
  return out;
}

/** cProfile of the core's forward on the current case (see core_peer.py's Case.profile). */
function profileCore() {
  return python("answer(case.profile())");
}

async function jsLoop(fn, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

/** Best ms per call of every peer and phase: calls in loops of >= loopMs, `rounds` rounds, the peers taking
 *  turns in each round (a busy shared machine slows them alike), each loop after one untimed call (which also
 *  moves a TF.js peer's tensors to its backend). A peer whose call takes over `slowMs` is measured once. */
async function time({ rounds = 5, loopMs = 60, slowMs = 1000 } = {}) {
  const entries = [["core", "fwd"], ["core", "fb"]];
  for (const [name, peer] of Object.entries(current.peers)) {
    entries.push([name, "fwd"]);
    if (peer.fb) entries.push([name, "fb"]);
  }
  const runLoop = async (name, phase, n) => {
    if (name === "core") {
      await python(`answer(case.loop(${JSON.stringify(phase)}, 1))`);
      return python(`answer(case.loop(${JSON.stringify(phase)}, ${n}))`);
    }
    const peer = current.peers[name];
    await use(peer);
    await peer[phase]();
    return jsLoop(() => peer[phase](), n);
  };
  const loops = {};
  const best = {};
  const once = [];
  for (const [name, phase] of entries) {                       // calibrate: calls per loop
    const key = `${name} ${phase}`;
    const ms = await runLoop(name, phase, 1);
    loops[key] = Math.max(1, Math.ceil(loopMs / Math.max(ms, 1e-3)));
    // a call of seconds (TF.js's CPU backend at the larger size) is its own long loop: one measurement
    if (ms > slowMs) { best[key] = ms; once.push(key); }
  }
  const timed = entries.filter(([name, phase]) => !once.includes(`${name} ${phase}`));
  for (let r = 0; r < rounds; r++) {
    const order = timed.slice(r % timed.length).concat(timed.slice(0, r % timed.length));
    for (const [name, phase] of order) {
      const key = `${name} ${phase}`;
      const ms = await runLoop(name, phase, loops[key]);
      best[key] = Math.min(best[key] ?? Infinity, ms);
    }
  }
  return { best, loops, once };
}

async function teardown() {
  if (!current) return;
  for (const peer of Object.values(current.peers)) {
    await use(peer);
    await peer.dispose();
    if (peer.inputs) tf.dispose(peer.inputs);
  }
  current = null;
}

window.kernels = { info, setup, check, time, profileCore, teardown };
window.kernelsReady = true;
