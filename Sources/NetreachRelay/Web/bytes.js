// Byte helpers for the visitor page: hex, strict base64url (docs/PROTOCOL.md, "Conventions"),
// UTF-8 and little-endian integers. tweetnacl has no encoding helpers of its own.
(function (root) {
  'use strict';
  var HEX = '0123456789abcdef';
  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  var B64_INDEX = {};
  for (var i = 0; i < B64.length; i++) B64_INDEX[B64[i]] = i;

  function hex(bytes) {
    var out = '';
    for (var i = 0; i < bytes.length; i++) out += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
    return out;
  }

  function fromHex(text) {
    if (!/^([0-9a-f]{2})*$/.test(text)) throw new Error('not lower-case hex');
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  }

  function b64u(bytes) {
    var out = '';
    for (var i = 0; i < bytes.length; i += 3) {
      var n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
      if (i + 1 < bytes.length) out += B64[(n >> 6) & 63];
      if (i + 2 < bytes.length) out += B64[n & 63];
    }
    return out;
  }

  // Refuses padding, white space, characters outside the alphabet and impossible lengths.
  function fromB64u(text) {
    if (typeof text !== 'string' || text.length % 4 === 1) throw new Error('not base64url');
    var out = new Uint8Array(Math.floor(text.length * 3 / 4));
    var bits = 0, value = 0, at = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = B64_INDEX[text[i]];
      if (digit === undefined) throw new Error('not base64url');
      value = (value << 6) | digit;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[at++] = (value >> bits) & 255;
      }
    }
    if ((value & ((1 << bits) - 1)) !== 0) throw new Error('not base64url');
    return out;
  }

  function concat() {
    var length = 0, i;
    for (i = 0; i < arguments.length; i++) length += arguments[i].length;
    var out = new Uint8Array(length), at = 0;
    for (i = 0; i < arguments.length; i++) {
      out.set(arguments[i], at);
      at += arguments[i].length;
    }
    return out;
  }

  function utf8(text) { return new TextEncoder().encode(text); }

  function fromUtf8(bytes) { return new TextDecoder('utf-8', { fatal: true }).decode(bytes); }

  function u16(n) { return new Uint8Array([n & 255, (n >>> 8) & 255]); }

  function u32(n) { return new Uint8Array([n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255]); }

  function u64(n) {
    var high = Math.floor(n / 4294967296);
    return concat(u32(n >>> 0), u32(high >>> 0));
  }

  function readU16(bytes, at) { return bytes[at] | (bytes[at + 1] << 8); }

  function readU32(bytes, at) {
    return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) + bytes[at + 3] * 16777216;
  }

  function equal(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  // JavaScript cannot promise a wiped copy does not linger, but the arrays we hold are zeroed.
  function wipe(bytes) { if (bytes && bytes.fill) bytes.fill(0); }

  root.NetreachBytes = {
    hex: hex, fromHex: fromHex, b64u: b64u, fromB64u: fromB64u, concat: concat, utf8: utf8, fromUtf8: fromUtf8,
    u16: u16, u32: u32, u64: u64, readU16: readU16, readU32: readU32, equal: equal, wipe: wipe
  };
})(typeof self !== 'undefined' ? self : globalThis);
