// Runs the visitor page's own JavaScript (Sources/NetreachRelay/Web: bytes, protocol, phrase,
// keyring, incidents) under node against values it did not make: the worked example of
// docs/PROTOCOL.md (checked there against PyNaCl and Swift), the PyNaCl-made keyring of
// Tests/NetreachCoreTests/Fixtures/keys, and the Ugly Mugs known answers of
// Tests/NetreachCoreTests/Fixtures/incident_vectors.json (made by incident_vectors.py with hashlib
// and json from docs/INCIDENTS.md; IncidentVectors.swift holds the Swift code to the same file).
// Prints one line per failure and a closing "N passed, N failed" line; exits 1 on any failure.
//
// Usage: node web_protocol_check.js REPO_ROOT [nacl-fast.min.js] [wordlist.txt]
'use strict';
const fs = require('fs');
const path = require('path');

const repo = process.argv[2];
const naclPath = process.argv[3] || '/usr/share/nodejs/tweetnacl/nacl-fast.min.js';
const wordListPath = process.argv[4] || '/usr/lib/python3/dist-packages/mnemonic/wordlist/english.txt';
globalThis.nacl = require(naclPath);
for (const file of ['bytes.js', 'protocol.js', 'phrase.js', 'keyring.js', 'incidents.js']) {
  require(path.join(repo, 'Sources/NetreachRelay/Web', file));
}
const B = globalThis.NetreachBytes, P = globalThis.NetreachProtocol, Phrase = globalThis.NetreachPhrase;
const Keyring = globalThis.NetreachKeyring, I = globalThis.NetreachIncidents;

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) { passed += 1; } else { failed += 1; console.error('FAIL ' + name + (detail ? ': ' + detail : '')); }
}
function throwsCode(fn, code) {
  try { fn(); return false; } catch (e) { return e.code === code; }
}
const seq = (start, count) => Uint8Array.from({ length: count }, (_, i) => start + i);

// The worked example's lines: `example.NAME VALUE`.
const example = {};
for (const line of fs.readFileSync(path.join(repo, 'docs/PROTOCOL.md'), 'utf8').split('\n')) {
  const match = /^example\.(\w+) (.+)$/.exec(line);
  if (match) example[match[1]] = match[2];
}
check('the worked example is in docs/PROTOCOL.md', Object.keys(example).length === 19, Object.keys(example).length + ' lines');

const list = new Phrase.WordList(fs.readFileSync(wordListPath, 'utf8'));
const entropy = B.fromHex(example.entropy);

// The phrase, both ways, and the tolerant reading of docs/PROTOCOL.md "Reading a phrase".
check('phrase words', Phrase.words(entropy, list).join(' ') === example.phrase, Phrase.words(entropy, list).join(' '));
check('phrase parses back', B.hex(Phrase.parse(example.phrase, list)) === example.entropy);
const words = example.phrase.split(' ');
const sloppy = '  ' + words.map((w, i) => (i % 2 ? w.toUpperCase() : w.slice(0, 4))).join(' ,\n-- ') + ' .';
check('case, separators and four-letter prefixes are tolerated', B.hex(Phrase.parse(sloppy, list)) === example.entropy, sloppy);
const longer = words.slice(); longer[0] = 'abandonx';
check('a token whose first four letters begin one word is that word', B.hex(Phrase.parse(longer.join(' '), list)) === example.entropy);
check('11 words are refused with the count', (() => {
  try { Phrase.parse(words.slice(1).join(' '), list); return false; } catch (e) { return e.code === 'count' && e.count === 11; }
})());
check('an unknown word is named, with suggestions', (() => {
  const typed = words.slice(); typed[3] = 'amuont';
  try { Phrase.parse(typed.join(' '), list); return false; } catch (e) {
    return e.code === 'unknown' && e.position === 4 && e.token === 'amuont' && e.suggestions.indexOf('amount') >= 0;
  }
})());
check('two letters swapped are one edit: "rdive" suggests "drive" first', list.suggestions('rdive')[0] === 'drive',
  list.suggestions('rdive'));
check('a swap and a change are two edits: "rdivx" still suggests "drive"', list.suggestions('rdivx').indexOf('drive') >= 0,
  list.suggestions('rdivx'));
