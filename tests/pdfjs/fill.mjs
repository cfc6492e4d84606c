// Fill a PDF's text fields with pdf.js and save it, as Firefox's PDF viewer does when a reader
// types into a form and saves: values go into the annotation storage, saveDocument() writes them.
//
// Usage: node fill.mjs IN.pdf OUT.pdf VALUES.json
// VALUES.json maps fully qualified field names to the text to type. Every text widget must have a
// value there; the names of the widgets filled are printed as JSON, one array, for the test to check.

import { readFile, writeFile } from "node:fs/promises";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const [input, output, valuesFile] = process.argv.slice(2);
const values = JSON.parse(await readFile(valuesFile, "utf8"));
const doc = await getDocument({
  data: new Uint8Array(await readFile(input)),
  isEvalSupported: false,
  verbosity: 0,
}).promise;

const filled = [];
for (let number = 1; number <= doc.numPages; number++) {
  const page = await doc.getPage(number);
  for (const annotation of await page.getAnnotations()) {
    if (annotation.fieldType !== "Tx") continue;
    if (!(annotation.fieldName in values)) {
      throw new Error(`no value for the text field ${annotation.fieldName}`);
    }
    doc.annotationStorage.setValue(annotation.id, { value: values[annotation.fieldName] });
    filled.push(annotation.fieldName);
  }
}

await writeFile(output, await doc.saveDocument());
await doc.destroy();
console.log(JSON.stringify(filled));
