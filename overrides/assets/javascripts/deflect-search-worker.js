/* The help center's search box, in the page's language only.

   Material for MkDocs runs its search in a web worker and talks to it with
   four messages: SETUP (0, the combined index) → READY (1), QUERY (2, the
   typed text) → RESULT (3, {items: [[page, section…], …]}). This worker
   speaks the same protocol, so Material keeps its look, its result list and
   its keyboard (arrows, Enter, Escape), but it answers:

   1. from the form service's GET /api/suggest?lang=<page language> (the same
      ranking as the support form) when {service}/healthz answers, and
   2. otherwise (a static host) from search/deflect-<lang>.json, the
      language's own sections written at build time (src/deflect/search/site_hooks.py).

   Material's combined index (every language) is ignored. Settings come in
   the worker's address: ?lang=fr&service=https://support.example.com ("" =
   the site's own origin). */
"use strict";

var params = new URL(self.location.href).searchParams;
var LANG = params.get("lang") || "en";
var SERVICE = (params.get("service") || "").replace(/\/+$/, "");
var SERVICE_BASE = SERVICE || self.location.origin;
var STATIC_INDEX = new URL("../../search/deflect-" + LANG + ".json", self.location.href).href;
var LIMIT = 10;
var DEBOUNCE_MS = 120;
var HEALTH_TIMEOUT_MS = 1500;

var latest = 0; // number of the newest query: older answers are dropped
var serviceUp = null; // a Promise<boolean>, asked once
var staticIndex = null; // a Promise of the parsed language index

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}

function withTimeout(ms) {
  if (typeof AbortController === "undefined") return {};
  var controller = new AbortController();
  setTimeout(function () { controller.abort(); }, ms);
  return { signal: controller.signal };
}

function isServiceUp() {
  if (!serviceUp) {
    serviceUp = fetch(SERVICE_BASE + "/healthz", withTimeout(HEALTH_TIMEOUT_MS))
      .then(function (response) { return response.ok; })
      .catch(function () { return false; });
  }
  return serviceUp;
}

/* The typed words, for Material's highlighting on the opened page (search.highlight). */
function termsOf(query) {
  var terms = {};
  (query.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) || []).forEach(function (word) { terms[word] = true; });
  return terms;
}

/* One Material result group per article: the page (its title), then the section that answers. */
function group(page, section, title, heading, text, score, terms) {
  var items = [{ location: page, title: escapeHtml(title), text: "", score: score, terms: terms }];
  if (section !== page) {
    items.push({ location: section, title: escapeHtml(heading || title), text: text, score: score, terms: terms });
  } else {
    items[0].text = text;
  }
  return items;
}

function fromService(query) {
  var url = SERVICE_BASE + "/api/suggest?lang=" + encodeURIComponent(LANG) + "&limit=" + LIMIT +
    "&q=" + encodeURIComponent(query.slice(0, 500));
  return fetch(url, withTimeout(5000)).then(function (response) {
    if (!response.ok) throw new Error(String(response.status));
    return response.json();
  }).then(function (body) {
    return body.results.map(function (result) {
      var page = result.url.split("#")[0];
      var text = "<p>" + escapeHtml(result.snippet) + "</p>";
      return group(page, result.url, result.title, result.section, text, result.score, termsOf(query));
    });
  });
}

/* --- the static index: words folded, stop words dropped, prefixes match ------------------- */

function fold(text) {
  return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ß/g, "ss");
}

function tokens(text, stop) {
  return (fold(text).match(/[\p{L}\p{N}]+/gu) || []).filter(function (word) {
    return word.length > 1 && !stop.has(word);
  });
}

function loadStatic() {
  if (!staticIndex) {
    staticIndex = fetch(STATIC_INDEX).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (index) {
      var stop = new Set(index.stop.map(fold));
      var synonyms = index.synonyms.map(function (rule) {
        return { left: rule[0].map(function (t) { return tokens(t, stop); }),
                 right: rule[1].map(function (t) { return tokens(t, stop); }) };
      });
      var docs = index.docs.map(function (doc) {
        return { doc: doc, title: tokens(doc.title, stop), heading: tokens(doc.heading, stop),
                 keywords: tokens(doc.keywords, stop), text: tokens(doc.text, stop) };
      });
      return { stop: stop, synonyms: synonyms, docs: docs };
    });
  }
  return staticIndex;
}

/* A typed word matches a word that begins with it, or shares all but its last three letters (≥ 5). */
function matches(typed, word) {
  if (word.indexOf(typed) === 0) return true;
  var stem = Math.max(5, typed.length - 3);
  return typed.length >= 5 && word.length >= stem && word.slice(0, stem) === typed.slice(0, stem);
}

function fieldScore(typed, words, boost) {
  for (var i = 0; i < words.length; i++) if (matches(typed, words[i])) return boost;
  return 0;
}

function expand(words, synonyms) {
  var extra = [];
  synonyms.forEach(function (rule) {
    rule.left.forEach(function (term) {
      for (var start = 0; start + term.length <= words.length; start++) {
        var all = term.every(function (w, k) { return matches(w, words[start + k]) || matches(words[start + k], w); });
        if (all) rule.right.forEach(function (t) { if (t !== term) extra = extra.concat(t); });
      }
    });
  });
  return extra;
}

function fromStatic(query) {
  return loadStatic().then(function (index) {
    var typed = tokens(query, index.stop);
    if (!typed.length) return [];
    var related = expand(typed, index.synonyms).filter(function (w) { return typed.indexOf(w) < 0; });
    var best = {};
    index.docs.forEach(function (entry) {
      var score = 0, found = 0;
      typed.concat(related).forEach(function (word, n) {
        var weight = n < typed.length ? 1 : 0.5;
        var s = Math.max(fieldScore(word, entry.title, 8), fieldScore(word, entry.keywords, 6),
                         fieldScore(word, entry.heading, 5), fieldScore(word, entry.text, 1));
        if (s) { score += s * weight; if (n < typed.length) found += 1; }
      });
      if (!score || found * 2 < typed.length) return; // at least half of the typed words
      var key = entry.doc.article;
      if (!best[key] || best[key].score < score) best[key] = { score: score, doc: entry.doc };
    });
    return Object.keys(best).map(function (key) { return best[key]; })
      .sort(function (a, b) { return b.score - a.score; })
      .slice(0, LIMIT)
      .map(function (hit) {
        var doc = hit.doc;
        var page = doc.location.split("#")[0];
        var text = "<p>" + escapeHtml(doc.text.slice(0, 200)) + (doc.text.length > 200 ? "…" : "") + "</p>";
        return group(page, doc.location, doc.title, doc.heading, text, hit.score, termsOf(query));
      });
  });
}

function search(query) {
  return isServiceUp().then(function (up) {
    return up ? fromService(query).catch(function () { return fromStatic(query); }) : fromStatic(query);
  });
}

function answer(number, items) {
  if (number === latest) postMessage({ type: 3, data: { items: items } });
}

addEventListener("message", function (event) {
  var message = event.data;
  if (message.type === 0) { // SETUP: Material's combined index is not ours to use
    postMessage({ type: 1 });
    isServiceUp();
    return;
  }
  if (message.type !== 2) return;
  var number = ++latest;
  var query = String(message.data || "").trim();
  if (!query) { answer(number, []); return; }
  setTimeout(function () {
    if (number !== latest) return; // the customer typed on
    search(query).then(function (items) { answer(number, items); },
                       function () { answer(number, []); });
  }, DEBOUNCE_MS);
});