check('a three-letter token that is no word is unknown', throwsCode(() => {
  const typed = words.slice(); typed[0] = 'aba'; Phrase.parse(typed.join(' '), list);
}, 'unknown'));
// Another real word in place of one: the checksum catches it (15 in 16 replacements; pick one it catches).
let caught = false;
for (const replacement of list.words) {
  const typed = words.slice(); typed[5] = replacement;
  if (replacement === words[5]) continue;
  try { Phrase.parse(typed.join(' '), list); } catch (e) { caught = e.code === 'checksum'; break; }
}
check('a wrong real word fails the checksum', caught);

// Keys and ids from the entropy.
const visitor = P.identity(entropy);
check('visitor signing key', B.hex(visitor.sign.publicKey) === example.visitorSignPublic);
check('visitor box key', B.hex(visitor.box.publicKey) === example.visitorBoxPublic);
check('conversation id', B.hex(visitor.conversation) === example.conversationId);
check('conversation id b64u', B.b64u(visitor.conversation) === example.conversationIdB64u);

const staffSeed = nacl.hash(B.utf8('netreach worked example staff'));
const staff = { sign: nacl.sign.keyPair.fromSeed(staffSeed.slice(0, 32)), box: nacl.box.keyPair.fromSecretKey(staffSeed.slice(32, 64)) };
check('staff signing key', B.hex(staff.sign.publicKey) === example.staffSignPublic);
check('staff box key', B.hex(staff.box.publicKey) === example.staffBoxPublic);
check('staff key id', B.hex(P.keyId(staff.sign.publicKey)) === example.staffKeyId);

// The events, byte for byte.
const conversationKey = B.fromHex(example.conversationKey);
const opened = P.makeEvent(P.KIND.opened, visitor.conversation,
  P.openedContent(visitor, conversationKey, [{ keyId: P.keyId(staff.sign.publicKey), box: staff.box.publicKey },
    { keyId: visitor.keyId, box: visitor.box.publicKey }], [seq(0x40, 24), seq(0xc0, 24)]),
  visitor.sign, { id: seq(0x50, 16), time: 1764000000000 });
check('conversation.opened event', B.hex(opened) === example.openedEvent);
const openedWithLanguage = P.makeEvent(P.KIND.opened, visitor.conversation,
  P.openedContent(visitor, conversationKey, [{ keyId: P.keyId(staff.sign.publicKey), box: staff.box.publicKey },
    { keyId: visitor.keyId, box: visitor.box.publicKey }], [seq(0x40, 24), seq(0xc0, 24)], 'ro', seq(0xe0, 24)),
  visitor.sign, { id: seq(0x50, 16), time: 1764000000000 });
check('conversation.opened event with the language ro', B.hex(openedWithLanguage) === example.openedWithLanguageEvent);
const parsedWithLanguage = P.parseEvent(B.fromHex(example.openedWithLanguageEvent));
check('the documented language opens with the conversation key', P.openedLanguage(parsedWithLanguage.content, conversationKey) === 'ro');
check('an opening without a language has none', P.openedLanguage(P.parseEvent(B.fromHex(example.openedEvent)).content, conversationKey) === null);
check('the visitor gets the key back from an opening with a language',
  B.hex(P.ownConversationKey(parsedWithLanguage.content, visitor) || new Uint8Array()) === example.conversationKey);
check('a language that is not a tag is not sealed', throwsCode(() => P.openedContent(visitor, conversationKey,
  [{ keyId: visitor.keyId, box: visitor.box.publicKey }], null, 'pt_BR'), 'malformed'));
const cutLanguage = parsedWithLanguage.content.slice(0, parsedWithLanguage.content.length - 1);
check('a cut sealed language is malformed', throwsCode(() => P.parseOpened(cutLanguage), 'malformed'));
const message = P.makeEvent(P.KIND.message, visitor.conversation, P.seal('Hello, is anyone there?', conversationKey, seq(0x70, 24)),
  visitor.sign, { id: seq(0x60, 16), time: 1764000001000 });
check('message.posted event', B.hex(message) === example.messageEvent);

const feedback = P.makeEvent(P.KIND.feedback, visitor.conversation,
  P.seal(P.feedbackText({ helpful: 'yes', safer: 'not-sure', helpedMost: 'health' }), conversationKey, seq(0xa8, 24)),
  visitor.sign, { id: seq(0x10, 16), time: 1764000120000 });
