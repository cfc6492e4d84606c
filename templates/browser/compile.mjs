// Compiles Python's standard library to bytecode ahead, with Pyodide itself, for a faster start.
//
//   node compile.mjs BUILD_DIR IN.zip OUT.zip
//
// BUILD_DIR is the browser build's build/ folder (its pyodide/ is used, nothing else; the network is
// never asked). Every .py in IN.zip becomes a .pyc beside where it was, without docstrings (Python's
// -OO: the bytecode of Pyodide's own Python, so no other Python can make it); everything else is
// copied. The zip's entries are sorted and dated 1980-01-01, so the same input gives the same bytes.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [buildDir, input, output] = process.argv.slice(2);
globalThis.fetch = () => { throw new Error("compile.mjs never uses the network"); };
const base = path.resolve(buildDir) + "/";
const { loadPyodide } = await import(pathToFileURL(base + "pyodide/pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL: base + "pyodide/", packages: [], stdout: () => {} });
pyodide.FS.writeFile("/tmp/in.zip", new Uint8Array(await readFile(input)));
pyodide.runPython(`
import importlib.util, marshal, zipfile

with zipfile.ZipFile("/tmp/in.zip") as source, zipfile.ZipFile("/tmp/out.zip", "w") as out:
    for name in sorted(source.namelist()):
        if name.endswith("/"):
            continue
        body = source.read(name)
        if name.endswith(".py"):
            code = compile(body, name, "exec", dont_inherit=True, optimize=2)
            # A sourceless .pyc: the magic number, no flags, and 8 bytes the sourceless loader does not read.
            body = importlib.util.MAGIC_NUMBER + bytes(12) + marshal.dumps(code)
            name += "c"
        entry = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
        entry.external_attr = 0o644 << 16
        entry.compress_type = zipfile.ZIP_DEFLATED
        out.writestr(entry, body, compresslevel=9)
`);
await writeFile(output, pyodide.FS.readFile("/tmp/out.zip"));
