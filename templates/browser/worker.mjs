// The web worker that builds a reader's guide with Pyodide, off the page's main thread.
//
// It starts Python as soon as the page opens it (boot.mjs), then answers messages from the page:
//   {type: "build", id, answers, asOf}  -> {type: "built", id, guideId, profile, files} or {type: "problems", id, profile, problems}
//   {type: "zip", id}                   -> {type: "zip", id, name, bytes}: the last guide's files as one zip
// Answers arrive as a JSON string that Python reads as data (json.loads), never as Python source.
// Every file comes from this folder on the site's own origin.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { boot } from "./boot.mjs";

const base = new URL("./", import.meta.url).href;
const read = async (name) => {
  const response = await fetch(base + name, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${name}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
};

const started = performance.now();
const ready = boot(loadPyodide, base, read).then(
  (python) => {
    // performance.now() counts from the worker's creation: the first step is the worker loading its own files.
    const timings = { "start the worker": Math.round(started), ...python.timings };
    postMessage({ type: "ready", ms: Math.round(performance.now() - started), timings });
    // While the reader answers, build a made-up guide once, so that their own is quick. A build the
    // reader asks for meanwhile simply waits for it to end.
    try {
      python.session.warm_up(new Date().toISOString().slice(0, 10));
    } catch {
      // not needed for anything: a failure here shows again, with its message, in the reader's build
    }
    return python;
  },
  (error) => {
    postMessage({ type: "failed", message: String(error && error.message ? error.message : error) });
    throw error;
  },
);

const plain = (proxy) => {
  const value = proxy.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  proxy.destroy();
  return value;
};

onmessage = async ({ data }) => {
  let python;
  try {
    python = await ready;
  } catch {
    return;
  }
  const t0 = performance.now();
  try {
    if (data.type === "build") {
      const result = plain(python.session.build_answers(JSON.stringify(data.answers), data.asOf));
      const ms = Math.round(performance.now() - t0);
      if (result.problems) {
        postMessage({ type: "problems", id: data.id, profile: result.profile, problems: result.problems, ms });
      } else {
        const buffers = Object.values(result.files).map((bytes) => bytes.buffer);
        postMessage({ type: "built", id: data.id, guideId: result.id, profile: result.profile, files: result.files, ms }, buffers);
      }
    } else if (data.type === "zip") {
      const result = plain(python.session.zip_last());
      postMessage({ type: "zip", id: data.id, name: result.name, bytes: result.bytes }, [result.bytes.buffer]);
    }
  } catch (error) {
    postMessage({ type: "error", id: data.id, message: String(error && error.message ? error.message : error) });
  }
};
