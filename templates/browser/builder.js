/* Match Pivot Guidebook: build your own guide, in this browser.
 *
 * The form's answers go to a web worker (build/worker.mjs) where Pyodide runs the same Python that
 * `guidebook build` runs; the guide's files come back and are shown here, page by page, in a frame.
 * Nothing typed leaves the device: the worker and every file it loads come from this site's own
 * origin, and the answers are kept (in localStorage) only once the reader ticks "Remember my answers
 * on this device"; "Forget" removes everything this site keeps in the browser.
 */
(function () {
  "use strict";
  var root = document.getElementById("builder");
  if (!root) return;
  var form = document.getElementById("builder-form");
  var status = document.getElementById("builder-status");
  var summary = document.getElementById("builder-summary");
  var result = document.getElementById("builder-result");
  var frame = document.getElementById("guide-frame");
  var submit = form.querySelector("button[type=submit]");
  var STORE_KEYS = "mpg:";
  var KEEP = "mpg:builder:keep", ANSWERS = "mpg:builder:answers";
  var guide = null;       // {id, files: {path: Uint8Array}, profile}
  var page = null;        // the guide's page shown in the frame
  var pending = {};       // requests to the worker by id
  var serial = 0;
  var worker = null;
  var decoder = new TextDecoder();

  function say(text) { status.textContent = text; }

  function unsupported(reason) {
    root.querySelector(".builder__unsupported").hidden = false;
    if (reason) root.querySelector(".builder__reason").textContent = reason;
    submit.disabled = true;
    say("");
  }

  /* ---- The worker ---- */
  if (!window.Worker || typeof WebAssembly !== "object" || !window.TextDecoder) {
    unsupported("This browser lacks WebAssembly or web workers.");
    return;
  }
  var started = window.mpgBuilder || {};  // build/start.js started the worker from the page's head
  try {
    worker = started.worker || new Worker(root.getAttribute("data-worker"), { type: "module" });
  } catch (e) {
    unsupported("This browser cannot start the builder (" + e.message + ").");
    return;
  }
  if (started.error) {
    unsupported("This browser cannot start the builder (" + started.error.message + ").");
    return;
  }
  var ready = false;
  say("Getting the builder ready. The first time, this downloads about " + root.getAttribute("data-size") + " from this site.");
  worker.onmessage = function (event) {
    var data = event.data;
    if (data.type === "ready") {
      ready = true;
      root.setAttribute("data-ready", "1");
      // For benchmarks/browser.py: the worker's steps, and when the page heard it was ready.
      root.setAttribute("data-timings", JSON.stringify(data.timings));
      root.setAttribute("data-ready-at", String(Math.round(performance.now())));
      say("Ready. Answer what you can, then choose \u201cBuild my guide\u201d.");
      return;
    }
    if (data.type === "failed") {
      unsupported("The builder could not start: " + data.message);
      return;
    }
    var done = pending[data.id];
    delete pending[data.id];
    if (done) done(data);
  };
  worker.onerror = function (event) { unsupported("The builder stopped: " + (event.message || "unknown error")); };
  (started.early || []).forEach(function (event) { worker.onmessage(event); });

  function ask(message) {
    return new Promise(function (resolve) {
      serial += 1;
      message.id = serial;
      pending[serial] = resolve;
      worker.postMessage(message);
    });
  }

  /* ---- The form ---- */
  var questions = Array.prototype.slice.call(form.querySelectorAll(".q[data-field]"));

  function visible(q) { return !q.hidden; }

  var NONE = "__none__";
  var ticks = 0;

  function inTickOrder(boxes) {
    return Array.prototype.slice.call(boxes).sort(function (a, b) {
      return Number(a.getAttribute("data-tick") || 0) - Number(b.getAttribute("data-tick") || 0);
    });
  }
  function noteTick(box) {
    if (box.checked) { ticks += 1; box.setAttribute("data-tick", String(ticks)); }
    else box.removeAttribute("data-tick");
  }
  form.addEventListener("change", function (event) {
    if (event.target.type === "checkbox" && event.target.name) noteTick(event.target);
  }, true);

  function rawValue(q) {
    var kind = q.getAttribute("data-kind");
    if (kind === "multi") {
      // In the order the reader ticked them: the first is what matters most to them.
      var ticked = inTickOrder(q.querySelectorAll("input[type=checkbox]:checked")).map(function (i) { return i.value; });
      if (ticked.indexOf(NONE) >= 0) return [];
      return ticked.length ? ticked : undefined;
    }
    if (kind === "repeat") {
      // One count per exam, written out as one entry per failed attempt.
      var none = q.querySelector("input[type=checkbox]:checked");
      if (none) return [];
      var list = [], any = false, wrong = null;
      q.querySelectorAll("input[data-value]").forEach(function (f) {
        var text = f.value.trim();
        if (!text) return;
        any = true;
        if (!/^\d{1,2}$/.test(text)) { wrong = text; return; }
        for (var i = 0; i < Number(text); i += 1) list.push(f.getAttribute("data-value"));
      });
      if (wrong !== null) return wrong;  // validation says what is wrong with it
      return any ? list : undefined;
    }
    var radio = q.querySelectorAll("input[type=radio]");
    if (radio.length) {
      var chosen = q.querySelector("input[type=radio]:checked");
      return chosen && chosen.value !== "" ? chosen.value : undefined;
    }
    var field = q.querySelector("input, select, textarea");
    var text = field.value;
    if (kind !== "longtext") text = text.trim();
    return text === "" ? undefined : text;
  }

  function typed(q, raw) {
    var kind = q.getAttribute("data-kind");
    if (raw === undefined) return undefined;
    if (raw === NONE) return null;
    if (kind === "number") return /^[+-]?\d{1,15}$/.test(raw) ? Number(raw) : raw;  // a wrong entry reaches validation as typed
    if (kind === "yesno") return raw === "yes";
    return raw;
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  /* A question's `when`, as generator/loading/questions.py reads it: every condition must hold; an answer to a
   * question not asked counts as none; {not: [...]} holds while the field is unanswered. */
  function holds(condition) {
    return Object.keys(condition).every(function (field) {
      var test = condition[field];
      var negate = !Array.isArray(test);
      var values = negate ? test.not : test;
      var q = form.querySelector('.q[data-field="' + field + '"]');
      var value = q && visible(q) ? typed(q, rawValue(q)) : undefined;
      if (value === undefined) return negate;
      var among = values.some(function (v) { return same(v, value); });
      return among !== negate;
    });
  }

  function refresh() {
    questions.forEach(function (q) {
      var when = q.getAttribute("data-when");
      var show = !when || holds(JSON.parse(when));
      q.hidden = !show;
      q.querySelectorAll("input, select, textarea").forEach(function (f) { f.disabled = !show; });
    });
  }

  function answers() {
    var out = {};
    questions.forEach(function (q) {
      if (!visible(q) || q.hasAttribute("data-meta")) return;
      var value = typed(q, rawValue(q));
      if (value !== undefined) out[q.getAttribute("data-field")] = value;
    });
    return out;
  }

  /* ---- Problems, beside their fields ---- */
  function clearProblems() {
    form.querySelectorAll(".q__error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
    summary.hidden = true;
    summary.querySelector("ul").textContent = "";
  }

  function questionFor(field) {
    // "scores.failed_exams[1]" belongs to the question of "scores.failed_exams"
    var path = field.replace(/\[\d+\]$/, "");
    while (path) {
      var q = form.querySelector('.q[data-field="' + path + '"]');
      if (q && visible(q)) return q;
      path = path.indexOf(".") > 0 ? path.slice(0, path.lastIndexOf(".")) : "";
    }
    return null;
  }

  function showProblems(problems) {
    clearProblems();
    var list = summary.querySelector("ul");
    problems.forEach(function (problem) {
      var q = questionFor(problem.field);
      var item = document.createElement("li");
      if (q) {
        var error = q.querySelector(".q__error");
        error.textContent = error.textContent ? error.textContent + " " + problem.message : problem.message;
        error.hidden = false;
        q.querySelectorAll("input, select, textarea").forEach(function (f) { f.setAttribute("aria-invalid", "true"); });
        var link = document.createElement("a");
        var target = q.querySelector("input, select, textarea");
        link.href = "#" + target.id;
        var ask = q.querySelector(".q__ask").cloneNode(true);
        ask.querySelectorAll(".q__optional").forEach(function (tag) { tag.remove(); });
        var question = ask.textContent.trim();
        link.textContent = question + (/[?.!]$/.test(question) ? " " : ": ") + problem.message;
        item.appendChild(link);
      } else {
        item.textContent = problem.message;
      }
      list.appendChild(item);
    });
    summary.hidden = false;
    summary.focus();
  }

  /* ---- Remember on this device ---- */
  var store = null;
  try { store = window.localStorage; store.getItem(KEEP); } catch (e) { store = null; }
  var keep = document.getElementById("builder-keep");
  var forgetButton = document.getElementById("builder-forget");
  var keepStatus = document.getElementById("builder-keep-status");

  function snapshot() {
    var saved = {};
    var fields = form.querySelectorAll("input[name]:not([data-value]), select[name], textarea[name]");
    inTickOrder(form.querySelectorAll("input[type=checkbox]:checked")).concat(Array.prototype.slice.call(fields)).forEach(function (f) {
      if (f.type === "radio" || f.type === "checkbox") {
        if (f.checked && (saved[f.name] || []).indexOf(f.value) < 0) (saved[f.name] = saved[f.name] || []).push(f.value);
      } else saved[f.name] = f.value;
    });
    form.querySelectorAll("input[data-value]").forEach(function (f) { saved[f.name + ":" + f.getAttribute("data-value")] = f.value; });
    return saved;
  }
  function restore(saved) {
    form.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (f) {
      if (f.hasAttribute("data-value")) {
        var key = f.name + ":" + f.getAttribute("data-value");
        if (Object.prototype.hasOwnProperty.call(saved, key)) f.value = saved[key];
        return;
      }
      if (!Object.prototype.hasOwnProperty.call(saved, f.name)) return;
      if (f.type === "radio" || f.type === "checkbox") f.checked = saved[f.name].indexOf(f.value) >= 0;
      else f.value = saved[f.name];
    });
    // Ticked boxes come back in the order they were ticked.
    Object.keys(saved).forEach(function (name) {
      if (!Array.isArray(saved[name])) return;
      saved[name].forEach(function (value) {
        var box = form.querySelector('input[type=checkbox][name="' + name + '"][value="' + value + '"]');
        if (box && box.checked) noteTick(box);
      });
    });
  }
  function save() {
    if (store && store.getItem(KEEP) === "1") {
      try { store.setItem(ANSWERS, JSON.stringify(snapshot())); } catch (e) { keepStatus.textContent = "This browser refused to keep more."; }
    }
  }
  function forgetAll() {
    if (store) {
      for (var i = store.length - 1; i >= 0; i -= 1) {
        var key = store.key(i);
        if (key && key.indexOf(STORE_KEYS) === 0) store.removeItem(key);
      }
    }
  }
  if (!store) {
    keep.disabled = true;
    keepStatus.textContent = "This browser does not let pages keep anything: your answers last until you leave the page.";
  } else {
    keep.addEventListener("change", function () {
      if (keep.checked) {
        store.setItem(KEEP, "1");
        save();
        keepStatus.textContent = "Your answers are kept in this browser on this device only. Use \u201cForget\u201d on a shared computer.";
      } else {
        store.removeItem(KEEP);
        store.removeItem(ANSWERS);
        keepStatus.textContent = "Your answers are no longer kept.";
      }
    });
    if (store.getItem(KEEP) === "1") {
      keep.checked = true;
      try { restore(JSON.parse(store.getItem(ANSWERS) || "{}")); } catch (e) { /* a damaged copy is ignored */ }
      keepStatus.textContent = "Your answers were kept in this browser on this device, and are filled in again.";
    }
  }
  forgetButton.addEventListener("click", function () {
    forgetAll();
    keep.checked = false;
    form.reset();
    setToday();
    refresh();
    clearProblems();
    keepStatus.textContent = "Forgotten: this site keeps nothing in this browser now.";
  });

  /* ---- The as-of date ---- */
  var asOf = document.getElementById("q-as-of");
  function setToday() {
    if (asOf.value) return;
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    asOf.value = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }
  setToday();

  form.addEventListener("input", function () { refresh(); save(); });
  form.addEventListener("change", function () { refresh(); save(); });
  refresh();

  /* ---- Build ---- */
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf.value)) {
      showProblems([{ field: "as_of", message: "expected a date such as 2026-11-29" }]);
      return;
    }
    clearProblems();
    submit.disabled = true;
    say(ready ? "Building your guide\u2026" : "Building your guide as soon as the builder is ready\u2026");
    ask({ type: "build", answers: answers(), asOf: asOf.value }).then(function (data) {
      submit.disabled = false;
      if (data.type === "problems") {
        say(data.problems.length + (data.problems.length === 1 ? " answer needs" : " answers need") + " another look; each is marked beside its question.");
        showProblems(data.problems);
        return;
      }
      if (data.type === "error") {
        say("Something went wrong while building: " + data.message);
        return;
      }
      guide = { id: data.guideId, files: data.files, profile: data.profile };
      say("Your guide is ready (built in " + (data.ms / 1000).toFixed(1) + " s, on this device).");
      result.hidden = false;
      root.classList.add("builder--built");
      go("index.html", "", true);
    });
  });

  /* ---- The guide, page by page, in the frame ---- */
  function html(name) { return decoder.decode(guide.files[name]); }

  function go(name, anchor, push) {
    if (!guide || !Object.prototype.hasOwnProperty.call(guide.files, name)) return false;
    var hash = "#guide/" + name + (anchor ? "#" + anchor : "");
    if (push) history.pushState({ page: name, anchor: anchor }, "", hash);
    show(name, anchor);
    return true;
  }

  function show(name, anchor) {
    page = name;
    frame.onload = function () {
      var doc = frame.contentDocument;
      frame.title = "Your guide: " + doc.title;
      doc.addEventListener("click", follow);
      fit();
      var target = anchor ? doc.getElementById(anchor) : null;
      var top = frame.getBoundingClientRect().top + window.scrollY + (target ? target.getBoundingClientRect().top : 0);
      window.scrollTo(0, anchor ? top : Math.max(0, result.getBoundingClientRect().top + window.scrollY));
      if (frame.contentWindow.ResizeObserver) new frame.contentWindow.ResizeObserver(fit).observe(doc.documentElement);
    };
    frame.srcdoc = html(name);
  }

  function fit() {
    var doc = frame.contentDocument;
    if (doc && doc.documentElement) frame.style.height = doc.documentElement.scrollHeight + "px";
  }

  function follow(event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    var href = link.getAttribute("href");
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.indexOf("//") === 0) {
      // A source's own site: opened as a new tab by the reader's click, never fetched by this page.
      event.preventDefault();
      window.open(link.href, "_blank", "noopener");
      return;
    }
    event.preventDefault();
    var hashAt = href.indexOf("#");
    var name = hashAt >= 0 ? href.slice(0, hashAt) : href;
    var anchor = hashAt >= 0 ? href.slice(hashAt + 1) : "";
    if (!name || name === page) {
      history.pushState({ page: page, anchor: anchor }, "", "#guide/" + page + (anchor ? "#" + anchor : ""));
      var target = anchor ? frame.contentDocument.getElementById(anchor) : null;
      if (target) {
        window.scrollTo(0, frame.getBoundingClientRect().top + window.scrollY + target.getBoundingClientRect().top);
        if (target.tabIndex < 0 && !/^(a|button|input|select|textarea)$/i.test(target.tagName)) target.setAttribute("tabindex", "-1");
        target.focus({ preventScroll: true });
      }
      return;
    }
    go(name, anchor, true);
  }

  window.addEventListener("popstate", function (event) {
    var state = event.state;
    if (state && state.page && guide) show(state.page, state.anchor);
    else if (location.hash.indexOf("#guide/") !== 0) window.scrollTo(0, 0);
  });

  /* ---- Downloads and printing ---- */
  function download(name, type, body) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([body], { type: type }));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  }
  document.getElementById("builder-download-profile").addEventListener("click", function () {
    if (guide) download(guide.id + ".yaml", "application/yaml", guide.profile);
  });
  document.getElementById("builder-download-guide").addEventListener("click", function () {
    if (!guide) return;
    ask({ type: "zip" }).then(function (data) { if (data.type === "zip") download(data.name, "application/zip", data.bytes); });
  });
  document.getElementById("builder-print").addEventListener("click", function () {
    if (guide) frame.contentWindow.print();
  });
  document.getElementById("builder-edit").addEventListener("click", function () {
    root.classList.remove("builder--built");
    history.pushState(null, "", "#builder-form");
    form.scrollIntoView();
    var first = form.querySelector("input:not([disabled]), select:not([disabled])");
    if (first) first.focus({ preventScroll: true });
  });
})();
