// Ask Material for MkDocs' own search worker the questions read from stdin.
//
//   node bench/material_search.mjs SITE_DIR < [{"q": "...", "lang": "fr"}, ...]
//
// Loads the built site's worker (assets/javascripts/workers/search.*.js) in
// this process with the few browser globals it needs, sets it up with
// search/search_index.json exactly as the browser does, transforms each
// question with Material's default query transform, and prints, for each
// question, the article ids of the question's language (best first) and
// the time the worker took.
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";

const site = path.resolve(process.argv[2] || "site");
const workers = path.join(site, "assets/javascripts/workers");
const worker = fs.readdirSync(workers).find((f) => /^search\..*\.js$/.test(f));
const languages = ["en", "de", "fr", "it", "es"];

let handler = null;
let reply = null;
globalThis.self = globalThis;
globalThis.addEventListener = (type, fn) => { if (type === "message") handler = fn; };
globalThis.postMessage = (message) => { if (reply) reply(message); };
globalThis.importScripts = (...urls) => {
  for (const url of urls) vm.runInThisContext(fs.readFileSync(path.resolve(workers, url), "utf8"));
};
vm.runInThisContext(fs.readFileSync(path.join(workers, worker), "utf8"));

function send(message) {
  return new Promise((resolve) => { reply = resolve; handler({ data: message }); });
}

// Material's default search.transform (src/templates/assets/javascripts/integrations/search/query).
function transform(query) {
  return query
    .split(/"([^"]+)"/g)
    .map((terms, index) => (index & 1 ? terms.replace(/^\b|^(?![^\x00-\x7F]|$)|\s+/g, " +") : terms))
    .join("")
    .replace(/"|(?:^|\s+)[*+\-:^~]+(?=\s+|$)/g, "")
    .trim();
}

function articleOf(location) {
  let page = location.split("#")[0];
  let lang = "en";
  const first = page.split("/")[0];
  if (languages.includes(first) && first !== "en") { lang = first; page = page.slice(first.length + 1); }
  page = page.replace(/\/$/, "");
  const id = page === "" ? "index" : page.endsWith("support") && !page.includes("/") ? `${page}/index` : page;
  return { lang, id };
}

const index = JSON.parse(fs.readFileSync(path.join(site, "search/search_index.json"), "utf8"));
// The browser adds the theme features the worker reads (mkdocs.yml has search.suggest on).
await send({ type: 0, data: { ...index, options: { suggest: true } } });
const questions = JSON.parse(fs.readFileSync(0, "utf8"));
const answers = [];
for (const { q, lang } of questions) {
  const started = performance.now();
  const result = await send({ type: 2, data: transform(q) });
  const ms = performance.now() - started;
  const ids = [];
  for (const group of result.data.items) {
    const { lang: itemLang, id } = articleOf(group[0].location);
    if (itemLang === lang && !ids.includes(id)) ids.push(id);
  }
  answers.push({ ids: ids.slice(0, 5), ms });
}
process.stdout.write(JSON.stringify(answers));
