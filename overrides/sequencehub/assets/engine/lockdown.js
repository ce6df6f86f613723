// The engine worker gives up, before Pyodide loads and before any reader code can run, every way to change what
// other pages of the site load or remember. worker.js imports this module first (a module's imports evaluate
// before its body), so nothing in the worker ever holds a reference to what is removed here.
//
// Python in Pyodide reaches the worker's global scope through `import js`, and the playground runs whatever the
// reader types, so the worker must not have:
//   caches, indexedDB          Cache Storage is what the service worker serves the site's scripts from; IndexedDB
//                              outlives the page (the progress itself is in localStorage, which workers lack)
//   navigator.storage          the origin-private file system and storage persistence
//   navigator.serviceWorker    (where a browser exposes it to workers) registering another service worker
//   Worker, SharedWorker       a new worker would start with a fresh global scope that has all of the above
//   BroadcastChannel           messages to the site's other open pages
// Web IDL attributes live as getters on the prototype chain (WorkerGlobalScope.prototype, WorkerNavigator
// .prototype): shadowing them on `self` would leave the getter one Object.getOwnPropertyDescriptor away, so each
// is deleted wherever it is defined. If any survives, the worker refuses to start (the page says the engine could
// not start) rather than run code with it.

const GLOBALS = ["caches", "indexedDB", "Worker", "SharedWorker", "BroadcastChannel", "cookieStore"];
const NAVIGATOR = ["storage", "serviceWorker"];

function removeEverywhere(object, name) {
  for (let o = object; o !== null; o = Object.getPrototypeOf(o)) {
    if (Object.getOwnPropertyDescriptor(o, name)) delete o[name];
  }
  return !(name in object);
}

/** Remove the persistent-storage and messaging APIs from `scope` (a worker's global); returns the names removed.
 *  Throws when one cannot be removed. */
export function lockDown(scope = self) {
  const left = [];
  for (const name of GLOBALS) if (!removeEverywhere(scope, name)) left.push(name);
  if (scope.navigator) {
    for (const name of NAVIGATOR) if (!removeEverywhere(scope.navigator, name)) left.push(`navigator.${name}`);
  }
  if (left.length) throw new Error(`the engine could not give up ${left.join(", ")}`);
  return [...GLOBALS, ...NAVIGATOR.map((name) => `navigator.${name}`)];
}

lockDown();