check('feedback.given event, its text as the page writes it', B.hex(feedback) === example.feedbackEvent);
check('feedback that skips a question writes it empty',
  P.feedbackText({ helpful: '', safer: 'no' }) === '{"format":"netreach-feedback-v1","helpful":"","safer":"no","helpedMost":""}');

const reply = P.parseEvent(B.fromHex(example.replyEvent));
check('the staff reply parses and verifies', reply.kind === 3 && B.hex(reply.author) === example.staffSignPublic && reply.time === 1764000060000);
check('the staff reply opens', P.openSealed(reply.content, conversationKey) === "Yes, I'm here. You're safe to talk.");
const parsedOpened = P.parseEvent(B.fromHex(example.openedEvent));
check('the visitor gets the conversation key back from its own wrap',
  B.hex(P.ownConversationKey(parsedOpened.content, visitor) || new Uint8Array()) === example.conversationKey);
const tampered = B.fromHex(example.replyEvent); tampered[100] ^= 1;
check('a changed event byte fails the signature', throwsCode(() => P.parseEvent(tampered), 'badSignature'));
const otherKey = new Uint8Array(32).fill(7);
check('a message does not open with another key', throwsCode(() => P.openSealed(reply.content, otherKey), 'badSignature'));
check('padding: 4 + 252 bytes fill the first bucket', P.pad(new Uint8Array(252)).length === 256 && P.pad(new Uint8Array(253)).length === 1024);
check('padding: over 16 380 bytes is refused', throwsCode(() => P.pad(new Uint8Array(16381)), 'tooLong'));

// Authentication and proof of work.
const signature = P.authSignature(B.fromHex(example.authChallenge), B.fromHex(example.relaySignPublic), visitor.sign.secretKey);
check('auth signature', B.hex(signature) === example.authSignature);

// Strict base64url.
check('b64u round trip', B.hex(B.fromB64u(B.b64u(seq(0, 31)))) === B.hex(seq(0, 31)));
for (const bad of ['AA==', 'A', 'AB+/', 'AB C', 'AR']) {
  check('b64u refuses ' + JSON.stringify(bad), (() => { try { B.fromB64u(bad); return false; } catch (e) { return true; } })());
}
check('b64u accepts canonical "AQ"', B.hex(B.fromB64u('AQ')) === '01');

// The keyring PyNaCl made (keys_interop.py): carol is revoked.
const keysDir = path.join(repo, 'Tests/NetreachCoreTests/Fixtures/keys');
const expected = JSON.parse(fs.readFileSync(path.join(keysDir, 'expected.json'), 'utf8'));
const read = (name) => fs.readFileSync(path.join(keysDir, 'Keys', name), 'utf8');
const document = {
  org: read('org.pub'),
  staff: ['alice', 'bob', 'carol'].map((name) => read('staff/' + name + '.cert')),
  revoked: fs.readdirSync(path.join(keysDir, 'Keys/revoked')).map((name) => read('revoked/' + name))
};
const keyring = Keyring.check(document, expected.org.sign);
check('keyring: alice and bob are active, carol is revoked',
  keyring.active.map((m) => m.name).join(',') === 'alice,bob' && keyring.staff.length === 3);
check('keyring: key ids match', keyring.staff.every((m) => B.hex(m.keyId) === expected.staff.find((e) => e.name === m.name).key_id));
check('keyring: authors are named', keyring.nameOf(B.fromB64u(expected.staff[1].sign)) === 'bob');
const refuses = (doc, key) => { try { Keyring.check(doc, key); return false; } catch (e) { return e.name === 'KeyringError'; } };
check('keyring: another organisation key is refused', refuses(document, B.b64u(new Uint8Array(32).fill(1))));
const forged = Object.assign({}, document, { staff: [document.staff[0].replace(/box: (.)/, (m, c) => 'box: ' + (c === 'A' ? 'B' : 'A'))].concat(document.staff.slice(1)) });
check('keyring: a certificate changed after signing is refused', refuses(forged, expected.org.sign));
const crlf = Object.assign({}, document, { org: document.org.replace(/\n/g, '\r\n') });
check('keyring: CR line ends are refused', refuses(crlf, expected.org.sign));

// ---- Ugly Mugs (docs/INCIDENTS.md): identifiers, the checker's hashes, the texts, the alert feed ----

