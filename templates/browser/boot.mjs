// Starts Python in the reader's browser (in a web worker) or under Node (in the tests): the same steps
// in both. Every file comes from BASE, the site's own build/ folder; nothing is asked of any other origin.
//
//   loadPyodide: the function exported by build/pyodide/pyodide.mjs
//   base:        the address (or, under Node, the folder) of build/, ending in "/"
//   read(name):  resolves to the bytes of build/NAME
export async function boot(loadPyodide, base, read) {
  const manifest = JSON.parse(new TextDecoder().decode(await read("manifest.json")));
  const pyodide = await loadPyodide({
    indexURL: base + "pyodide/",
    packages: [],
    // Output goes to the page's console only when something goes wrong; nothing is sent anywhere.
    stdout: () => {},
  });
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
  pyodide.unpackArchive(await read(manifest.python), "zip", { extractDir: sitePackages });
  for (const wheel of manifest.wheels) {
    await pyodide.loadPackage(base + wheel, { messageCallback: () => {} });
  }
  const web = pyodide.pyimport("generator.web");
  return { pyodide, session: web.Session() };
}
