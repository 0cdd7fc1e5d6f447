// Old support-site addresses with this site's base in place of the old host:
// kb/279415, kb/Q279415, kb/279415/en-us (also written as plain redirect files),
// ?kbid=279415, default.aspx?scid=kb;en-us;279415 and ;EN-US;Q279415. The page that
// runs this is the home page (query shapes) or 404.html (anything not on the site).
(function () {
  var path = location.pathname, query = location.search, root = null, n = null, m;
  try { query = decodeURIComponent(query); } catch (e) { /* keep it as it is */ }
  m = /^(.*\/)kb\/(?:kb|q)?0*(\d{1,7})(?:\/[a-z]{2}(?:-[a-z]{2,4})?)?\/?(?:index\.html?)?$/i.exec(path);
  if (m) {
    root = m[1]; n = m[2];
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
