/* Starts the builder's web worker as soon as the page's head is read, so that Python starts while the
 * rest of the page is still loading; build/builder.js takes it over (with any message it already sent). */
(function () {
  "use strict";
  if (!window.Worker || typeof WebAssembly !== "object") return;
  try {
    var worker = new Worker("build/worker.mjs", { type: "module" });
    var early = [];
    worker.onmessage = function (event) { early.push(event); };
    worker.onerror = function (event) { early.push({ data: { type: "failed", message: event.message || "the builder stopped" } }); };
    window.mpgBuilder = { worker: worker, early: early };
  } catch (e) {
    window.mpgBuilder = { error: e };
  }
})();