const vectors = JSON.parse(fs.readFileSync(path.join(repo, 'Tests/NetreachCoreTests/Fixtures/incident_vectors.json'), 'utf8'));
const refusal = (fn) => { try { fn(); return null; } catch (e) { return e instanceof I.Problem ? e : 'not a Problem: ' + e; } };

// The messy forms a worker types, to the document's normal forms.
for (const [kind, typed, platform, normal] of [
  ['phone', '07700 900123', '', '+447700900123'], ['phone', '+44 7700-900123', '', '+447700900123'],
  ['phone', '+44 (0)7700 900123', '', '+447700900123'], ['plate', 'ab12 cde', '', 'AB12CDE'],
  ['email', ' Dave@Example.COM ', '', 'dave@example.com'], ['handle', '@BigDave', 'AdultWork', 'adultwork:bigdave']]) {
  const got = refusal(() => I.identifier(kind, typed, platform)) || I.describe(I.identifier(kind, typed, platform));
  check('identifier: ' + JSON.stringify(typed) + ' is ' + normal, got === normal, got);
}
const salt = I.feedSalt(B.fromB64u(vectors.organisationKey));
check('the feed salt is the one hashlib computed', B.b64u(salt) === vectors.feedSalt, B.b64u(salt));
for (const v of vectors.identifiers.concat(vectors.nearMisses)) {
  const id = I.identifier(v.kind, v.typed, v.typedPlatform);
  check('identifier vector ' + JSON.stringify(v.typed), id.value === v.value && id.platform === v.platform, JSON.stringify(id));
  check('identifier hash ' + JSON.stringify(v.typed), I.identifierHash(salt, id) === v.hash, I.identifierHash(salt, id));
}
const alertHashes = new Set(vectors.identifiers.map((v) => v.hash));
check('near misses hash differently', vectors.nearMisses.every((v) => !alertHashes.has(v.hash)));
for (const v of vectors.refused) {
  const problem = refusal(() => I.identifier(v.kind, v.typed, v.typedPlatform));
  check('refused: ' + v.kind + ' ' + JSON.stringify(v.typed) + ' (' + v.why + ')', problem && problem.field === v.kind, problem);
}
check('a handle may not lose its platform', refusal(() => I.identifier('phone', '07700 900123', 'x')) !== null);
for (const [typed, kind] of [['07700 900123', 'phone'], ['ab12 cde', 'plate'], ['Dave@Example.com', 'email'],
  ['adultwork:bigdave', 'handle'], ['YX19 ABC', 'plate'], ['+1 (202) 555-0143', 'phone']]) {
  check('the checker takes ' + JSON.stringify(typed) + ' for a ' + kind, I.guessKind(typed) === kind, I.guessKind(typed));
}
check('the checker reads website:name', I.describe(I.checkedIdentifier('auto', 'AdultWork:BigDave', '')) === 'adultwork:bigdave'
  && I.describe(I.checkedIdentifier('handle', 'AdultWork:@BigDave', '')) === 'adultwork:bigdave');
check('like netreach check, a value with @ is taken for an email', I.guessKind('AdultWork:@BigDave') === 'email');
check('the checker reads a username with its website', I.describe(I.checkedIdentifier('handle', '@BigDave', ' AdultWork')) === 'adultwork:bigdave');
check('the checker refuses nothing typed', (refusal(() => I.checkedIdentifier('auto', '   ', '')) || {}).key === 'checkEmpty');
check('the checker names a bad phone', (refusal(() => I.checkedIdentifier('auto', '7700 900 123', '')) || {}).key === 'phoneCountry');
// A mistyped phone number is never read as a plate, so never answered "no alert names this number plate".
for (const typed of ['0770090', '900123', '0770 090', '12', '+44 7700', '77009x']) {
  const problem = refusal(() => I.checkedIdentifier('auto', typed, ''));
  check('the checker asks for the whole number for ' + JSON.stringify(typed), problem && problem.key === 'checkWholeNumber', problem);
}
check('the checker takes no plate of digits alone', (refusal(() => I.checkedIdentifier('plate', '900123', '')) || {}).key
  === 'checkWholeNumber');
check('digits chosen as a plate that are a whole phone number are checked as that number',
  I.describe(I.checkedIdentifier('plate', '07700 900123', '')) === '+447700900123');
