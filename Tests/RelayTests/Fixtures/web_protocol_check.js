// Runs the visitor page's own JavaScript (Sources/NetreachRelay/Web: bytes, protocol, phrase,
// keyring) under node against values it did not make: the worked example of docs/PROTOCOL.md
// (checked there against PyNaCl and Swift) and the PyNaCl-made keyring of
// Tests/NetreachCoreTests/Fixtures/keys. Prints one line per failure and a closing
// "N passed, N failed" line; exits 1 on any failure.
//
// Usage: node web_protocol_check.js REPO_ROOT [nacl-fast.min.js] [wordlist.txt]
'use strict';
const fs = require('fs');
const path = require('path');

const repo = process.argv[2];
const naclPath = process.argv[3] || '/usr/share/nodejs/tweetnacl/nacl-fast.min.js';
const wordListPath = process.argv[4] || '/usr/lib/python3/dist-packages/mnemonic/wordlist/english.txt';
globalThis.nacl = require(naclPath);
for (const file of ['bytes.js', 'protocol.js', 'phrase.js', 'keyring.js']) {
  require(path.join(repo, 'Sources/NetreachRelay/Web', file));
}
const B = globalThis.NetreachBytes, P = globalThis.NetreachProtocol, Phrase = globalThis.NetreachPhrase;
const Keyring = globalThis.NetreachKeyring;

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
check('the worked example is in docs/PROTOCOL.md', Object.keys(example).length === 17, Object.keys(example).length + ' lines');

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
const message = P.makeEvent(P.KIND.message, visitor.conversation, P.seal('Hello, is anyone there?', conversationKey, seq(0x70, 24)),
  visitor.sign, { id: seq(0x60, 16), time: 1764000001000 });
check('message.posted event', B.hex(message) === example.messageEvent);

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

P.solvePow(B.fromHex(example.authChallenge), visitor.conversation, 8).then((pow) => {
  check('proof of work, 8 bits', B.hex(pow) === example.pow8Nonce, B.hex(pow));
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed === 0 ? 0 : 1);
});
