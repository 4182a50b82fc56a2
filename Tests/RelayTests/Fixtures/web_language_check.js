// The visitor page's languages (docs/WEB.md, "Languages"), under node: every language's table has
// exactly English's keys, the same {placeholders} and no empty text; every plural text has the
// forms its language's plural rules (Intl.PluralRules) ask for; and a phrase written in BIP39's
// Spanish list reads back typed with or without accents, beside English phrases.
// Usage: node web_language_check.js REPO_ROOT [english.txt] [spanish.txt]
'use strict';
const fs = require('fs');
const path = require('path');

const repo = process.argv[2] || '.';
const web = path.join(repo, 'Sources/NetreachRelay/Web');
const wordlists = '/usr/lib/python3/dist-packages/mnemonic/wordlist/';
const englishPath = process.argv[3] || wordlists + 'english.txt';
const spanishPath = process.argv[4] || wordlists + 'spanish.txt';
globalThis.nacl = require(fs.existsSync(path.join(web, 'vendor/nacl-fast.min.js')) ? path.join(web, 'vendor/nacl-fast.min.js')
  : '/usr/share/nodejs/tweetnacl/nacl-fast.min.js');
const html = fs.readFileSync(path.join(web, 'index.html'), 'utf8');
const scripts = [...html.matchAll(/<script src="\/static\/([a-z0-9.-]+\.js)"/g)].map((m) => m[1]);
for (const file of scripts.filter((f) => /^(strings.*|language|bytes|protocol|phrase|ui)\.js$/.test(f))) {
  require(path.join(path.resolve(web), file));
}
const L = globalThis.NetreachLanguages, Lang = globalThis.NetreachLanguage, U = globalThis.NetreachUI;
const B = globalThis.NetreachBytes, Phrase = globalThis.NetreachPhrase;

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) passed++; else failed++;
  console.log((ok ? 'ok   ' : 'FAIL ') + name + (ok || detail === undefined ? '' : ' — ' + JSON.stringify(detail).slice(0, 400)));
}

function placeholders(text) { return [...new Set((text.match(/\{\w+\}/g) || []))].sort().join(' '); }
const isPlural = (v) => v && typeof v === 'object' && !Array.isArray(v) && typeof v.plural === 'string';

// Every difference between a table and English, as a list of "path: problem".
function compare(lang, en, other, at, problems) {
  const keys = (o) => Object.keys(o).sort().join(',');
  if (isPlural(en)) {
    if (!isPlural(other)) return problems.push(at + ': English has plural forms, this has not');
    if (other.plural !== en.plural) problems.push(at + ': counts {' + other.plural + '}, English {' + en.plural + '}');
    const rules = new Intl.PluralRules(lang);
    const allowed = rules.resolvedOptions().pluralCategories.concat(['plural']);
    Object.keys(other).forEach((k) => { if (allowed.indexOf(k) < 0) problems.push(at + '.' + k + ': not a plural form of ' + lang); });
    for (let n = 0; n <= 1000; n++) {
      const form = rules.select(n);
      if (typeof other[form] !== 'string') { problems.push(at + ': no "' + form + '" form (needed for ' + n + ')'); break; }
    }
    const wanted = placeholders(en.other);
    Object.keys(other).filter((k) => k !== 'plural').forEach((k) => {
      if (typeof other[k] !== 'string' || !other[k].trim()) problems.push(at + '.' + k + ': empty');
      else if (placeholders(other[k]) !== wanted) problems.push(at + '.' + k + ': placeholders ' + placeholders(other[k]) + ', English ' + wanted);
    });
    return;
  }
  if (typeof en === 'string') {
    if (typeof other !== 'string') return problems.push(at + ': not a text');
    if (!other.trim()) return problems.push(at + ': empty');
    if (placeholders(other) !== placeholders(en)) problems.push(at + ': placeholders ' + placeholders(other) + ', English ' + placeholders(en));
    return;
  }
  if (Array.isArray(en)) {
    if (!Array.isArray(other) || other.length !== en.length) return problems.push(at + ': not a list of ' + en.length);
    en.forEach((e, i) => compare(lang, e, other[i], at + '[' + i + ']', problems));
    return;
  }
  if (!other || typeof other !== 'object' || isPlural(other)) return problems.push(at + ': not a table');
  if (keys(en) !== keys(other)) {
    const missing = Object.keys(en).filter((k) => !(k in other)), extra = Object.keys(other).filter((k) => !(k in en));
    problems.push(at + ': missing ' + missing.join(',') + '; extra ' + extra.join(','));
  }
  Object.keys(en).filter((k) => k in other).forEach((k) => compare(lang, en[k], other[k], at ? at + '.' + k : k, problems));
}

