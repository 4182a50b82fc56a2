// Checks the keyring the relay serves (GET /v1/keyring) against the organisation key, as
// docs/KEYS.md defines the files: every enrolment and revocation must verify, or the whole keyring
// is refused. The page wraps the conversation key only to active staff found here, and names staff
// authors from their verified certificates.
(function (root) {
  'use strict';
  var nacl = root.nacl;
  var B = root.NetreachBytes;
  var P = root.NetreachProtocol;
  // The keys feed's conversation id: 15 zero bytes, then 3.
  var KEYS_FEED = new Uint8Array(16);
  KEYS_FEED[15] = 3;

  function KeyringError(message) {
    this.name = 'KeyringError';
    this.message = message;
  }
  KeyringError.prototype = Object.create(Error.prototype);

  // Lines end in LF (the last one too), no CR, the magic first, then exactly `fields` in order.
  function read(text, magic, fields) {
    if (typeof text !== 'string' || text.length > 4096 || text.indexOf('\r') >= 0 || text.slice(-1) !== '\n') {
      throw new KeyringError('a key file is not LF-terminated text of at most 4096 bytes');
    }
    var lines = text.slice(0, -1).split('\n');
    if (lines[0] !== magic || lines.length !== fields.length + 1) throw new KeyringError('not a ' + magic + ' file');
    var values = {};
    fields.forEach(function (field, i) {
      var line = lines[i + 1], prefix = field + ': ';
      if (line.indexOf(prefix) !== 0 || line.length === prefix.length || /^\s|\s$/.test(line.slice(prefix.length))) {
        throw new KeyringError(magic + ': line ' + (i + 2) + ' is not "' + field + ': …"');
      }
      values[field] = line.slice(prefix.length);
    });
    return values;
  }

  function key(text, length, what) {
    var bytes;
    try { bytes = B.fromB64u(text); } catch (e) { throw new KeyringError(what + ' is not base64url'); }
    if (bytes.length !== length) throw new KeyringError(what + ' is not ' + length + ' bytes');
    return bytes;
  }

  // The bytes a signature covers: the context, then the file up to and including the LF that ends `lastField`.
  function verify(text, context, lastField, signature, organisation, what) {
    var start = text.indexOf('\n' + lastField + ': ');
    var signed = B.utf8(text.slice(0, text.indexOf('\n', start + 1) + 1));
    if (!nacl.sign.detached.verify(B.concat(P.ctx(context), signed), key(signature, 64, what + ' signature'), organisation)) {
      throw new KeyringError(what + ' does not verify under the organisation key');
    }
  }

  // `document` is the JSON of GET /v1/keyring; `organisationKey` the b64u key the page trusts.
  function check(document, organisationKey) {
    if (!organisationKey) throw new KeyringError('no organisation key is configured');
    if (!document || typeof document.org !== 'string' || !Array.isArray(document.staff) || !Array.isArray(document.revoked)) {
      throw new KeyringError('the keyring is not {org, staff, revoked}');
    }
    var org = read(document.org, 'netreach-org-public-key-v1', ['name', 'sign']);
    if (org.sign !== organisationKey) throw new KeyringError('the keyring names another organisation key');
    var organisation = key(organisationKey, 32, 'the organisation key');
    var names = Object.create(null), signs = Object.create(null);
    var staff = document.staff.map(function (text) {
      // An enrolment may list the staff member's languages on one optional line after the serial;
      // the signature then covers that line too.
      var spoken = typeof text === 'string' && text.indexOf('\nlanguages: ') >= 0;
      var fields = ['name', 'role', 'sign', 'box', 'issued', 'serial'].concat(spoken ? ['languages'] : [], ['signature']);
      var f = read(text, 'netreach-enrolment-v1', fields);
      if (!/^[a-z0-9][a-z0-9._-]{0,31}$/.test(f.name)) throw new KeyringError('a staff name is not valid');
      verify(text, 'enrolment', spoken ? 'languages' : 'serial', f.signature, organisation, 'the enrolment of ' + f.name);
      if (names[f.name] || signs[f.sign]) throw new KeyringError('two enrolments share a name or a key');
      names[f.name] = signs[f.sign] = true;
      var sign = key(f.sign, 32, 'a staff signing key');
      return { name: f.name, role: f.role, sign: sign, box: key(f.box, 32, 'a staff box key'), serial: f.serial,
        keyId: P.keyId(sign), revoked: false };
    });
    document.revoked.forEach(function (text) {
      var f = read(text, 'netreach-revocation-v1', ['name', 'serial', 'sign', 'revoked', 'reason', 'signature']);
      verify(text, 'revocation', 'reason', f.signature, organisation, 'the revocation of ' + f.name);
      staff.forEach(function (member) {
        if (B.b64u(member.sign) === f.sign && member.serial === f.serial) member.revoked = true;
      });
    });
    var byAuthor = Object.create(null);
    staff.forEach(function (member) { byAuthor[B.hex(member.sign)] = member.name; });
    var active = staff.filter(function (member) { return !member.revoked; });
    // Period keys (docs/KEYS.md, "Period keys"): a key.period event signed by an active member, in
    // the keys feed, with a well-formed content. One that does not verify is left out (its member
    // then gets the enrolled key), never trusted; a document without `periods` has none.
    var periods = Array.isArray(document.periods) ? document.periods : [];
    periods.forEach(function (text) {
      try {
        var event = P.parseEvent(B.fromB64u(text));
        var content = event.content;
        if (event.kind !== 17 || !B.equal(event.conversation, KEYS_FEED) || content.length !== 49 || content[0] !== 1) return;
        var member = active.filter(function (m) { return B.equal(m.sign, event.author); })[0];
        if (!member) return;
        var start = B.readU32(content, 1) + B.readU32(content, 5) * 4294967296;
        var end = B.readU32(content, 9) + B.readU32(content, 13) * 4294967296;
        if (!(start < end)) return;
        var box = content.slice(17, 49);
        (member.periods = member.periods || []).push({
          start: start, end: end, box: box,
          keyId: P.H(B.concat(P.ctx('period-key-id'), member.sign, box)).slice(0, 16)
        });
      } catch (e) { /* left out: the member's enrolled key is used */ }
    });
    return {
      organisation: org.name,
      staff: staff,
      active: active,
      nameOf: function (author) { return byAuthor[B.hex(author)] || null; },
      // What to wrap a key to for `member` at `now` (ms): the latest-starting period key that covers
      // it, else the enrolled key.
      recipientFor: function (member, now) {
        var inForce = (member.periods || []).filter(function (p) { return p.start <= now && now < p.end; })
          .sort(function (a, b) { return b.start - a.start; })[0];
        return inForce ? { keyId: inForce.keyId, box: inForce.box } : { keyId: member.keyId, box: member.box };
      }
    };
  }

  root.NetreachKeyring = { check: check, KeyringError: KeyringError };
})(typeof self !== 'undefined' ? self : globalThis);
