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
const chosen = Object.fromEntries(FACETS.map(([key]) => [key, new Set()]));

async function load() {
  if (!pagefind) {
    pagefind = await import(new URL(root + "pagefind/pagefind.js", document.baseURI).href);
    await pagefind.options({ excerptLength: 30 });
    // Articles added since the last full publish live in extra bundles (kb add).
    try {
      const extra = await (await fetch(root + "static/bundles.json")).json();
      for (const bundle of extra) {
        await pagefind.mergeIndex(new URL(root + bundle, document.baseURI).href);
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

function filterOptions() {
  const filters = {};
  for (const [key] of FACETS) {
    if (chosen[key].size) filters[key] = { any: [...chosen[key]] };
  }
  return { filters };
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
