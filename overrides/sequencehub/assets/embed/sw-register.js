// Registers the site's service worker (sw.js at the site root, scope = the whole site), so every page and demo
// works offline after one visit. Injected on every page by the plugin. Registering starts filling the offline
// cache, so it waits until that no longer competes with reading: until the page's first demo shows its live
// result (the engine is downloaded by then, and comes from the HTTP cache), or, on a page whose demos are not
// started, until the browser is idle after the load. Skipped:
//  - inside an iframe (an embed must not install a whole site into its host's visit),
//  - when localStorage "sequencehub:offline" is "off" (the reader opted out; existing workers are removed),
//  - in automated browsers (navigator.webdriver) unless that key is "on", so test runs stay deterministic.
const ROOT = new URL("../../../", import.meta.url);   // assets/sequencehub/embed/ -> site root
const LIVE_WAIT_MS = 60000;                          // a demo that never gets live does not hold the cache forever

function setting() {
  try {
    return localStorage.getItem("sequencehub:offline");
  } catch {
    return null;
  }
}

export async function registerOffline() {
  if (!("serviceWorker" in navigator) || window.self !== window.top) return null;
  const choice = setting();
  if (choice === "off") {
    const registration = await navigator.serviceWorker.getRegistration(ROOT.href);
    if (registration) await registration.unregister();
    return null;
  }
  if (navigator.webdriver && choice !== "on") return null;
  return navigator.serviceWorker.register(new URL("sw.js", ROOT), {scope: ROOT.href});
}

function register() {
  registerOffline().catch((error) => console.warn("sequencehub: offline cache unavailable:", error));
}

function idle(callback) {
  if ("requestIdleCallback" in window) requestIdleCallback(callback, {timeout: 5000});
  else setTimeout(callback, 1000);
}

// A started demo (its engine call under way: status loading or preview) is waited for; demos further down the
// page, not started, are not.
function demoStarting() {
  return [...document.querySelectorAll("[data-demo]")].some((d) => ["loading", "preview"].includes(d.dataset.status));
}

function whenReadingAllows() {
  let done = false;
  const go = () => {
    if (done) return;
    done = true;
    observer.disconnect();
    clearTimeout(timer);
    register();
  };
  const live = () => document.querySelector('[data-demo][data-status="ready"]') !== null;
  const observer = new MutationObserver(() => { if (live()) go(); });
  const timer = setTimeout(go, LIVE_WAIT_MS);
  if (live()) return go();
  if (!demoStarting()) return idle(go);
  observer.observe(document.body, {subtree: true, attributes: true, attributeFilter: ["data-status"]});
}

if (document.readyState === "complete") idle(whenReadingAllows);
else window.addEventListener("load", () => idle(whenReadingAllows), {once: true});