const expected = ['en', 'ro', 'pl', 'pt-BR', 'es', 'bg'];
check('index.html loads every language the picker offers', JSON.stringify(Lang.available()) === JSON.stringify(expected), Lang.available());
for (const code of expected) {
  const table = L[code];
  if (!table) { check(code + ': table loaded', false); continue; }
  check(code + ': the table says its own code', table.lang === code, table.lang);
  check(code + ': the language is named in its own words', typeof table.languageName === 'string' && table.languageName.length > 1);
  if (code === 'en') continue;
  const problems = [];
  compare(code, L.en, table, '', problems);
  check(code + ': exactly English\'s keys, the same {placeholders}, plural forms for ' + code + ', no empty text',
    problems.length === 0, problems);
  const names = expected.map((c) => L[c].languageName);
  check(code + ': names differ', new Set(names).size === names.length, names);
}

// The checker fails a table that is missing a key, has a wrong placeholder, an empty text or a missing plural form.
(function () {
  const broken = JSON.parse(JSON.stringify(L.pl));
  delete broken.send;
  broken.staffHere = '{nam} jest tutaj.';
  broken.back = ' ';
  delete broken.reconnectingIn.many;
  const problems = [];
  compare('pl', L.en, broken, '', problems);
  check('a broken table is caught: a missing key, a wrong placeholder, an empty text, a missing plural form',
    problems.some((p) => /missing send/.test(p)) && problems.some((p) => /^staffHere: placeholders/.test(p))
    && problems.some((p) => /^back: empty/.test(p)) && problems.some((p) => /reconnectingIn: no "many"/.test(p)), problems);
})();

// Language choice from the device's list.
check('pt-PT and pt give Brazilian Portuguese', Lang.choose(['pt-PT']) === 'pt-BR' && Lang.choose(['pt']) === 'pt-BR');
check('es-MX gives Spanish, the first match wins', Lang.choose(['de-DE', 'es-MX', 'bg']) === 'es');
check('a device with none of the languages gets English', Lang.choose(['de', 'fr-FR']) === 'en' && Lang.choose([]) === 'en');
check('bg-BG gives Bulgarian', Lang.choose(['bg-BG', 'en']) === 'bg');

// Numbers: the right form for each language ("1 second", never "1 seconds").
function say(code, key, params) { Lang.use(code); const text = U.t(key, params); Lang.use('en'); return text; }
check('en: 1 second, 2 seconds', /in 1 second…$/.test(say('en', 'reconnectingIn', { seconds: 1 }))
  && /in 2 seconds…$/.test(say('en', 'reconnectingIn', { seconds: 2 })), say('en', 'reconnectingIn', { seconds: 1 }));
check('en: within 1 minute', /within 1 minute\.$/.test(say('en', 'onDutyUnknown', { minutes: 1 })));
check('pl: 1 sekundę, 2 sekundy, 5 sekund, 22 sekundy', /1 sekundę/.test(say('pl', 'reconnectingIn', { seconds: 1 }))
  && /2 sekundy/.test(say('pl', 'reconnectingIn', { seconds: 2 })) && /5 sekund…/.test(say('pl', 'reconnectingIn', { seconds: 5 }))
  && /22 sekundy/.test(say('pl', 'reconnectingIn', { seconds: 22 })));
