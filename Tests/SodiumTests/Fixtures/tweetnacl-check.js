// Runs the PyNaCl vectors through tweetnacl (Debian's node-tweetnacl, the same file the web page
// serves) for the primitives tweetnacl has: box, box.before, secretbox, sign, SHA-512.
// This is the proof that the browser and the relay speak the same bytes.
//
// Usage: node tweetnacl-check.js [path/to/nacl-fast.min.js]
'use strict';
const fs = require('fs');
const path = require('path');

const naclPath = process.argv[2] || '/usr/share/nodejs/tweetnacl/nacl-fast.min.js';
const nacl = require(naclPath);
const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, 'vectors.json'), 'utf8'));

const fromHex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (u) => Buffer.from(u).toString('hex');
const flipped = (u, i) => { const c = Uint8Array.from(u); c[i % c.length] ^= 0x01; return c; };

let passed = 0;
let failed = 0;
function check(name, ok) {
  if (ok) { passed += 1; } else { failed += 1; console.error('FAIL ' + name); }
}

vectors.box.forEach((v, i) => {
  const a = nacl.box.keyPair.fromSecretKey(fromHex(v.a_secret));
  const b = nacl.box.keyPair.fromSecretKey(fromHex(v.b_secret));
  check(`box[${i}] public key A`, toHex(a.publicKey) === v.a_public);
  check(`box[${i}] public key B`, toHex(b.publicKey) === v.b_public);
  const ct = nacl.box(fromHex(v.message), fromHex(v.nonce), b.publicKey, a.secretKey);
  check(`box[${i}] ciphertext`, toHex(ct) === v.ciphertext);
  const opened = nacl.box.open(fromHex(v.ciphertext), fromHex(v.nonce), a.publicKey, b.secretKey);
  check(`box[${i}] open`, opened !== null && toHex(opened) === v.message);
  check(`box[${i}] tampered refused`,
    nacl.box.open(flipped(fromHex(v.ciphertext), i), fromHex(v.nonce), a.publicKey, b.secretKey) === null);
  const shared = nacl.box.before(b.publicKey, a.secretKey);
  check(`box[${i}] shared key`, toHex(shared) === v.shared_key);
  check(`box[${i}] after`, toHex(nacl.box.after(fromHex(v.message), fromHex(v.nonce), shared)) === v.ciphertext);
});

vectors.box_seed_keypair.forEach((v, i) => {
  // libsodium's crypto_box_seed_keypair: secret = first 32 bytes of SHA-512(seed).
  const sk = nacl.hash(fromHex(v.seed)).slice(0, 32);
  check(`box_seed_keypair[${i}] secret`, toHex(sk) === v.secret);
  check(`box_seed_keypair[${i}] public`, toHex(nacl.box.keyPair.fromSecretKey(sk).publicKey) === v.public);
});

vectors.secretbox.forEach((v, i) => {
  const ct = nacl.secretbox(fromHex(v.message), fromHex(v.nonce), fromHex(v.key));
  check(`secretbox[${i}] ciphertext`, toHex(ct) === v.ciphertext);
  const opened = nacl.secretbox.open(fromHex(v.ciphertext), fromHex(v.nonce), fromHex(v.key));
  check(`secretbox[${i}] open`, opened !== null && toHex(opened) === v.message);
  check(`secretbox[${i}] tampered refused`,
    nacl.secretbox.open(flipped(fromHex(v.ciphertext), i), fromHex(v.nonce), fromHex(v.key)) === null);
});

vectors.sign.forEach((v, i) => {
  const kp = nacl.sign.keyPair.fromSeed(fromHex(v.seed));
  check(`sign[${i}] public key`, toHex(kp.publicKey) === v.public);
  const sig = nacl.sign.detached(fromHex(v.message), kp.secretKey);
  check(`sign[${i}] signature`, toHex(sig) === v.signature);
  check(`sign[${i}] verify`, nacl.sign.detached.verify(fromHex(v.message), fromHex(v.signature), kp.publicKey));
  check(`sign[${i}] bad signature refused`,
    !nacl.sign.detached.verify(fromHex(v.message), flipped(fromHex(v.signature), i), kp.publicKey));
});

vectors.sha512.forEach((v, i) => {
  check(`sha512[${i}]`, toHex(nacl.hash(fromHex(v.message))) === v.hash);
});

console.log(`tweetnacl interop: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