for (const typed of ['AB12 CDE', 'YX19ABC', 'A1', 'ABZ 1234', 'ab-12-cde']) {
  check('the checker still reads ' + JSON.stringify(typed) + ' as a plate', I.checkedIdentifier('auto', typed, '').kind === 'plate');
}

// The report, byte for byte as IncidentReport.text writes it (IncidentVectors.swift reads the same text back in Swift).
const checked = I.checkReport(vectors.report.input);
check('the vector report has no problems', checked.problems.length === 0, JSON.stringify(checked.problems));
const written = checked.report ? I.reportText(checked.report) : '';
check('the report text is the committed one', written === vectors.report.text, written);
check('the report text is the committed UTF-8', B.hex(B.utf8(written)) === B.hex(B.utf8(vectors.report.text)));
check('the report text reads back and writes the same', I.reportText(I.readReport(vectors.report.text)) === vectors.report.text);
check('the report text parses as JSON to the same values', JSON.parse(written).account === vectors.report.input.account
  && JSON.parse(written).description === vectors.report.input.description);
const fields = (draft) => I.checkReport(draft).problems.map((p) => p.field + ':' + p.key).sort().join(' ');
check('an empty report names every missing field', fields({}) ===
  'area:areaMissing consent:consentMissing date:dateMissing harms:harmsMissing setting:settingMissing time:timeMissing', fields({}));
const good = Object.assign({}, vectors.report.input);
const edited = (change) => fields(Object.assign({}, good, change));
check('a police contact below level 4 is refused', edited({ consent: 3 }) === 'policeContact:policeContactLevel', edited({ consent: 3 }));
check('a day that does not exist is refused', edited({ date: '2026-02-29' }) === 'date:dateInvalid');
check('a date written with a sign is refused', edited({ date: '2026-+1-20' }) === 'date:dateInvalid');
check('a year outside 2000-2099 is refused', edited({ date: '1999-12-31' }) === 'date:dateInvalid');
check('an area over 100 bytes is refused', edited({ area: 'é'.repeat(51) }) === 'area:tooLong', edited({ area: 'é'.repeat(51) }));
check('an area of two lines is refused', edited({ area: 'Leeds\nBradford' }) === 'area:areaOneLine');
check('an account over 8 000 bytes is refused', edited({ account: 'x'.repeat(8001) }) === 'account:tooLong');
check('a control character is refused', edited({ description: 'bell\u0007' }) === 'description:badCharacter');
check('a lone surrogate is refused', edited({ account: 'a\ud800b' }) === 'account:badCharacter');
check('an unknown setting is refused', edited({ setting: 'car' }) === 'setting:settingMissing');
check('a harm twice is refused', edited({ harms: ['robbery', 'robbery'] }) === 'harms:harmsTwice');
const plates = Array.from({ length: 21 }, (_, i) => ({ kind: 'plate', typed: 'AB' + i, platform: '' }));
check('more than 20 identifiers are refused', edited({ identifiers: plates }) === 'identifiers:tooManyIdentifiers');
const badRow = I.checkReport(Object.assign({}, good,
  { identifiers: [good.identifiers[0], { kind: 'phone', typed: '12345', platform: '' }] })).problems;
check('a bad identifier is named with its row', badRow.length === 1 && badRow[0].field === 'identifier' && badRow[0].params.index === 1
  && badRow[0].key === 'phoneCountry', JSON.stringify(badRow));
const consent = I.consentText(B.fromB64u(vectors.consent.incident), vectors.consent.level, '');
check('the consent text is the committed one', consent === vectors.consent.text, consent);
check('the consent text reads back', JSON.stringify(I.readConsent(consent)) ===
  JSON.stringify({ incident: vectors.consent.incident, level: 3, visitorSaidOn: '' }));
check('consent now: the last change that counts wins', I.consentNow(2, [{ level: 4, visitorSaidOn: '', byVisitor: true },
  { level: 1, visitorSaidOn: '2026-11-21', byVisitor: false }, { level: 3, visitorSaidOn: '2026-11-22', byVisitor: true },
  { level: 2, visitorSaidOn: '', byVisitor: false }]) === 1);

