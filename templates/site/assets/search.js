// Search for the public edition: a prebuilt index (search-index.js) and a few lines of our own.
// It runs offline, from file:// as well as from a server, and sends nothing anywhere.
(function () {
  "use strict";
  var index = window.SEARCH_INDEX || [];
  var params = new URLSearchParams(window.location.search);
  var query = (params.get("q") || "").trim();
  var input = document.getElementById("search-page-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!input || !list) return;
  input.value = query;
  if (!query) return;

  var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  var hits = [];
  index.forEach(function (entry) {
    var hay = (entry.section + " " + entry.heading + " " + entry.text).toLowerCase();
    var score = 0;
    for (var i = 0; i < terms.length; i++) {
      var count = hay.split(terms[i]).length - 1;
      if (count === 0) return;
      score += count + ((entry.heading + " " + entry.section).toLowerCase().indexOf(terms[i]) >= 0 ? 5 : 0);
    }
    hits.push({ entry: entry, score: score });
  });
  hits.sort(function (a, b) { return b.score - a.score; });

  status.textContent = hits.length === 0
    ? "Nothing found for \u201c" + query + "\u201d. Try a shorter or more common word."
    : hits.length + (hits.length === 1 ? " place" : " places") + " found for \u201c" + query + "\u201d.";

  hits.slice(0, 30).forEach(function (hit) {
    var e = hit.entry;
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = e.page + (e.anchor ? "#" + e.anchor : "");
    link.textContent = e.section + (e.heading ? ": " + e.heading : "");
    var snippet = document.createElement("p");
    snippet.textContent = excerpt(e.text, terms[0]);
    item.appendChild(link);
    item.appendChild(snippet);
    list.appendChild(item);
  });

  function excerpt(text, term) {
    var at = text.toLowerCase().indexOf(term);
    var start = Math.max(0, at - 80);
    var end = Math.min(text.length, at + 160);
    if (start > 0) start = text.indexOf(" ", start) + 1;  // whole words only
    var space = text.lastIndexOf(" ", end);
    if (end < text.length && space > at) end = space;
    return (start > 0 ? "\u2026" : "") + text.slice(start, end) + (end < text.length ? "\u2026" : "");
  }
})();
