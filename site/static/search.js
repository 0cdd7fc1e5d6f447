// In-browser search with the Pagefind bundle: results as you type, facets with counts
// (event source, product, tag), "/" focuses the box. Links are made relative to this
// page, so the site works from any sub-path. Without JavaScript the pages read fine.
const root = document.body.dataset.root || "./";
const FACETS = [
  ["source", "Event source"],
  ["product", "Product"],
  ["tag", "Tag"],
];
const SHOWN_RESULTS = 20;
const SHOWN_VALUES = 8; // per facet, most frequent first (and every chosen one)
const DEBOUNCE_MS = 200;
let pagefind = null;
let facetsReady = null; // the filter index (~0.4 MB for the whole corpus), loaded after
// the first results are on screen; each search then counts its facets
let latest = 0; // the newest search; an older one finishing later is dropped
const BUNDLE = "bundle"; // the synthetic filter naming each result's bundle
let bundles = 1; // the main bundle and the extra ones merged
const chosen = Object.fromEntries(FACETS.map(([key]) => [key, new Set()]));

async function load() {
  if (!pagefind) {
    pagefind = await import(new URL(root + "pagefind/pagefind.js", document.baseURI).href);
    // Each bundle is tagged with a filter of its own ("bundle": 0, 1, ...) to tell their
    // results apart (see spuriousBundles); it is not shown as a facet.
    await pagefind.options({ excerptLength: 30, mergeFilter: { [BUNDLE]: "0" } });
    // Large sites are split into bundles, and articles added since the last full publish
    // live in extra bundles (kb add).
    try {
      const extra = await (await fetch(root + "static/bundles.json")).json();
      for (const bundle of extra) {
        const tag = { mergeFilter: { [BUNDLE]: String(bundles) } };
        await pagefind.mergeIndex(new URL(root + bundle, document.baseURI).href, tag);
        bundles += 1;
      }
    } catch (err) { /* no extra bundles */ }
    await pagefind.init();
  }
  return pagefind;
}

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

// Pagefind's excerpt is escaped text with <mark> around matches. Parse it whole (a
// parsed fragment keeps the spaces around each <mark>; parsing the pieces one by one
// dropped the space after a match: "9321Error") and keep only text and <mark>.
function excerptNode(html) {
  const parsed = new DOMParser().parseFromString(`<p>${html}</p>`, "text/html");
  const out = el("p", { class: "excerpt" });
  for (const node of parsed.body.firstChild.childNodes) {
    if (node.nodeName === "MARK") out.append(el("mark", {}, node.textContent));
    else out.append(document.createTextNode(node.textContent));
  }
  return out;
}

function filterOptions(dropped = []) {
  const filters = {};
  for (const [key] of FACETS) {
    if (chosen[key].size) filters[key] = { any: [...chosen[key]] };
  }
  if (dropped.length) filters[BUNDLE] = { none: dropped };
  return { filters };
}

// Pagefind looks for each query term among the words of a bundle that start with the
// term (stemmed: "errors" finds "error"); where none does, it takes the longest word of
// that bundle that starts the term ("0" for "0x2afc"). Merged bundles each make that
// choice alone, so a term found in one bundle matched stray words in the others: results
// one bundle of the whole site would not give. A bundle's results are dropped for a term
// when the term is found in some bundle but this bundle only had such a shorter word
// (or, for a term found nowhere, when another bundle had a longer one).
//   Found in a bundle: an exact search ("term": its stem exactly) counts hits there, or
// else a result of the bundle has a matched word (or part of one) that starts with the
// term. Only bundles with results that no exact search vouches for are looked at: their
// results are told apart by searches restricted to some of them (the synthetic "bundle"
// filter), then one result's data per such bundle is read (often one shown anyway).
function queryTerms(query) {
  return normalized(query).split(/\s+/).map(plain).filter(Boolean);
}

function normalized(text) {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase();
}

function plain(word) {
  return normalized(word).replace(/[^\p{L}\p{N}]/gu, "");
}

// The words Pagefind indexes for a word of the text: whole, and its parts (split at
// punctuation and at camelCase).
function forms(word) {
  const parts = word.split(/[^\p{L}\p{N}]+/u).flatMap((p) => p.split(/(?<=\p{Ll})(?=\p{Lu})/u));
  return [word, ...parts].map(plain).filter(Boolean);
}

function matchedWords(data) {
  const text = data.raw_content ?? data.content;
  const words = text.includes("\u200B") ? text.split("\u200B") : text.split(/[\r\n\s]+/g);
  return (data.locations || [])
    .map((i) => (words[i] || "").replace(/&lt;/g, "<").replace(/&gt;/g, ">"))
    .flatMap(forms);
}

function commonPrefix(a, b) {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n += 1;
  return n;
}