// Strict flat JSON, as WireJSON and FlatDocument read it.
const flatRefused = (text) => refusal(() => I.parseFlat(text)) !== null;
for (const bad of ['{"a":"x","a":"y"}', '{"a":"x"} x', '{"a":{"b":1}}', '{"a":["x"]}', '{"a":"\\ud800"}', '{"a":"\\udc00x"}',
  '{"a":"\u0001"}', '{"a":01}', '{"a":"\\x"}', '[]', '\ufeff{"a":1}', '{"a":tru}', '{"a":"x",}']) {
  check('flat JSON refuses ' + JSON.stringify(bad), flatRefused(bad));
}
check('flat JSON reads escapes', I.parseFlat('{"a":"\\u00e9\\ud83d\\ude90\\n\\/","b":12,"c":-1,"d":true}').a.value === 'é🚐\n/');

// Alerts: only an alert.published of the feed, signed by an active staff key of the verified keyring, with exactly the alert's fields.
const seedOf = (name) => B.fromHex(expected.staff.find((member) => member.name === name).sign_seed);
const alice = nacl.sign.keyPair.fromSeed(seedOf('alice')), bob = nacl.sign.keyPair.fromSeed(seedOf('bob'));
const carol = nacl.sign.keyPair.fromSeed(seedOf('carol')), stranger = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(9));
const feedId = new Uint8Array(16);
const alertEvent = (text, signer, kind, conversation) => B.b64u(P.makeEvent(kind || 11, conversation || feedId,
  typeof text === 'string' ? B.utf8(text) : text, signer));
const alertText = vectors.alert.text;
// The alert text with one change; a change that does not apply would test nothing, so it stops the check.
const changed = (from, to) => {
  const text = alertText.replace(from, to);
  if (text === alertText) throw new Error('the forgery ' + from + ' changed nothing');
  return text;
};
let position = 0;
const entry = (event) => ({ position: ++position, event: event });
const validEntry = entry(alertEvent(alertText, alice));
const verified = I.verifyAlert(validEntry, keyring);
check('an alert signed by an active staff member verifies', verified.area === 'Leeds' && verified.month === '2026-11'
  && verified.signer === 'alice' && verified.harms.join(' ') === 'robbery threats', JSON.stringify(verified));
