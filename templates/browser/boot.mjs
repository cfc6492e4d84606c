// Starts Python in the reader's browser (in a web worker) or under Node (in the tests): the same steps
// in both. Every file comes from BASE, the site's own build/ folder; nothing is asked of any other origin.
//
//   loadPyodide: the function exported by build/pyodide/pyodide.mjs
//   base:        the address (or, under Node, the folder) of build/, ending in "/"
//   read(name):  resolves to the bytes of build/NAME
//
// Resolves to {pyodide, session, timings}: timings gives the milliseconds each step took.
export async function boot(loadPyodide, base, read) {
  const timings = {};
  let last = performance.now();
  const lap = (name) => {
    const now = performance.now();
    timings[name] = Math.round(now - last);
    last = now;
  };
  const starting = loadPyodide({
    indexURL: base + "pyodide/",
    packages: [],
    // Output goes nowhere: nothing is sent anywhere, and problems come back as values.
    stdout: () => {},
  });
  // Our Python files download while Pyodide starts.
  const manifest = JSON.parse(new TextDecoder().decode(await read("manifest.json")));
  const python = read(manifest.python);
  const wheels = manifest.wheels.map((wheel) => read(wheel).then(() => wheel));
  const pyodide = await starting;
  lap("start Python");
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
  pyodide.unpackArchive(await python, "zip", { extractDir: sitePackages });
  lap("unpack python.zip");
  for (const wheel of await Promise.all(wheels)) {
    await pyodide.loadPackage(base + wheel, { messageCallback: () => {} });
  }
  lap("load pydantic-core");
  const web = pyodide.pyimport("generator.commands.web");
  lap("import the generator");
  const session = web.Session();
  lap("load content and data");
  return { pyodide, session, timings };
}
