// Ugly Mugs on the visitor page (docs/INCIDENTS.md): identifiers in their normal forms and their
// salted hashes for the checker; the report and consent texts, written byte for byte as
// IncidentReport.text and ConsentChange.text write them; the strict reading of those texts and of
// alerts; and the checks that decide whether an alert from GET /v1/alerts is shown (VerifiedAlert).
// Every rule mirrors Sources/NetreachCore/Incidents. A refusal is a Problem naming the field and a
// text of strings.js's `problems`, so that all the rules live here and all the words there.
// Needs tweetnacl, bytes.js and protocol.js; loaded by the page and, for the known answers, by node.
(function (root) {
  'use strict';
  var B = root.NetreachBytes;
  var P = root.NetreachProtocol;

  var KIND = { reported: 8, consent: 9, alert: 11 };
  var IDENTIFIER_KINDS = ['phone', 'email', 'handle', 'plate'];
  var HARMS = ['physical-assault', 'sexual-assault', 'rape', 'robbery', 'threats', 'stealthing', 'non-payment', 'harassment',
    'stalking', 'blackmail-outing-threat', 'other'];
  var TIMES = ['night', 'morning', 'afternoon', 'evening', 'unknown'];
  var SETTINGS = ['outdoor', 'indoor', 'online-arranged', 'escort'];
  var LIMITS = { identifiers: 20, area: 100, description: 2000, account: 8000, policeContact: 300, summary: 1000 };
  var FORMATS = { report: 'netreach-incident-v1', consent: 'netreach-consent-v1', alert: 'netreach-alert-v1' };
  var REPORT_FIELDS = ['date', 'time', 'area', 'setting', 'harms', 'phones', 'emails', 'handles', 'plates', 'description',
    'account', 'support', 'consent', 'policeContact'];
  var LIST_OF_KIND = { phone: 'phones', email: 'emails', handle: 'handles', plate: 'plates' };
  var FEED = new Uint8Array(16);

  // Why something was refused: `field` is the report field (or identifier kind) at fault, `key` the
  // text in strings.js `problems`, `params` the values it names.
  function Problem(field, key, params) {
    this.name = 'Problem';
    this.field = field;
    this.key = key;
    this.params = params || {};
    this.message = field + ': ' + key;
  }
  Problem.prototype = Object.create(Error.prototype);

  // ---- Characters, as Swift counts and compares them ----

  // Swift works on Characters (extended grapheme clusters): a Character is white space when its
  // first scalar has Unicode's White_Space property, and lengths count Characters.
  var segmenter = root.Intl && root.Intl.Segmenter ? new root.Intl.Segmenter('en', { granularity: 'grapheme' }) : null;
  var WHITE_FIRST = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
  var CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
  // Any digit, as Swift's Character.isNumber (a browser without Unicode property escapes counts 0-9).
  var NUMBER = (function () { try { return new RegExp('\\p{N}', 'gu'); } catch (e) { return /[0-9]/g; } })();
  var LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(^|[^\ud800-\udbff])[\udc00-\udfff]/;

  function characters(text) {
    if (!segmenter) return Array.from(text);
    var out = [];
    for (var segment of segmenter.segment(text)) out.push(segment.segment);
    return out;
  }

  function trimSpaces(text) {
    var chars = characters(text), start = 0, end = chars.length;
    while (start < end && WHITE_FIRST.test(chars[start])) start++;
    while (end > start && WHITE_FIRST.test(chars[end - 1])) end--;
    return chars.slice(start, end).join('');
  }

  // Scalar by scalar, as Swift's lowercased() and uppercased() map them (no context rules).
  function lower(text) { return Array.from(text, function (c) { return c.toLowerCase(); }).join(''); }
  function upper(text) { return Array.from(text, function (c) { return c.toUpperCase(); }).join(''); }

  function byteCount(text) { return B.utf8(text).length; }

  function shortened(typed) { return Array.from(typed).slice(0, 40).join(''); }

  // ---- Identifiers (docs/INCIDENTS.md, "Identifiers and the checker") ----

  function phone(typed) {
    var text = trimSpaces(typed).split('(0)').join('').replace(/[ \-().\t\/]/g, '');
    var digits;
    if (text.charAt(0) === '+') digits = text.slice(1);
    else if (text.slice(0, 2) === '00') digits = text.slice(2);
    else if (text.charAt(0) === '0' && text.length === 11) digits = '44' + text.slice(1);
    else if (text.slice(0, 2) === '44' && text.length === 12) digits = text;
    else throw new Problem('phone', 'phoneCountry', { typed: shortened(typed) });
    if (!/^[1-9][0-9]{7,14}$/.test(digits)) throw new Problem('phone', 'phone', { typed: shortened(typed) });
    return '+' + digits;
  }

  function email(typed) {
    var text = lower(trimSpaces(typed));
    var chars = characters(text), at = [];
    chars.forEach(function (c, i) { if (c === '@') at.push(i); });
    var domain = at.length === 1 ? chars.slice(at[0] + 1) : [];
    if (byteCount(text) > 254 || at.length !== 1 || at[0] === 0 || domain.indexOf('.') < 0 || domain[0] === '.'
      || domain[domain.length - 1] === '.' || chars.some(function (c) { return WHITE_FIRST.test(c); })) {
      throw new Problem('email', 'email', { typed: shortened(typed) });
    }
    return text;
  }

  function plate(typed) {
    var text = upper(trimSpaces(typed)).replace(/[ -]/g, '');
    if (!/^[A-Z0-9]{2,8}$/.test(text)) throw new Problem('plate', 'plate', { typed: shortened(typed) });
    return text;
  }

  function handle(typed) {
    var chars = characters(lower(trimSpaces(typed)));
    if (chars[0] === '@') chars.shift();
    if (chars.length < 1 || chars.length > 100 || chars.some(function (c) { return c === ':' || WHITE_FIRST.test(c); })) {
      throw new Problem('handle', 'handle', { typed: shortened(typed) });
    }
    return chars.join('');
  }

  function platformName(typed) {
    var text = lower(trimSpaces(typed));
    if (!/^[a-z0-9._-]{1,40}$/.test(text)) throw new Problem('handle', 'platform', { typed: shortened(typed) });
    return text;
  }

  // The normal form of what was typed, as PerpetratorIdentifier(kind:_:platform:) makes it.
  function identifier(kind, typed, platform) {
    platform = platform || '';
    if (IDENTIFIER_KINDS.indexOf(kind) < 0) throw new Problem('kind', 'kind', { typed: shortened(String(kind)) });
    var value = kind === 'phone' ? phone(typed) : kind === 'email' ? email(typed) : kind === 'plate' ? plate(typed) : handle(typed);
    if (kind === 'handle') return { kind: kind, value: value, platform: platformName(platform) };
    if (platform) throw new Problem(kind, 'platformNotHandle', {});
    return { kind: kind, value: value, platform: '' };
  }

  // `platform:name` for a handle (its first colon divides them), the value itself otherwise.
  function parseIdentifier(kind, text) {
    if (kind !== 'handle') return identifier(kind, text, '');
    var colon = text.indexOf(':');
    if (colon < 0) throw new Problem('handle', 'handleForm', { typed: shortened(text) });
    return identifier('handle', text.slice(colon + 1), text.slice(0, colon));
  }

  function describe(id) { return id.kind === 'handle' ? id.platform + ':' + id.value : id.value; }

  // What `netreach check` takes a value without a kind to be: @ an email, a colon platform:name,
  // 8 or more digits a phone number, anything else a plate.
  function guessKind(typed) {
    if (typed.indexOf('@') >= 0) return 'email';
    if (typed.indexOf(':') >= 0) return 'handle';
    if ((typed.match(NUMBER) || []).length >= 8) return 'phone';
    return 'plate';
  }

  // Whether what was typed is a phone number, whole or not: a +, or no letter at all, or at most one
  // letter among 5 or more digits (no UK plate has more than 4 digits).
  function looksLikeNumber(typed) {
    var text = trimSpaces(typed).replace(/[ \-().\t\/]/g, '');
    var digits = (text.match(NUMBER) || []).length, others = characters(text).length - digits;
    return text.charAt(0) === '+' || (digits > 0 && others === 0) || (digits >= 5 && others <= 1);
  }

  // What the checker reads: `kind` is 'auto' or an identifier kind; a username may carry its platform as platform:name.
  // A mistyped phone number must never be answered "no alert names this number plate": digits that
  // are not a whole phone number are refused, asking for the full number.
  function checkedIdentifier(kind, typed, platform) {
    if (!trimSpaces(typed)) throw new Problem('check', 'checkEmpty', {});
    if (kind === 'auto') kind = guessKind(typed);
    if (kind === 'plate' && looksLikeNumber(typed)) {
      try {
        return identifier('phone', typed, '');
      } catch (e) {
        if (!(e instanceof Problem)) throw e;
        throw new Problem('check', 'checkWholeNumber', { typed: shortened(typed) });
      }
    }
    if (kind === 'handle' && !trimSpaces(platform || '') && typed.indexOf(':') >= 0) return parseIdentifier('handle', typed);
    return identifier(kind, typed, kind === 'handle' ? platform : '');
  }

  // The feed's salt: SHA-512(ctx("alert-feed-salt") ‖ the organisation's Ed25519 key)[0..<32].
  function feedSalt(organisationKey) { return P.H(B.concat(P.ctx('alert-feed-salt'), organisationKey)).slice(0, 32); }

  // SHA-512(ctx("identifier") ‖ salt ‖ kind ‖ 0 ‖ platform ‖ 0 ‖ value)[0..<32], in b64u.
  function identifierHash(salt, id) {
    var zero = new Uint8Array([0]);
    var input = B.concat(P.ctx('identifier'), salt, B.utf8(id.kind), zero, B.utf8(id.platform), zero, B.utf8(id.value));
    return B.b64u(P.H(input).slice(0, 32));
  }

  // ---- Flat JSON, read strictly as WireJSON and FlatDocument read it ----

  function malformed(what) { return new Problem('format', 'unreadable', { what: what }); }

  // The top-level fields of one JSON object whose values are strings, numbers, booleans or null.
  // A repeated field, anything after the object, or a nested value is refused (no field of these
  // documents nests, so Swift refuses such a document too, if later).
  function parseFlat(text) {
    var at = 0, fields = Object.create(null);
    function fail() { throw malformed('json'); }
    function space() { while (at < text.length && ' \n\r\t'.indexOf(text[at]) >= 0) at++; }
    function expect(c) { if (text[at] !== c) fail(); at++; }
    function hex4() {
      var digits = text.slice(at, at + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(digits)) fail();
      at += 4;
      return parseInt(digits, 16);
    }
    function string() {
      expect('"');
      var out = '';
      for (;;) {
        if (at >= text.length) fail();
        var c = text[at++];
        if (c === '"') return out;
        if (c.charCodeAt(0) < 0x20) fail();
        if (c !== '\\') { out += c; continue; }
        var e = text[at++];
        if (e === '"' || e === '\\' || e === '/') out += e;
        else if (e === 'b') out += '\b';
        else if (e === 'f') out += '\f';
        else if (e === 'n') out += '\n';
        else if (e === 'r') out += '\r';
        else if (e === 't') out += '\t';
        else if (e === 'u') {
          var unit = hex4();
          if (unit >= 0xdc00 && unit <= 0xdfff) fail();
          if (unit >= 0xd800 && unit <= 0xdbff) {
            if (text.slice(at, at + 2) !== '\\u') fail();
            at += 2;
            var low = hex4();
            if (low < 0xdc00 || low > 0xdfff) fail();
            out += String.fromCharCode(unit, low);
          } else {
            out += String.fromCharCode(unit);
          }
        } else fail();
      }
    }
    function value() {
      var c = text[at];
      if (c === '"') return { type: 'string', value: string() };
      var number = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
      number.lastIndex = at;
      var m = (c === '-' || (c >= '0' && c <= '9')) ? number.exec(text) : null;
      if (m) {
        at = number.lastIndex;
        var whole = !m[2] && !m[3], negative = m[0][0] === '-';
        var n = Number(m[1]);
        return whole && (!negative || n === 0) && n <= Number.MAX_SAFE_INTEGER ? { type: 'unsigned', value: n } : { type: 'number' };
      }
      var literals = { 'true': true, 'false': false, 'null': null };
      for (var word in literals) {
        if (text.slice(at, at + word.length) === word) {
          at += word.length;
          return word === 'null' ? { type: 'null' } : { type: 'bool', value: literals[word] };
        }
      }
      fail();
    }
    space();
    expect('{');
    space();
    if (text[at] === '}') {
      at++;
    } else {
      for (;;) {
        space();
        if (text[at] !== '"') fail();
        var name = string();
        space();
        expect(':');
        space();
        var v = value();
        if (name in fields) fail();
        fields[name] = v;
        space();
        if (text[at] === ',') { at++; continue; }
        expect('}');
        break;
      }
    }
    space();
    if (at !== text.length) fail();
    return fields;
  }

  // A document with `format` and exactly the named fields; its typed readers.
  function FlatDocument(text, format, names, what) {
    var fields = parseFlat(text);
    if (!fields.format || fields.format.type !== 'string' || fields.format.value !== format) throw malformed(what);
    var given = Object.keys(fields).filter(function (name) { return name !== 'format'; });
    if (given.length !== names.length || names.some(function (name) { return !(name in fields); })) throw malformed(what);
    this.string = function (name) {
      if (fields[name].type !== 'string') throw malformed(what);
      return fields[name].value;
    };
    this.integer = function (name) {
      if (fields[name].type !== 'unsigned' || fields[name].value > 1000000) throw malformed(what);
      return fields[name].value;
    };
    this.bool = function (name) {
      if (fields[name].type !== 'bool') throw malformed(what);
      return fields[name].value;
    };
    this.list = function (name) {
      var text = this.string(name);
      if (text === '') return [];
      var items = text.split(' ');
      if (items.some(function (item) { return item === ''; })) throw malformed(what);
      return items;
    };
  }

  // ---- Text rules shared by the documents ----

  // A real calendar day YYYY-MM-DD, years 2000–2099.
  function isDate(text) {
    var m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text);
    if (!m) return false;
    var year = +m[1], month = +m[2], day = +m[3];
    var days = [31, (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    return year >= 2000 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 && day <= days[month - 1];
  }

  // At most `limit` UTF-8 bytes, and no control character but line breaks and tabs (TextLimit.check).
  function textProblem(field, text, limit) {
    if (LONE_SURROGATE.test(text)) return new Problem(field, 'badCharacter', { field: field });
    var count = byteCount(text);
    if (count > limit) return new Problem(field, 'tooLong', { field: field, limit: limit, count: count, over: count - limit });
    if (CONTROL.test(text)) return new Problem(field, 'badCharacter', { field: field });
    return null;
  }

  function unique(list) { return list.every(function (item, i) { return list.indexOf(item) === i; }); }

  // ---- The report: netreach-incident-v1 ----

  // Checks a report as IncidentReport.init does, but names every problem, not only the first.
  // `draft`: {date, time, area, setting, harms: [names], identifiers: [{kind, typed, platform}] or
  // [{kind, value, platform}] already normal, description, account, support, consent, policeContact}.
  // Returns {report, problems}; `report` is null unless there are no problems.
  function checkReport(draft) {
    var problems = [];
    function problem(p) { if (p) problems.push(p); }
    if (!draft.date) problem(new Problem('date', 'dateMissing'));
    else if (!isDate(draft.date)) problem(new Problem('date', 'dateInvalid'));
    if (TIMES.indexOf(draft.time) < 0) problem(new Problem('time', 'timeMissing'));
    var area = trimSpaces(draft.area || '');
    if (!area) problem(new Problem('area', 'areaMissing'));
    else problem(textProblem('area', area, LIMITS.area) || (area.indexOf('\n') >= 0 ? new Problem('area', 'areaOneLine') : null));
    if (SETTINGS.indexOf(draft.setting) < 0) problem(new Problem('setting', 'settingMissing'));
    var harms = draft.harms || [];
    if (harms.length === 0) problem(new Problem('harms', 'harmsMissing'));
    else if (harms.some(function (h) { return HARMS.indexOf(h) < 0; })) problem(new Problem('harms', 'harmsUnknown'));
    else if (!unique(harms)) problem(new Problem('harms', 'harmsTwice'));
    var identifiers = [];
    (draft.identifiers || []).forEach(function (typed, index) {
      try {
        identifiers.push(typed.value !== undefined ? identifier(typed.kind, typed.value, typed.platform)
          : identifier(typed.kind, typed.typed, typed.platform));
      } catch (e) {
        if (!(e instanceof Problem)) throw e;
        e.params.index = index;
        e.field = 'identifier';
        problems.push(e);
      }
    });
    if ((draft.identifiers || []).length > LIMITS.identifiers) {
      problem(new Problem('identifiers', 'tooManyIdentifiers', { limit: LIMITS.identifiers }));
    }
    var description = draft.description || '', account = draft.account || '', policeContact = draft.policeContact || '';
    problem(textProblem('description', description, LIMITS.description));
    problem(textProblem('account', account, LIMITS.account));
    var consent = draft.consent;
    if ([1, 2, 3, 4].indexOf(consent) < 0) problem(new Problem('consent', 'consentMissing'));
    problem(textProblem('policeContact', policeContact, LIMITS.policeContact));
    if (policeContact && consent !== 4) problem(new Problem('policeContact', 'policeContactLevel'));
    if (problems.length) return { report: null, problems: problems };
    // The same identifier typed twice is kept once, and they are grouped by kind, as Swift holds them.
    var seen = Object.create(null), kept = [];
    identifiers.forEach(function (id) {
      var key = id.kind + '\u0000' + id.platform + '\u0000' + id.value;
      if (!seen[key]) { seen[key] = true; kept.push(id); }
    });
    var grouped = [];
    IDENTIFIER_KINDS.forEach(function (kind) { kept.forEach(function (id) { if (id.kind === kind) grouped.push(id); }); });
    return {
      report: { date: draft.date, time: draft.time, area: area, setting: draft.setting, harms: harms.slice(), identifiers: grouped,
        description: description, account: account, support: !!draft.support, consent: consent, policeContact: policeContact },
      problems: []
    };
  }

  // A JSON string as WireJSONWriter writes it: ", \ and the named escapes; other control characters as \u00XX.
  function jsonString(text) {
    var out = '"';
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += '\\\\';
      else if (c === 0x0a) out += '\\n';
      else if (c === 0x0d) out += '\\r';
      else if (c === 0x09) out += '\\t';
      else if (c < 0x20) out += '\\u00' + (c < 16 ? '0' : '') + c.toString(16);
      else out += text[i];
    }
    return out + '"';
  }

  function flat(fields) {
    return '{' + fields.map(function (pair) {
      var v = pair[1];
      return '"' + pair[0] + '":' + (typeof v === 'string' ? jsonString(v) : String(v));
    }).join(',') + '}';
  }

  function values(report, kind) {
    return report.identifiers.filter(function (id) { return id.kind === kind; }).map(describe).join(' ');
  }

  // The text sealed into incident.reported, exactly as IncidentReport.text writes it.
  function reportText(report) {
    return flat([['format', FORMATS.report], ['date', report.date], ['time', report.time], ['area', report.area],
      ['setting', report.setting], ['harms', report.harms.join(' ')], ['phones', values(report, 'phone')],
      ['emails', values(report, 'email')], ['handles', values(report, 'handle')], ['plates', values(report, 'plate')],
      ['description', report.description], ['account', report.account], ['support', report.support],
      ['consent', report.consent], ['policeContact', report.policeContact]]);
  }

  // Reads a report strictly (IncidentReport(text:)); throws a Problem.
  function readReport(text) {
    var d = new FlatDocument(text, FORMATS.report, REPORT_FIELDS, 'report');
    var identifiers = [];
    IDENTIFIER_KINDS.forEach(function (kind) {
      d.list(LIST_OF_KIND[kind]).forEach(function (item) { identifiers.push(parseIdentifier(kind, item)); });
    });
    var checked = checkReport({ date: d.string('date'), time: d.string('time'), area: d.string('area'), setting: d.string('setting'),
      harms: d.list('harms'), identifiers: identifiers, description: d.string('description'), account: d.string('account'),
      support: d.bool('support'), consent: d.integer('consent'), policeContact: d.string('policeContact') });
    if (!checked.report) throw checked.problems[0];
    return checked.report;
  }

  // ---- A consent change: netreach-consent-v1 ----

  // `incident` is the 16-byte id of the incident.reported event; a visitor's own change has no day.
  function consentText(incident, level, visitorSaidOn) {
    if (!incident || incident.length !== 16) throw new Problem('incident', 'unreadable', { what: 'consent' });
    if ([1, 2, 3, 4].indexOf(level) < 0) throw new Problem('consent', 'consentMissing');
    visitorSaidOn = visitorSaidOn || '';
    if (visitorSaidOn && !isDate(visitorSaidOn)) throw new Problem('visitorSaidOn', 'dateInvalid');
    return flat([['format', FORMATS.consent], ['incident', B.b64u(incident)], ['level', level], ['visitorSaidOn', visitorSaidOn]]);
  }

  function readConsent(text) {
    var d = new FlatDocument(text, FORMATS.consent, ['incident', 'level', 'visitorSaidOn'], 'consent');
    var incident;
    try { incident = B.fromB64u(d.string('incident')); } catch (e) { throw malformed('consent'); }
    if (incident.length !== 16) throw malformed('consent');
    var level = d.integer('level'), said = d.string('visitorSaidOn');
    if ([1, 2, 3, 4].indexOf(level) < 0 || (said && !isDate(said))) throw malformed('consent');
    return { incident: B.b64u(incident), level: level, visitorSaidOn: said };
  }

  // ---- Alerts: netreach-alert-v1, and the feed's trust checks ----

  function readAlert(text) {
    var d = new FlatDocument(text, FORMATS.alert, ['month', 'area', 'harms', 'summary', 'hashes'], 'alert');
    var month = d.string('month'), area = trimSpaces(d.string('area')), harms = d.list('harms'), summary = d.string('summary');
    if (!/^[0-9]{4}-[0-9]{2}$/.test(month) || !isDate(month + '-01')) throw malformed('alert');
    if (!area || area.indexOf('\n') >= 0 || textProblem('area', area, LIMITS.area)) throw malformed('alert');
    if (!harms.length || !unique(harms) || harms.some(function (h) { return HARMS.indexOf(h) < 0; })) throw malformed('alert');
    if (textProblem('summary', summary, LIMITS.summary)) throw malformed('alert');
    var hashes = d.list('hashes').map(function (item) {
      var colon = item.indexOf(':'), kind = item.slice(0, colon), value = item.slice(colon + 1), bytes;
      if (colon < 0 || IDENTIFIER_KINDS.indexOf(kind) < 0) throw malformed('alert');
      try { bytes = B.fromB64u(value); } catch (e) { throw malformed('alert'); }
      if (bytes.length !== 32 || B.b64u(bytes) !== value) throw malformed('alert');
      return { kind: kind, value: value };
    });
    if (hashes.length > LIMITS.identifiers) throw malformed('alert');
    return { month: month, area: area, harms: harms, summary: summary, hashes: hashes };
  }

  var strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  // One entry of GET /v1/alerts, checked as VerifiedAlert.verify checks it: the event parses and its
  // signature verifies; it is an alert.published of the feed (16 zero bytes); its author is an active
  // (enrolled, unrevoked) staff member of the verified keyring; its content is a well-formed alert.
  function verifyAlert(entry, keyring) {
    if (!keyring) throw malformed('keyring');
    if (!entry || typeof entry.event !== 'string' || typeof entry.position !== 'number') throw malformed('entry');
    var event = P.parseEvent(B.fromB64u(entry.event));
    if (event.kind !== KIND.alert || !B.equal(event.conversation, FEED)) throw malformed('kind');
    var signer = keyring.active.filter(function (member) { return B.equal(member.sign, event.author); })[0];
    if (!signer) throw malformed('signer');
    var alert = readAlert(strictUtf8.decode(event.content));
    alert.position = entry.position;
    alert.signer = signer.name;
    return alert;
  }

  // The whole feed: the alerts that verify, newest (highest position) first, and how many did not.
  // A document that is not {"alerts": [...]} is refused as a whole.
  function verifyFeed(document, keyring) {
    if (!document || !Array.isArray(document.alerts)) throw malformed('feed');
    var alerts = [], rejected = 0;
    document.alerts.forEach(function (entry) {
      try { alerts.push(verifyAlert(entry, keyring)); } catch (e) { rejected++; }
    });
    alerts.sort(function (a, b) { return b.position - a.position; });
    return { alerts: alerts, rejected: rejected };
  }

  // The alerts one of whose hashes is this identifier's.
  function matching(alerts, id, salt) {
    var hash = identifierHash(salt, id);
    return alerts.filter(function (alert) {
      return alert.hashes.some(function (h) { return h.kind === id.kind && h.value === hash; });
    });
  }

  // ---- Consent now ----

  // The level that counts: the report's, then each change in log order. A visitor signs their own
  // change without a day; a worker recording what the visitor said gives the day. Anything else is
  // left out, as Incidents.read leaves it out. `changes`: [{level, visitorSaidOn, byVisitor}] in log order.
  function consentNow(reportLevel, changes) {
    var level = reportLevel;
    changes.forEach(function (change) {
      if (change.byVisitor === (change.visitorSaidOn === '')) level = change.level;
    });
    return level;
  }

  root.NetreachIncidents = {
    KIND: KIND, IDENTIFIER_KINDS: IDENTIFIER_KINDS, HARMS: HARMS, TIMES: TIMES, SETTINGS: SETTINGS, LIMITS: LIMITS,
    Problem: Problem, trimSpaces: trimSpaces, identifier: identifier, parseIdentifier: parseIdentifier, describe: describe,
    guessKind: guessKind, looksLikeNumber: looksLikeNumber, checkedIdentifier: checkedIdentifier, feedSalt: feedSalt, identifierHash: identifierHash,
    parseFlat: parseFlat, isDate: isDate, checkReport: checkReport, reportText: reportText, readReport: readReport,
    consentText: consentText, readConsent: readConsent, readAlert: readAlert, verifyAlert: verifyAlert, verifyFeed: verifyFeed,
    matching: matching, consentNow: consentNow
  };
})(typeof self !== 'undefined' ? self : globalThis);