const tamperedAlert = B.fromB64u(alertEvent(alertText, alice)); tamperedAlert[100] ^= 1;
const forgeries = {
  'a bad signature': entry(B.b64u(tamperedAlert)),
  'an unknown signer': entry(alertEvent(alertText, stranger)),
  'a revoked signer': entry(alertEvent(alertText, carol)),
  'the wrong kind': entry(alertEvent(alertText, alice, 3)),
  'a conversation other than the feed': entry(alertEvent(alertText, alice, 11, new Uint8Array(16).fill(1))),
  'an extra field': entry(alertEvent(changed('"hashes":', '"reporter":"Jo","hashes":'), alice)),
  'a missing field': entry(alertEvent(changed(/,"summary":"([^"\\]|\\.)*"/, ''), alice)),
  'a field twice': entry(alertEvent(changed('"area":"Leeds"', '"area":"Leeds","area":"York"'), alice)),
  'another format': entry(alertEvent(changed('netreach-alert-v1', 'netreach-alert-v2'), alice)),
  'a month with a day': entry(alertEvent(changed('"2026-11"', '"2026-11-20"'), alice)),
  'a month with a sign': entry(alertEvent(changed('"2026-11"', '"2026-+1"'), alice)),
  'no harm': entry(alertEvent(changed('"robbery threats"', '""'), alice)),
  'an unknown harm': entry(alertEvent(changed('robbery threats', 'robbery punching'), alice)),
  'a hash that is not 32 bytes': entry(alertEvent(changed(/phone:[A-Za-z0-9_-]+/, 'phone:AAAA'), alice)),
  'an unknown identifier kind': entry(alertEvent(changed('phone:', 'car:'), alice)),
  'a byte-order mark': entry(alertEvent(B.concat(new Uint8Array([0xef, 0xbb, 0xbf]), B.utf8(alertText)), alice)),
  'invalid UTF-8': entry(alertEvent(B.concat(B.utf8(alertText.slice(0, -2)), new Uint8Array([0xff]), B.utf8('"}')), alice)),
  'no event at all': { position: ++position, event: 'not base64url!' }
};
const refusedAlert = (forged, ring) => { try { I.verifyAlert(forged, ring); return false; } catch (e) { return true; } };
for (const [why, forged] of Object.entries(forgeries)) {
  check('a forged alert is refused: ' + why, refusedAlert(forged, keyring));
}
const bobEntry = entry(alertEvent(alertText.replace('"Leeds"', '"Bradford"'), bob));
const feed = I.verifyFeed({ alerts: [validEntry, bobEntry].concat(Object.values(forgeries)).reverse() }, keyring);
check('the feed shows the verified alerts newest first and counts the others', feed.alerts.map((a) => a.area).join(',') === 'Bradford,Leeds'
  && feed.rejected === Object.keys(forgeries).length, JSON.stringify({ areas: feed.alerts.map((a) => a.area), rejected: feed.rejected }));
check('a feed that is not {alerts: [...]} is refused', refusal(() => I.verifyFeed({ alerts: 'x' }, keyring)) !== null);
check('without a verified keyring no alert is shown', I.verifyFeed({ alerts: [validEntry] }, null).alerts.length === 0);
// Period keys in the keyring (docs/KEYS.md, "Period keys"): the page wraps to a member's key in force, only from a
// key.period of the keys feed signed by an active member; anything else leaves that member on their enrolled key.
{
  const keysFeed = new Uint8Array(16); keysFeed[15] = 3;
  const now = Date.now(), day = 86400000;
  const u64 = (n) => { const out = new Uint8Array(8); let v = n; for (let i = 0; i < 8; i++) { out[i] = v % 256; v = Math.floor(v / 256); } return out; };
  const periodContent = (start, end, box) => B.concat(new Uint8Array([1]), u64(start), u64(end), box);
  const periodEvent = (signer, start, end, box, kind, conversation) =>
    B.b64u(P.makeEvent(kind || 17, conversation || keysFeed, periodContent(start, end, box), signer));
  const aliceBox = nacl.box.keyPair().publicKey, bobBox = nacl.box.keyPair().publicKey;
  const tampered = B.fromB64u(periodEvent(bob, now - day, now + day, bobBox)); tampered[90] ^= 1;
  const withPeriods = Object.assign({}, document, { periods: [
    periodEvent(alice, now - day, now + day, aliceBox),
    B.b64u(tampered),                                                  // bob's, altered after signing
    periodEvent(bob, now - day, now + day, bobBox, 17, feedId),         // bob's, in the alert feed
    periodEvent(bob, now - day, now + day, bobBox, 11),                 // bob's, another kind
    periodEvent(stranger, now - day, now + day, bobBox),                // not a member
    periodEvent(bob, now + day, now + 2 * day, bobBox),                 // bob's, not yet in force
    'not base64url!'
  ] });
  const ring = Keyring.check(withPeriods, expected.org.sign);
  const aliceMember = ring.active.find((m) => m.name === 'alice'), bobMember = ring.active.find((m) => m.name === 'bob');
  const aliceTo = ring.recipientFor(aliceMember, now), bobTo = ring.recipientFor(bobMember, now);
  // The period key id by node's own SHA-512, not tweetnacl's.
  const nodeHash = require('crypto').createHash('sha512')
    .update(Buffer.concat([Buffer.from('netreach/v1/period-key-id\0', 'latin1'), Buffer.from(aliceMember.sign), Buffer.from(aliceBox)]))
    .digest().subarray(0, 16);
  check('period keys: alice\'s key in force is wrapped to, named by its period key id',
    B.hex(aliceTo.box) === B.hex(aliceBox) && B.hex(aliceTo.keyId) === Buffer.from(nodeHash).toString('hex'));
  check('period keys: bob\'s altered, misplaced, foreign and future keys are left out: his enrolled key is used',
    B.hex(bobTo.box) === B.hex(bobMember.box) && B.hex(bobTo.keyId) === B.hex(bobMember.keyId));
  check('period keys: past its end, alice is back on her enrolled key', B.hex(ring.recipientFor(aliceMember, now + 2 * day).keyId) === B.hex(aliceMember.keyId));
  check('period keys: a keyring without periods wraps to enrolled keys', B.hex(keyring.recipientFor(keyring.active[0], now).keyId) === B.hex(keyring.active[0].keyId));
}
// A re-keyed chat (key.rotated, docs/KEYS.md "Offboarding"): the key id against a value computed by
// Python's hashlib (SHA-512(ctx("rotated-key-id") || bytes 0..31)[:16]); the page opens its own wrap,
// and refuses a key its id does not name, a new staff key (purpose 2), and a wrap boxed by someone else.
{
  check('rotated key id: the known answer', B.hex(P.rotatedKeyId(Uint8Array.from({ length: 32 }, (_, i) => i))) === 'a6bca85816495ee6bcfa7bc9870fc0a0');
  const supervisorBox = nacl.box.keyPair(), otherBox = nacl.box.keyPair();
  const newKey = nacl.randomBytes(32);
  const rotation = (purpose, id, boxedBy) => {
    const nonce = nacl.randomBytes(24);
    const wrap = B.concat(visitor.keyId, nonce, nacl.box(newKey, nonce, visitor.box.publicKey, boxedBy.secretKey));
    return B.concat(new Uint8Array([purpose]), id, new Uint8Array([1, 0]), wrap);
  };
  const taken = P.rotatedKey(rotation(1, P.rotatedKeyId(newKey), supervisorBox), visitor, supervisorBox.publicKey);
  check('rotated key: the visitor opens its wrap to the new key', taken !== null && B.equal(taken, newKey));
  check('rotated key: a key its id does not name is refused',
    P.rotatedKey(rotation(1, new Uint8Array(16), supervisorBox), visitor, supervisorBox.publicKey) === null);
  check('rotated key: a new staff key is not the visitor\'s', P.rotatedKey(rotation(2, P.rotatedKeyId(newKey), supervisorBox), visitor,
    supervisorBox.publicKey) === null);
  check('rotated key: a wrap boxed by someone other than its author does not open',
    P.rotatedKey(rotation(1, P.rotatedKeyId(newKey), otherBox), visitor, supervisorBox.publicKey) === null);
  let threw = false;
  try { P.rotatedKey(rotation(1, P.rotatedKeyId(newKey), supervisorBox).slice(0, 50), visitor, supervisorBox.publicKey); } catch (e) { threw = e.code === 'malformed'; }
  check('rotated key: a cut-short key.rotated is malformed', threw);
}
// Alice revoked later (a revocation signed with the PyNaCl organisation seed): her alerts are no longer shown.
const orgKeys = nacl.sign.keyPair.fromSeed(B.fromHex(expected.org.seed));
const aliceFacts = expected.staff.find((member) => member.name === 'alice');
const revocationBody = 'netreach-revocation-v1\nname: alice\nserial: ' + aliceFacts.serial + '\nsign: ' + aliceFacts.sign
  + '\nrevoked: 2026-11-23T10:00:00Z\nreason: phone stolen\n';
const revocation = revocationBody + 'signature: ' + B.b64u(nacl.sign.detached(B.concat(P.ctx('revocation'), B.utf8(revocationBody)),
  orgKeys.secretKey)) + '\n';
const laterKeyring = Keyring.check(Object.assign({}, document, { revoked: document.revoked.concat([revocation]) }), expected.org.sign);
check('the revocation made here verifies', laterKeyring.active.map((m) => m.name).join(',') === 'bob');
check('an alert whose signer was revoked later is no longer shown', refusedAlert(validEntry, laterKeyring));
// The checker against the verified alert.
for (const v of vectors.alert.matches) {
  check('the checker finds ' + JSON.stringify(v.typed), I.matching([verified], I.identifier(v.kind, v.typed), salt).length === 1);
}
for (const v of vectors.alert.doesNotMatch) {
  check('the checker does not find ' + JSON.stringify(v.typed), I.matching([verified], I.identifier(v.kind, v.typed), salt).length === 0);
}
const typedAuto = (typed) => I.matching([verified], I.checkedIdentifier('auto', typed, ''), salt).length;
check('the checker finds messy typing through auto', typedAuto(' +44 (0) 7700-900-123 ') === 1 && typedAuto('Ab12-Cde') === 1);
const otherSalt = I.feedSalt(new Uint8Array(32).fill(3));
check('another organisation\'s salt finds nothing', I.matching([verified], I.identifier('phone', '07700 900123'), otherSalt).length === 0);

P.solvePow(B.fromHex(example.authChallenge), visitor.conversation, 8).then((pow) => {
  check('proof of work, 8 bits', B.hex(pow) === example.pow8Nonce, B.hex(pow));
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed === 0 ? 0 : 1);
});
