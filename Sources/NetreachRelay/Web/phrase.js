// The resume phrase (docs/PROTOCOL.md, "Visitor: the resume phrase"): 16 bytes of entropy and a
// 4-bit checksum written as 12 words of a BIP39 list — English, or Spanish for a Spanish page
// (docs/WEB.md, "Languages") — and the tolerant reading of a typed phrase in either list.
(function (root) {
  'use strict';
  var P = root.NetreachProtocol;
  var B = root.NetreachBytes;
  var WORDS = 12;

  // Why a typed phrase was refused: code is 'count', 'unknown' (with position, token, suggestions) or 'checksum'.
  function PhraseError(code, details) {
    this.name = 'PhraseError';
    this.code = code;
    for (var key in details) this[key] = details[key];
    this.message = code;
  }
  PhraseError.prototype = Object.create(Error.prototype);

  // Lower case, with accents and other combining marks taken off ("Águila" → "aguila", "año" → "ano"),
  // so a phrase reads the same typed with or without them.
  function plain(text) { return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase(); }

  // A list as served at /static/wordlist-<code>.txt: 2048 words that are distinct lower-case words,
  // unique in their first four letters, once their accents are taken off (BIP39's Spanish list is,
  // and a list that is not is refused). `words` are shown (composed, NFC); `plain` are matched.
  function WordList(text) {
    var words = text.split('\n').filter(function (line) { return line.length > 0; });
    if (words.length !== 2048) throw new Error('a word list has 2048 words, got ' + words.length);
    this.words = words.map(function (word) { return word.normalize('NFC'); });
    this.plain = words.map(plain);
    this.indexes = Object.create(null);
    this.prefixes = Object.create(null);
    for (var i = 0; i < words.length; i++) {
      var word = this.plain[i];
      if (!/^[a-z]{3,}$/.test(word)) throw new Error('word list entry ' + (i + 1) + ' is not a lower-case word');
      var prefix = word.slice(0, 4);
      if (word in this.indexes || prefix in this.prefixes) throw new Error('word list entry ' + (i + 1) + ' repeats');
      this.indexes[word] = i;
      this.prefixes[prefix] = i;
    }
  }

  // Whether a token is a whole word of the list (not only its first four letters).
  WordList.prototype.exact = function (token) { return token in this.indexes; };

  // A token that is a word is that word; otherwise a token of 4 or more letters whose first four
  // letters begin exactly one word is that word (every word is unique in its first four letters).
  WordList.prototype.index = function (token) {
    if (token in this.indexes) return this.indexes[token];
    if (token.length >= 4 && token.slice(0, 4) in this.prefixes) return this.prefixes[token.slice(0, 4)];
    return -1;
  };

  // Words within two edits of the token, nearest first.
  WordList.prototype.suggestions = function (token, limit) {
    var found = [];
    for (var i = 0; i < this.words.length; i++) {
      var distance = editDistance(token, this.plain[i]);
      if (distance <= 2) found.push([this.words[i], distance]);
    }
    found.sort(function (a, b) { return a[1] - b[1] || (a[0] < b[0] ? -1 : 1); });
    return found.slice(0, limit || 3).map(function (pair) { return pair[0]; });
  };

  // Optimal string alignment distance: insertions, deletions, substitutions, and two neighbouring
  // letters swapped counted as one edit ("rdive" is one edit from "drive"), as people mistype.
  function editDistance(a, b) {
    if (Math.abs(a.length - b.length) > 2) return 3;
    var rows = [], i, j;
    for (i = 0; i <= a.length; i++) {
      rows.push([i]);
      for (j = 1; j <= b.length; j++) rows[i].push(i === 0 ? j : 0);
    }
    for (i = 1; i <= a.length; i++) {
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var best = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2][j - 2] + 1);
        rows[i][j] = best;
      }
    }
    return rows[a.length][b.length];
  }

  function checksum(entropy) { return P.H(B.concat(P.ctx('phrase'), entropy))[0] >> 4; }

  // The 12 words for 16 bytes of entropy.
  function words(entropy, list) {
    var bits = B.concat(entropy, new Uint8Array([checksum(entropy) << 4]));
    var out = [];
    for (var i = 0; i < WORDS; i++) {
      var index = 0;
      for (var b = 0; b < 11; b++) {
        var bit = i * 11 + b;
        index = (index << 1) | ((bits[bit >> 3] >> (7 - (bit & 7))) & 1);
      }
      out.push(list.words[index]);
    }
    B.wipe(bits);
    return out;
  }

  // Reads a phrase as a person typed it, in `list` or in any of the `others` (the list is told by
  // the words: the one with the most whole words first); returns the entropy or throws a PhraseError.
  function parse(text, list) {
    var lists = Array.prototype.slice.call(arguments, 1).filter(function (l) { return l; });
    var tokens = plain(text).split(/[^a-z]+/).filter(function (token) { return token.length > 0; });
    if (tokens.length !== WORDS) throw new PhraseError('count', { count: tokens.length });
    var scored = lists.map(function (l, order) {
      return {
        list: l, order: order,
        known: tokens.filter(function (token) { return l.index(token) >= 0; }).length,
        exact: tokens.filter(function (token) { return l.exact(token); }).length
      };
    });
    scored.sort(function (a, b) { return b.known - a.known || b.exact - a.exact || a.order - b.order; });
    var complete = scored.filter(function (s) { return s.known === WORDS; });
    if (complete.length === 0) {
      var best = scored[0].list;
      tokens.forEach(function (token, position) {
        if (best.index(token) < 0) {
          throw new PhraseError('unknown', { position: position + 1, token: token, suggestions: best.suggestions(token) });
        }
      });
    }
    complete.sort(function (a, b) { return b.exact - a.exact || a.order - b.order; });
    for (var c = 0; c < complete.length; c++) {
      try {
        return entropyOf(tokens, complete[c].list);
      } catch (e) {
        if (!(e instanceof PhraseError) || c === complete.length - 1) throw e;
      }
    }
  }

  function entropyOf(tokens, list) {
    var indexes = tokens.map(function (token) { return list.index(token); });
    var bits = new Uint8Array(17);
    indexes.forEach(function (index, i) {
      for (var b = 0; b < 11; b++) {
        if (index & (1 << (10 - b))) {
          var bit = i * 11 + b;
          bits[bit >> 3] |= 128 >> (bit & 7);
        }
      }
    });
    var entropy = bits.slice(0, 16);
    var sum = bits[16] >> 4;
    B.wipe(bits);
    if (sum !== checksum(entropy)) {
      B.wipe(entropy);
      throw new PhraseError('checksum', {});
    }
    return entropy;
  }

  root.NetreachPhrase = { WordList: WordList, PhraseError: PhraseError, words: words, parse: parse, checksum: checksum, plain: plain };
})(typeof self !== 'undefined' ? self : globalThis);