async function spuriousBundles(query, search, isStale) {
  const hits = Object.entries(search.filters?.[BUNDLE] || {}).filter(([, n]) => n > 0);
  const terms = queryTerms(query);
  if (bundles < 2 || !hits.length || !terms.length) return [];
  // Bundles where each term's stem is a word: exact searches, their counts only (a
  // filter that matches nothing keeps the results out of the answer).
  const found = [];
  for (const term of terms) {
    const exact = await pagefind.search(`"${term}"`, { filters: { [BUNDLE]: { any: ["-"] } } });
    const counts = exact.totalFilters?.[BUNDLE] || {};
    found.push(new Set(Object.keys(counts).filter((b) => counts[b] > 0)));
  }
  const unsure = hits.map(([b]) => b).filter((b) => found.some((set) => !set.has(b)));
  if (!unsure.length || isStale()) return [];
  // Which of those bundles each result is from: numbered 1, 2, ... among them, one
  // search per bit of those numbers, each restricted to the bundles with that bit set.
  const code = new Map();
  const { filters } = filterOptions();
  for (let bit = 0; 1 << bit <= unsure.length; bit++) {
    const any = unsure.filter((b, i) => ((i + 1) >> bit) & 1);
    const part = await pagefind.search(query, { filters: { ...filters, [BUNDLE]: { any } } });
    for (const r of part.results) code.set(r.id, (code.get(r.id) || 0) | (1 << bit));
    if (isStale()) return [];
  }
  const first = new Map();
  for (const r of search.results) {
    const b = unsure[(code.get(r.id) || 0) - 1];
    if (b !== undefined && !first.has(b)) first.set(b, r);
  }
  const nearest = terms.map(() => new Map()); // bundle -> longest common start, unfound terms
  for (const b of unsure) {
    const result = first.get(b);
    if (!result) continue;
    const words = matchedWords(await result.data());
    terms.forEach((term, i) => {
      if (found[i].has(b)) return;
      if (words.some((w) => w.startsWith(term))) found[i].add(b);
      else nearest[i].set(b, Math.max(0, ...words.map((w) => commonPrefix(w, term))));
    });
    if (isStale()) return [];
  }
  const dropped = new Set();
  terms.forEach((term, i) => {
    const best = Math.max(0, ...nearest[i].values());
    for (const [b, n] of nearest[i]) if (found[i].size || n < best) dropped.add(b);
  });
  return [...dropped];
}

function facetPanel(counts, query) {
  const panel = el("div", { class: "facets" });
  for (const [key, label] of FACETS) {
    const values = Object.entries(counts[key] || {})
      .filter(([value, n]) => n > 0 || chosen[key].has(value))
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    if (!values.length) continue;
    const shown = values.filter(([value], i) => i < SHOWN_VALUES || chosen[key].has(value));
    const group = el("fieldset", { class: "facet", "data-facet": key });
    group.append(el("legend", {}, label));
    for (const [value, n] of shown) {
      const id = `facet-${key}-${value.replace(/[^A-Za-z0-9]+/g, "-")}`;
      const box = el("input", { type: "checkbox", id, value });
      box.checked = chosen[key].has(value);
      box.addEventListener("change", () => {
        if (box.checked) chosen[key].add(value);
        else chosen[key].delete(value);
        run(query, `#${CSS.escape(id)}`);
      });
      const text = el("label", { for: id }, value);
      text.append(" ", el("span", { class: "count" }, `(${n})`));
      const row = el("div", { class: "facet-value" });
      row.append(box, text);
      group.append(row);
    }
    panel.append(group);
  }
  return panel;
}

async function run(query, refocus = null) {
  const id = ++latest;
  const box = document.getElementById("search-results");
  if (!query) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  let search;
  try {
    search = await (await load()).search(query, filterOptions());
  } catch (err) {
    box.replaceChildren(el("p", {}, "Search needs the site to be served over HTTP (kb serve)."));
    return;
  }
  if (id !== latest) return;
  let dropped = [];
  try {
    dropped = await spuriousBundles(query, search, () => id !== latest);
  } catch (err) { /* the merged results as they came */ }
  if (id !== latest) return;
  if (dropped.length) search = await pagefind.search(query, filterOptions(dropped));
  if (id !== latest) return;
  // Only the shown results' fragments are fetched (each holds its article's text). An
  // article re-added since the full publish is in two bundles: shown once, the next
  // results fetched in its place.
  const results = [];
  const seen = new Set();
  for (let next = 0; results.length < SHOWN_RESULTS && next < search.results.length; ) {
    const batch = search.results.slice(next, next + SHOWN_RESULTS - results.length);
    next += batch.length;
    for (const data of await Promise.all(batch.map((r) => r.data()))) {
      if (seen.has(data.url)) continue;
      seen.add(data.url);
      results.push(data);
    }
    if (id !== latest) return;
  }
  const list = el("ol", { class: "results" });
  for (const data of results) {
    const item = el("li");
    const link = el("a", { href: root + data.url.replace(/^\//, "") }, data.meta.title || data.url);
    item.append(link, excerptNode(data.excerpt));
    list.append(item);
  }
  const total = search.results.length;
  const status = document.getElementById("search-status");
  const words = total === 1 ? "1 result" : `${total.toLocaleString("en")} results`;
  const shown = total > results.length ? ` (the first ${results.length} shown)` : "";
  status.textContent = `${words} for “${query}”${shown}`;
  const body = el("div", { class: "results-body" });
  body.append(facetPanel(search.filters || {}, query), list);
  const heading = el("h2", { id: "results-heading" }, status.textContent);
  box.replaceChildren(heading, body);
  if (refocus) box.querySelector(refocus)?.focus();
  if (!facetsReady) {
    // Once the results are drawn: the filter index is not needed to show them.
    facetsReady = new Promise((resolve) => setTimeout(resolve, 0)).then(() => pagefind.filters());
    facetsReady.then(() => { if (id === latest) run(query); });
  }
}

function remember(query) {
  const url = new URL(location.href);
  if (query) url.searchParams.set("q", query);
  else url.searchParams.delete("q");
  history.replaceState(null, "", url);
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.search");
  const input = document.getElementById("q");
  let timer = null;
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(initial.trim()); }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    remember(input.value.trim());
    run(input.value.trim());
  });
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      remember(input.value.trim());
      run(input.value.trim());
    }, DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && input.value) {
      input.value = "";
      remember("");
      run("");
    }
  });
  // "/" anywhere but in a field focuses the search box (as on docs sites).
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const t = event.target;
    if (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)) return;
    event.preventDefault();
    input.focus();
    input.select();
  });
});
