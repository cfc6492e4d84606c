/* Match Pivot Guidebook: keep a reader's worksheet answers on their own device, if they ask.
 *
 * Nothing typed leaves the browser: answers go to localStorage only, never to a server. Keeping is off
 * until the reader turns on the switch above a worksheet (guides are opened on shared computers too),
 * and it is kept per guide: every key starts with the guide's own key (the `data-guide` attribute),
 * so two students' guides opened in one browser, even from file:// where every file shares one
 * storage origin, never see each other's answers. "Forget my answers" removes them and puts the
 * worksheets back as the guide printed them.
 */
(function () {
  "use strict";
  var bars = document.querySelectorAll(".keep[data-guide]");
  if (!bars.length) return;
  var guide = bars[0].getAttribute("data-guide");
  var KEEP = "mpg:" + guide + ":keep", ANSWERS = "mpg:" + guide + ":answers";
  var forms = document.querySelectorAll("form.worksheet__form");
  var store = null;
  try {
    store = window.localStorage;
    store.getItem(KEEP);
  } catch (e) {
    store = null;
  }

  function fields() {
    var all = [];
    forms.forEach(function (form) {
      form.querySelectorAll("input[name], textarea[name]").forEach(function (f) { all.push(f); });
    });
    return all;
  }
  function read() {
    try { return JSON.parse(store.getItem(ANSWERS) || "{}") || {}; } catch (e) { return {}; }
  }
  function keeping() { return !!store && store.getItem(KEEP) === "1"; }
  function say(text) { bars.forEach(function (bar) { bar.querySelector(".keep__status").textContent = text; }); }
  function value(f) { return f.type === "checkbox" ? (f.checked ? "yes" : "") : f.value; }

  function save() {
    if (!keeping()) return;
    var answers = read();  // answers of the guide's other pages stay as they are
    fields().forEach(function (f) { answers[f.name] = value(f); });
    try {
      store.setItem(ANSWERS, JSON.stringify(answers));
    } catch (e) {
      say("Your browser refused to keep more: answers typed from now on are not kept.");
    }
  }
  function restore() {
    var answers = read();
    fields().forEach(function (f) {
      if (!Object.prototype.hasOwnProperty.call(answers, f.name)) return;
      if (f.type === "checkbox") f.checked = answers[f.name] === "yes";
      else f.value = answers[f.name];
    });
  }
  function setSwitches(on) {
    bars.forEach(function (bar) { bar.querySelector(".keep__switch").checked = on; });
  }

  function turn(on) {
    if (on) {
      store.setItem(KEEP, "1");
      save();
      say("Your answers are kept in this browser on this device, and in no other place. Turn this off, or use \u201cForget my answers\u201d, on a shared computer.");
    } else {
      store.removeItem(KEEP);
      store.removeItem(ANSWERS);
      say("Your answers are no longer kept: what you typed stays on this page until you leave it.");
    }
    setSwitches(on);
  }
  function forget() {
    if (store) {
      store.removeItem(KEEP);
      store.removeItem(ANSWERS);
    }
    forms.forEach(function (form) { form.reset(); });
    setSwitches(false);
    say("Your answers are forgotten on this device, and the worksheets are back as the guide wrote them.");
  }

  /* A plain-text copy of one worksheet, made in the browser and saved by the reader's own browser. */
  function textOf(section) {
    var lines = [section.querySelector("h2").textContent.trim(), ""];
    section.querySelectorAll("input[name], textarea[name]").forEach(function (f) {
      var label = f.getAttribute("aria-label") || (f.labels && f.labels[0] ? f.labels[0].textContent.trim() : f.name);
      if (f.type === "checkbox") lines.push((f.checked ? "[x] " : "[ ] ") + label);
      else lines.push(label + ": " + (f.value.trim() || "[blank]"));
    });
    return lines.join("\n") + "\n";
  }
  function download(section) {
    var blob = new Blob([textOf(section)], { type: "text/plain;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = section.id + ".txt";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  }
  function printOne(section) {
    document.body.classList.add("printing-one");
    section.classList.add("print-this");
    window.print();
    document.body.classList.remove("printing-one");
    section.classList.remove("print-this");
  }

  bars.forEach(function (bar) {
    var section = bar.closest("section.worksheet");
    bar.hidden = false;
    var toggle = bar.querySelector(".keep__switch");
    if (!store) {
      toggle.disabled = true;
      bar.querySelector(".keep__forget").disabled = true;
    } else {
      toggle.addEventListener("change", function () { turn(toggle.checked); });
      bar.querySelector(".keep__forget").addEventListener("click", forget);
    }
    bar.querySelector(".keep__print").addEventListener("click", function () { printOne(section); });
    bar.querySelector(".keep__save").addEventListener("click", function () { download(section); });
  });
  forms.forEach(function (form) {
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  });

  if (!store) {
    say("This browser does not let pages keep anything, so answers typed here last until you leave the page.");
  } else if (keeping()) {
    restore();
    setSwitches(true);
    say("Your answers are kept in this browser on this device, and in no other place.");
  }
})();
