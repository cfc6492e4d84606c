// Builds guides under Pyodide on Node, as the reader's browser does, for tests/test_pyodide.py.
//
//   node tests/pyodide/build.mjs SITE_BUILD_DIR OUT_DIR AS_OF PROFILE.yaml...
//
// SITE_BUILD_DIR is the build/ folder `guidebook generic --browser` wrote. A PROFILE ending in .json
// holds a form's answers instead (see build.html). Each profile's files are
// written to OUT_DIR/<id>/; a profile with problems writes OUT_DIR/<file name>.problems.json instead.
// The network is closed first: any fetch or HTTP request fails the run, so Pyodide cannot fall back
// to a CDN unnoticed.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [buildDir, outDir, asOf, ...profiles] = process.argv.slice(2);
const attempts = [];
const refuse = (what) => (...args) => {
  attempts.push(`${what} ${String(args[0])}`);
  throw new Error(`network closed in this test: ${what} ${String(args[0])}`);
};
globalThis.fetch = refuse("fetch");
http.request = https.request = http.get = https.get = refuse("http");

const base = path.resolve(buildDir) + "/";
const { loadPyodide } = await import(pathToFileURL(base + "pyodide/pyodide.mjs").href);
const { boot } = await import(pathToFileURL(base + "boot.mjs").href);
const started = performance.now();
const { pyodide, session } = await boot(loadPyodide, base, async (name) => new Uint8Array(await readFile(base + name)));
const ready = performance.now() - started;

const timings = [];
for (const profile of profiles) {
  const text = await readFile(profile, "utf8");
  const t0 = performance.now();
  // A .json file holds a form's answers (as build.html sends them); anything else is a profile file.
  const result = (profile.endsWith(".json") ? session.build_answers(text, asOf) : session.build(text, path.basename(profile), asOf))
    .toJs({ dict_converter: Object.fromEntries });
  timings.push(performance.now() - t0);
  if (result.problems) {
    await writeFile(path.join(outDir, path.basename(profile) + ".problems.json"), JSON.stringify(result.problems, null, 1));
    continue;
  }
  for (const [name, body] of Object.entries(result.files)) {
    const target = path.join(outDir, result.id, name);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, body);
  }
}
// The standard library modules the builds imported, for the check that the browser keeps them all.
const stdlib = pyodide
  .runPython("import sys; sorted({getattr(m, '__file__', None) or '' for m in list(sys.modules.values())})")
  .toJs()
  .filter((file) => file.startsWith("/lib/python314.zip/"))
  .map((file) => file.slice("/lib/python314.zip/".length));
console.log(JSON.stringify({ ready_ms: Math.round(ready), build_ms: timings.map(Math.round), network_attempts: attempts, stdlib }));
