// Which language the page speaks (docs/WEB.md, "Languages"). The visitor's device decides, from
// navigator.languages, and nothing about it leaves the device: every visitor fetches every
// language's file, so not even the requests differ. The visitor can switch on every screen.
(function (root) {
  'use strict';
  // The order of the picker; each table is in strings.js (English) or strings-<code>.js.
  var ORDER = ['en', 'ro', 'pl', 'pt-BR', 'es', 'bg'];

  function tables() { return root.NetreachLanguages || {}; }

  // The languages whose tables have loaded, in the picker's order.
  function available() { return ORDER.filter(function (code) { return tables()[code]; }); }

  // The first of the device's languages the page has: the same tag ("pt-BR", any case), else the
  // same language ("pt-PT" and "pt" give pt-BR, "es-MX" gives es). English when none matches.
  function choose(preferred) {
    var have = available();
    var list = Array.prototype.slice.call(preferred || []);
    for (var i = 0; i < list.length; i++) {
      var tag = String(list[i]).toLowerCase();
      var main = tag.split('-')[0];
      for (var j = 0; j < have.length; j++) if (have[j].toLowerCase() === tag) return have[j];
      for (j = 0; j < have.length; j++) if (have[j].toLowerCase().split('-')[0] === main) return have[j];
    }
    return 'en';
  }

  // Makes `code` the language of NetreachStrings, the object every script holds, in place.
  function use(code) {
    var table = tables()[code] || tables().en;
    var S = root.NetreachStrings;
    Object.keys(S).forEach(function (key) { delete S[key]; });
    Object.assign(S, table);
    return S.lang;
  }

  root.NetreachLanguage = { ORDER: ORDER, available: available, choose: choose, use: use };
})(typeof self !== 'undefined' ? self : globalThis);
