// Old support-site addresses with this site's base in place of the old host:
// kb/279415, kb/Q279415, kb/279415/en-us (also written as plain redirect files),
// en-us/kb/279415, default.aspx/kb/279415, help/279415 and en-us/help/279415/title-slug
// (the support site's last years), support/kb/articles/Q176/1/13.asp (the 1990s: KB176113),
// ?kbid=279415, default.aspx?scid=kb;en-us;279415 and ;EN-US;Q279415. The page that
// runs this is the home page (query shapes) or 404.html (anything not on the site).
(function () {
  var path = location.pathname, query = location.search, root = null, n = null, m;
  var locale = "(?:[a-z]{2}(?:-[a-z]{2,4}){0,2}/)?";
  try { query = decodeURIComponent(query); } catch (e) { /* keep it as it is */ }
  // The site's root is the shortest start of the path that leaves an old shape.
  if ((m = new RegExp("^(.*?/)" + locale + "(?:default\\.aspx/)?kb/(?:kb|q)?0*(\\d{1,7})" +
                      "(?:/[a-z]{2}(?:-[a-z]{2,4}){0,2})?/?(?:index\\.html?)?$", "i").exec(path)) ||
      (m = new RegExp("^(.*?/)" + locale + "help/(?:kb|q)?0*(\\d{1,7})(?:/[^/]*)?/?$", "i").exec(path))) {
    root = m[1]; n = m[2];
  } else if ((m = /^(.*?\/)support\/kb\/articles\/q(\d{1,3})\/(\d{1,2})\/(\d{2})\.asp$/i.exec(path))) {
    root = m[1]; n = String(Number(m[2] + m[3] + m[4]));
  } else if ((m = /[?&;](?:kbid|id)=(?:kb|q)?0*(\d{1,7})\b/i.exec(query)) ||
             (m = /[?&;]scid=kb;[a-z]{0,5}(?:-[a-z]{0,4})?;(?:kb|q)?0*(\d{1,7})\b/i.exec(query))) {
    root = path.replace(/[^\/]*$/, ""); n = m[1];
  }
  if (n === null) return;
  document.documentElement.classList.add("resolving");
  var article = root + "kb/KB" + n + "/index.html";
  var missing = root + "not-archived.html?kb=" + n + "&q=" + n;
  fetch(article, { method: "HEAD" })
    .then(function (r) { location.replace(r.ok ? article : missing); })
    .catch(function () { location.replace(article); });
})();
