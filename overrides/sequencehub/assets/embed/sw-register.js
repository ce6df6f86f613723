// Registers the site's service worker (sw.js at the site root, scope = the whole site), so every page and demo
// works offline after one visit. Injected on every page by the plugin. Skipped:
//  - inside an iframe (an embed must not install a whole site into its host's visit),
//  - when localStorage "sequencehub:offline" is "off" (the reader opted out; existing workers are removed),
//  - in automated browsers (navigator.webdriver) unless that key is "on", so test runs stay deterministic.
const ROOT = new URL("../../../", import.meta.url);   // assets/sequencehub/embed/ -> site root

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

function whenIdle() {
  registerOffline().catch((error) => console.warn("sequencehub: offline cache unavailable:", error));
}

if (document.readyState === "complete") setTimeout(whenIdle, 0);
else window.addEventListener("load", () => setTimeout(whenIdle, 0), {once: true});
