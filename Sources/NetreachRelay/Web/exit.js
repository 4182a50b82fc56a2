// Quick exit before the page's other scripts have loaded (docs/WEB.md, "First paint"). The link in
// index.html already leaves with no script at all; this tiny script, which runs as soon as it
// arrives, also empties this site's storage (a remembered phrase) and replaces the history entry.
// Once app.js has started it does the whole exit itself, and this steps aside.
(function (root) {
  'use strict';
  var doc = root.document;
  var gone = false;

  function leave(href) {
    if (gone) return;
    gone = true;
    try { root.localStorage.clear(); } catch (e) { /* storage may be off */ }
    try { root.sessionStorage.clear(); } catch (e) { /* storage may be off */ }
    root.location.replace(href);
  }

  doc.addEventListener('click', function (event) {
    var link = event.target && event.target.closest ? event.target.closest('#quick-exit') : null;
    if (!link || root.NetreachQuickExit || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    leave(link.href);
  }, true);

  // Escape 3 times within 2 seconds, as app.js has it.
  var escapes = [];
  doc.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape' || root.NetreachQuickExit) return;
    var now = Date.now();
    escapes = escapes.filter(function (at) { return now - at < 2000; });
    escapes.push(now);
    var link = doc.getElementById('quick-exit');
    if (escapes.length >= 3 && link) leave(link.href);
  }, true);
})(typeof self !== 'undefined' ? self : globalThis);
