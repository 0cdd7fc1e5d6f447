// In-browser search with the Pagefind bundle. Links are made relative to this page,
// so the site works from any sub-path. Without JavaScript the pages still read fine.
const root = document.body.dataset.root || "./";
let pagefind = null;

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

async function run(query) {
  const box = document.getElementById("search-results");
  box.hidden = false;
  box.replaceChildren(el("p", {}, "Searching ..."));
  let search;
  try {
    search = await (await load()).search(query);
  } catch (err) {
    box.replaceChildren(el("p", {}, "Search needs the site to be served over HTTP (kb serve)."));
    return;
  }
  const all = await Promise.all(search.results.slice(0, 40).map((r) => r.data()));
  // An article re-added since the full publish is in two bundles: show it once.
  const seen = new Set();
  const results = all.filter((d) => !seen.has(d.url) && seen.add(d.url)).slice(0, 20);
  const list = el("ol", { class: "results" });
  for (const data of results) {
    const item = el("li");
    const link = el("a", { href: root + data.url.replace(/^\//, "") }, data.meta.title || data.url);
    const excerpt = el("p");
    // Pagefind's excerpt marks matches with <mark>; rebuild it as text nodes + <mark>.
    for (const [i, part] of data.excerpt.split(/<\/?mark>/).entries()) {
      const text = new DOMParser().parseFromString(part, "text/html").body.textContent;
      excerpt.append(i % 2 ? el("mark", {}, text) : document.createTextNode(text));
    }
    item.append(link, excerpt);
    list.append(item);
  }
  const heading = el("h2", {}, `${results.length} results for “${query}”`);
  box.replaceChildren(heading, list);
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.search");
  const input = document.getElementById("q");
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(initial); }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) run(input.value.trim());
  });
});
