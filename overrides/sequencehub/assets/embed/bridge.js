// The postMessage protocol between an embedded Sequence Hub unit (demo or quiz) and the page around it.
//
// Outgoing, to the parent window only, each {source: "sequencehub", version: 1, type, kind, id, frame, ...}:
//   ready      {}                                  the demo drew its first result / the quiz is mounted
//   error      {message}                           the demo failed (data-status="error")
//   resize     {height}                            the unit's height in CSS pixels, on every change
//   answered   {quiz, question, correct, xp, first}
//   completed  {quiz, score, max, passed, xp}
//   state      {status, ...}                       the answer to {type: "getState"}
// Incoming: {type: "getState", requestId?} -> "state" (requestId echoed). `requestId` is a string of at most 64
// characters or a safe integer. Any other type, or a payload that does not fit, is ignored: INCOMING is the whole
// list of what a parent can ask, and no message makes the unit run or show anything.
// Messages go only to allowed origins: this page's own origin, plus those listed in ?origins= (comma-separated
// `scheme://host[:port]`), or any origin with the explicit ?origins=*. Messages from other origins, or from any
// window but the parent, are ignored.

export const SOURCE = "sequencehub";
export const VERSION = 1;

const requestId = (v) => (typeof v === "string" && v.length <= 64) || Number.isSafeInteger(v);
// type -> {field: check} for the optional fields it may carry
const INCOMING = {getState: {requestId}};

/** The message's allowed fields as a fresh object ({type, ...}), or null when the message is not one we accept. */
export function acceptMessage(data) {
  if (!data || typeof data !== "object" || Array.isArray(data) || typeof data.type !== "string") return null;
  if (!Object.hasOwn(INCOMING, data.type)) return null;
  const accepted = {type: data.type};
  for (const [field, check] of Object.entries(INCOMING[data.type])) {
    if (!Object.hasOwn(data, field)) continue;
    if (!check(data[field])) return null;
    accepted[field] = data[field];
  }
  return accepted;
}

export function parseOrigins(raw, own = location.origin) {
  const origins = new Set([own]);
  if (raw == null) return origins;
  for (const item of raw.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (item === "*") { origins.add("*"); continue; }
    try {
      const url = new URL(item);
      if (url.origin !== "null" && url.origin === item.replace(/\/$/, "")) origins.add(url.origin);
      else console.warn(`sequencehub: ignored origin "${item}" (write scheme://host[:port])`);
    } catch {
      console.warn(`sequencehub: ignored origin "${item}" (not a URL)`);
    }
  }
  return origins;
}

// The parent's origin when the browser tells us (ancestorOrigins, else the referrer), undefined when unknown.
function parentOrigin() {
  const ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length) return ancestors[0];
  try {
    if (document.referrer) return new URL(document.referrer).origin;
  } catch { /* no usable referrer */ }
  return undefined;
}

export function createBridge({kind, id, frame = null, origins, getState}) {
  const framed = window.parent !== window;
  const anyOrigin = origins.has("*");
  const allowed = (origin) => anyOrigin || origins.has(origin);
  let knownParent = framed ? parentOrigin() : undefined;

  function targets() {
    if (!framed) return [];
    if (knownParent !== undefined) return allowed(knownParent) ? [knownParent] : [];
    return anyOrigin ? ["*"] : Array.from(origins);   // unknown parent: the browser drops non-matching targets
  }

  function post(type, payload = {}) {
    const message = {source: SOURCE, version: VERSION, type, kind, id, frame, ...payload};
    for (const origin of targets()) window.parent.postMessage(message, origin);
    return message;
  }

  window.addEventListener("message", (event) => {
    if (!framed || event.source !== window.parent || !allowed(event.origin)) return;
    const data = acceptMessage(event.data);
    if (!data) return;
    knownParent = event.origin;
    const reply = {source: SOURCE, version: VERSION, type: "state", kind, id, frame, ...getState()};
    if ("requestId" in data) reply.requestId = data.requestId;
    event.source.postMessage(reply, event.origin);
  });

  return {post};
}
