// The visitor side of docs/PROTOCOL.md: context strings, keys from the phrase's entropy, events,
// wraps, padded sealed text, the auth signature and the proof of work. Needs tweetnacl (`nacl`)
// and bytes.js. Loaded by the page and, for the known-answer check, by node.
(function (root) {
  'use strict';
  var nacl = root.nacl;
  var B = root.NetreachBytes;

  var KIND = { opened: 1, keyWrapped: 2, message: 3, claimed: 4, transferred: 5, closed: 6, note: 7, feedback: 12, erasureRequested: 13,
    rotated: 18 };
  var KIND_NAMES = {
    'conversation.opened': 1, 'key.wrapped': 2, 'message.posted': 3, 'conversation.claimed': 4,
    'conversation.transferred': 5, 'conversation.closed': 6, 'note.added': 7, 'feedback.given': 12, 'erasure.requested': 13,
    'key.rotated': 18
  };
  // The content of the visitor's erasure request ("Delete this chat", docs/PRIVACY.md): in the clear, no personal data.
  var ERASURE_REQUEST = '{"format":"netreach-erasure-request-v1","reason":"visitor-request"}';
  var HEADER = 84;
  var MAX_CONTENT = 65536;
  var BUCKETS = [256, 1024, 4096, 16384];
  var MAX_TEXT = 16380;
  var WRAP = 88;
  var MAGIC = B.utf8('NRE1');

  function ProtocolError(code, message) {
    this.name = 'ProtocolError';
    this.code = code;
    this.message = message;
  }
  ProtocolError.prototype = Object.create(Error.prototype);

  // ctx("name"): `netreach/v1/name` and one zero byte.
  function ctx(name) { return B.concat(B.utf8('netreach/v1/' + name), new Uint8Array([0])); }

  function H(bytes) { return nacl.hash(bytes); }

  function keyId(signPublic) { return H(B.concat(ctx('key-id'), signPublic)).slice(0, 16); }

  // The visitor's keys and conversation id from the phrase's 16 bytes of entropy.
  function identity(entropy) {
    var input = B.concat(ctx('visitor-keys'), entropy);
    var k = H(input), seed = k.slice(0, 32), secret = k.slice(32, 64);
    // Both key pairs copy what they are given, so every temporary can be zeroed.
    var sign = nacl.sign.keyPair.fromSeed(seed);
    var box = nacl.box.keyPair.fromSecretKey(secret);
    [input, k, seed, secret].forEach(B.wipe);
    return {
      sign: sign,
      box: box,
      keyId: keyId(sign.publicKey),
      conversation: H(B.concat(ctx('conversation-id'), sign.publicKey)).slice(0, 16)
    };
  }

  function wipeIdentity(id) {
    if (!id) return;
    B.wipe(id.sign.secretKey);
    B.wipe(id.box.secretKey);
  }

  function pad(text) {
    if (text.length > MAX_TEXT) throw new ProtocolError('tooLong', 'a message is at most ' + MAX_TEXT + ' bytes');
    var bucket = BUCKETS.filter(function (size) { return size >= 4 + text.length; })[0];
    var out = new Uint8Array(bucket);
    out.set(B.u32(text.length), 0);
    out.set(text, 4);
    return out;
  }

  function unpad(padded) {
    if (BUCKETS.indexOf(padded.length) < 0) throw new ProtocolError('malformed', 'padded text is not a bucket size');
    var length = B.readU32(padded, 0);
    if (4 + length > padded.length) throw new ProtocolError('malformed', 'padded text is shorter than its length');
    for (var i = 4 + length; i < padded.length; i++) {
      if (padded[i] !== 0) throw new ProtocolError('malformed', 'padding must be zero bytes');
    }
    return padded.slice(4, 4 + length);
  }

  // `nonce ‖ secretbox(Padded(text), nonce, key)`.
  // The text of a feedback.given (docs/WEB.md, "Feedback"): the three answers, each one of its
  // question's values or '' when skipped, in the order the Swift writer uses.
  function feedbackText(answers) {
    return JSON.stringify({ format: 'netreach-feedback-v1', helpful: answers.helpful || '', safer: answers.safer || '',
      helpedMost: answers.helpedMost || '' });
  }

  function seal(text, key, nonce) {
    nonce = nonce || nacl.randomBytes(24);
    var padded = pad(B.utf8(text));
    var sealed = nacl.secretbox(padded, nonce, key);
    B.wipe(padded);
    return B.concat(nonce, sealed);
  }

  function openSealed(content, key) {
    if (content.length < 24 + 16 + BUCKETS[0]) throw new ProtocolError('malformed', 'sealed text is too short');
    var padded = nacl.secretbox.open(content.slice(24), content.slice(0, 24), key);
    if (!padded) throw new ProtocolError('badSignature', 'the text does not open with this key');
    var text = unpad(padded);
    B.wipe(padded);
    return B.fromUtf8(text);
  }

  function body(kind, id, conversation, time, author, content) {
    return B.concat(MAGIC, new Uint8Array([kind, 0, 0, 0]), id, conversation, B.u64(time), author,
      B.u32(content.length), content);
  }

  // A signed event's bytes. `options.id` and `options.time` are for the known-answer check only.
  function makeEvent(kind, conversation, content, signKeyPair, options) {
    options = options || {};
    if (content.length > MAX_CONTENT) throw new ProtocolError('malformed', 'event content is too long');
    var id = options.id || nacl.randomBytes(16);
    var time = options.time === undefined ? Date.now() : options.time;
    var b = body(kind, id, conversation, time, signKeyPair.publicKey, content);
    var signature = nacl.sign.detached(B.concat(ctx('event'), b), signKeyPair.secretKey);
    return B.concat(b, signature);
  }

  // Parses an event and checks its signature; nothing unsigned or malformed gets through.
  function parseEvent(bytes) {
    if (bytes.length < HEADER + 64) throw new ProtocolError('malformed', 'an event is too short');
    if (!B.equal(bytes.slice(0, 4), MAGIC)) throw new ProtocolError('malformed', 'the event does not start with NRE1');
    if (bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) throw new ProtocolError('malformed', 'flags must be zero');
    var length = B.readU32(bytes, 80);
    if (length > MAX_CONTENT || bytes.length !== HEADER + length + 64) {
      throw new ProtocolError('malformed', 'the event length does not match its content length');
    }
    var b = bytes.slice(0, HEADER + length);
    var author = bytes.slice(48, 80);
    if (!nacl.sign.detached.verify(B.concat(ctx('event'), b), bytes.slice(HEADER + length), author)) {
      throw new ProtocolError('badSignature', 'the event signature does not verify');
    }
    return {
      kind: bytes[4],
      id: bytes.slice(8, 24),
      conversation: bytes.slice(24, 40),
      time: B.readU32(bytes, 40) + B.readU32(bytes, 44) * 4294967296,
      author: author,
      content: bytes.slice(HEADER, HEADER + length)
    };
  }

  // Wrap: recipient key id (16) ‖ nonce (24) ‖ box(key, nonce, recipient, sender) (48).
  function wrap(key, recipientId, recipientBoxPublic, senderBoxSecret, nonce) {
    nonce = nonce || nacl.randomBytes(24);
    return B.concat(recipientId, nonce, nacl.box(key, nonce, recipientBoxPublic, senderBoxSecret));
  }

  // A language tag as the protocol takes it: 2 to 8 of A-Z, a-z, 0-9 and '-' ("ro", "pt-BR").
  var LANGUAGE_TAG = /^[A-Za-z0-9-]{2,8}$/;

  // conversation.opened content: visitor X25519 key ‖ n (2) ‖ n × Wrap ‖ the page's language sealed
  // with the conversation key, as a message is (the relay never sees it in clear). `recipients` are
  // {keyId, box} with the visitor itself among them; `nonces` and `languageNonce` only for the
  // known-answer check. Without `language` the content ends after the wraps.
  function openedContent(visitor, key, recipients, nonces, language, languageNonce) {
    var parts = [visitor.box.publicKey, B.u16(recipients.length)];
    recipients.forEach(function (recipient, i) {
      parts.push(wrap(key, recipient.keyId, recipient.box, visitor.box.secretKey, nonces && nonces[i]));
    });
    if (language !== undefined && language !== null) {
      if (!LANGUAGE_TAG.test(language)) throw new ProtocolError('malformed', 'a language is a tag of 2 to 8 letters, digits and -');
      parts.push(seal(language, key, languageNonce));
    }
    return B.concat.apply(null, parts);
  }

  function parseOpened(content) {
    if (content.length < 34) throw new ProtocolError('malformed', 'conversation.opened is too short');
    var count = B.readU16(content, 32);
    var end = 34 + count * WRAP;
    if (content.length < end) throw new ProtocolError('malformed', 'conversation.opened has a bad length');
    // After the wraps: nothing, or the sealed language whole (nonce, tag, one padding bucket).
    var rest = content.length - end;
    if (rest !== 0 && BUCKETS.indexOf(rest - 24 - 16) < 0) {
      throw new ProtocolError('malformed', 'conversation.opened has a bad length');
    }
    var wraps = [];
    for (var i = 0; i < count; i++) {
      var at = 34 + i * WRAP;
      wraps.push({ recipient: content.slice(at, at + 16), nonce: content.slice(at + 16, at + 40), boxed: content.slice(at + 40, at + WRAP) });
    }
    return { visitorBox: content.slice(0, 32), wraps: wraps, sealedLanguage: rest ? content.slice(end) : null };
  }

  // The language sealed in an opened event's content, or null when it carries none.
  function openedLanguage(content, key) {
    var opened = parseOpened(content);
    if (!opened.sealedLanguage) return null;
    var tag = openSealed(opened.sealedLanguage, key);
    if (!LANGUAGE_TAG.test(tag)) throw new ProtocolError('malformed', 'the sealed language is not a language tag');
    return tag;
  }

  // The conversation key from the opened event's wrap to the visitor itself, or null.
  function ownConversationKey(content, visitor) {
    var opened = parseOpened(content);
    for (var i = 0; i < opened.wraps.length; i++) {
      var w = opened.wraps[i];
      if (B.equal(w.recipient, visitor.keyId)) {
        var key = nacl.box.open(w.boxed, w.nonce, opened.visitorBox, visitor.box.secretKey);
        if (key && key.length === 32) return key;
      }
    }
    return null;
  }

  // A new conversation key from a key.rotated (purpose 1: someone left and a supervisor re-keyed the
  // chat, docs/KEYS.md "Offboarding"): the wrap to the visitor, opened with the visitor's X25519
  // secret and the author's X25519 key, and kept only if it is the key the event's key id names
  // (SHA-512(ctx("rotated-key-id") ‖ key)[..16]). Null for a new staff key, or a wrap that does not open.
  function rotatedKey(content, visitor, authorBox) {
    if (content.length < 19 || content[0] !== 1) return null;
    var id = content.slice(1, 17);
    var count = B.readU16(content, 17);
    if (content.length !== 19 + count * WRAP) throw new ProtocolError('malformed', 'key.rotated has a bad length');
    for (var i = 0; i < count; i++) {
      var at = 19 + i * WRAP;
      if (!B.equal(content.slice(at, at + 16), visitor.keyId)) continue;
      var key = nacl.box.open(content.slice(at + 40, at + WRAP), content.slice(at + 16, at + 40), authorBox, visitor.box.secretKey);
      if (key && key.length === 32 && B.equal(rotatedKeyId(key), id)) return key;
      if (key) B.wipe(key);
    }
    return null;
  }

  function rotatedKeyId(key) { return H(B.concat(ctx('rotated-key-id'), key)).slice(0, 16); }

  // Signature over ctx("auth") ‖ challenge ‖ relay public key ‖ role byte (1 visitor).
  function authSignature(challenge, relayKey, signSecret) {
    return nacl.sign.detached(B.concat(ctx('auth'), challenge, relayKey, new Uint8Array([1])), signSecret);
  }

  function leadingZeroBits(digest) {
    var count = 0;
    for (var i = 0; i < digest.length; i++) {
      if (digest[i] === 0) { count += 8; continue; }
      var byte = digest[i];
      while ((byte & 128) === 0) { count++; byte <<= 1; }
      return count;
    }
    return count;
  }

  // Searches for an 8-byte counter (little-endian) whose H(ctx("pow") ‖ challenge ‖ conversation ‖ counter)
  // starts with `bits` zero bits, in slices so the page stays responsive. `progress(tries)` is
  // called between slices; `cancelled()` stops the search. Resolves to the counter's bytes.
  function solvePow(challenge, conversation, bits, progress, cancelled) {
    var input = B.concat(ctx('pow'), challenge, conversation, new Uint8Array(8));
    var at = input.length - 8;
    var low = 0, high = 0;
    return new Promise(function (resolve, reject) {
      function slice() {
        if (cancelled && cancelled()) { reject(new ProtocolError('cancelled', 'stopped')); return; }
        for (var n = 0; n < 2048; n++) {
          input[at] = low & 255; input[at + 1] = (low >>> 8) & 255; input[at + 2] = (low >>> 16) & 255; input[at + 3] = low >>> 24;
          input[at + 4] = high & 255; input[at + 5] = (high >>> 8) & 255; input[at + 6] = (high >>> 16) & 255; input[at + 7] = high >>> 24;
          if (leadingZeroBits(H(input)) >= bits) { resolve(input.slice(at)); return; }
          low = (low + 1) >>> 0;
          if (low === 0) high = (high + 1) >>> 0;
        }
        if (progress) progress(high * 4294967296 + low);
        setTimeout(slice, 0);
      }
      slice();
    });
  }

  root.NetreachProtocol = {
    KIND: KIND, KIND_NAMES: KIND_NAMES, ERASURE_REQUEST: ERASURE_REQUEST, feedbackText: feedbackText, MAX_TEXT: MAX_TEXT, ProtocolError: ProtocolError,
    ctx: ctx, H: H, keyId: keyId, identity: identity, wipeIdentity: wipeIdentity, pad: pad, unpad: unpad,
    seal: seal, openSealed: openSealed, makeEvent: makeEvent, parseEvent: parseEvent, wrap: wrap,
    openedContent: openedContent, parseOpened: parseOpened, openedLanguage: openedLanguage, ownConversationKey: ownConversationKey,
    rotatedKey: rotatedKey, rotatedKeyId: rotatedKeyId,
    authSignature: authSignature, leadingZeroBits: leadingZeroBits, solvePow: solvePow
  };
})(typeof self !== 'undefined' ? self : globalThis);