check('ro: 1 secundă, 2 secunde, 20 de secunde', /1 secundă/.test(say('ro', 'reconnectingIn', { seconds: 1 }))
  && /2 secunde/.test(say('ro', 'reconnectingIn', { seconds: 2 })) && /20 de secunde/.test(say('ro', 'reconnectingIn', { seconds: 20 })));
check('bg: 1 секунда, 8 секунди', /1 секунда…/.test(say('bg', 'reconnectingIn', { seconds: 1 }))
  && /8 секунди/.test(say('bg', 'reconnectingIn', { seconds: 8 })));
check('switching back restores English', L.en.send === globalThis.NetreachStrings.send && globalThis.NetreachStrings.lang === 'en');

// Spanish phrases.
const english = new Phrase.WordList(fs.readFileSync(englishPath, 'utf8'));
const spanishText = fs.readFileSync(spanishPath, 'utf8');
const spanish = new Phrase.WordList(spanishText);
check('the Spanish list has 2048 words, distinct and unique in four letters without accents',
  new Set(spanish.plain).size === 2048 && new Set(spanish.plain.map((w) => w.slice(0, 4))).size === 2048);
check('Spanish words are shown composed (NFC)', spanish.words.every((w) => w === w.normalize('NFC'))
  && spanish.words.some((w) => /[áéíóúñü]/.test(w)));
check('a list that repeats a word once accents are off is refused', (() => {
  const words = spanishText.split('\n').filter(Boolean);
  const accented = words.findIndex((w) => w.normalize('NFD') !== w.normalize('NFD').replace(/[\u0300-\u036f]/g, ''));
  const copy = words.slice(); copy[accented + 1 === 2048 ? accented - 1 : accented + 1] = words[accented].normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  try { new Phrase.WordList(copy.join('\n')); return false; } catch (e) { return /repeats/.test(e.message); }
})());

let accentedPhrases = 0;
for (let trial = 0; trial < 200; trial++) {
  const entropy = nacl.randomBytes(16);
  const words = Phrase.words(entropy, spanish);
  const hex = B.hex(entropy);
  const plainTyped = words.map((w) => w.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toUpperCase()).join('  ');
  if (words.some((w) => w !== Phrase.plain(w))) accentedPhrases++;
  const ok = B.hex(Phrase.parse(words.join(' '), english, spanish)) === hex
    && B.hex(Phrase.parse(plainTyped, english, spanish)) === hex
    && B.hex(Phrase.parse(words.join(' ').normalize('NFD'), english, spanish)) === hex
    && B.hex(Phrase.parse(words.map((w) => w.slice(0, 4)).join(' '), english, spanish)) === hex
    && B.hex(Phrase.parse(Phrase.words(entropy, english).join(' '), english, spanish)) === hex;
  if (!ok) { check('a Spanish phrase reads back with and without accents, and its English twin too', false, words); break; }
  if (trial === 199) check('200 Spanish phrases read back with accents, without, decomposed, by four letters, and as their English twins', true);
}
check('most of those phrases had an accented word', accentedPhrases > 100, accentedPhrases);
check('an unknown word in a Spanish phrase is named with Spanish suggestions', (() => {
  const words = Phrase.words(nacl.randomBytes(16), spanish);
  words[2] = 'agxila';
  try { Phrase.parse(words.join(' '), english, spanish); return false; } catch (e) {
    return e.code === 'unknown' && e.position === 3 && e.suggestions.indexOf('águila') >= 0;
  }
})());
check('a phrase mixing the two lists is refused', (() => {
  const entropy = nacl.randomBytes(16);
  const mixed = Phrase.words(entropy, spanish).slice(0, 6).concat(Phrase.words(entropy, english).slice(6));
  try { Phrase.parse(mixed.join(' '), english, spanish); return false; } catch (e) { return e.code === 'unknown' || e.code === 'checksum'; }
})());

console.log(passed + ' passed, ' + failed + ' failed');
process.exit(failed ? 1 : 0);
