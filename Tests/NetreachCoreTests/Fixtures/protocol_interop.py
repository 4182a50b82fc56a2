#!/usr/bin/python3
"""An independent implementation of the core of docs/PROTOCOL.md, written from that document with
PyNaCl (Debian's python3-nacl) and hashlib, to prove the Swift implementation speaks the same bytes.

  protocol_interop.py example          print the worked example's values (the lines in PROTOCOL.md)
  protocol_interop.py check-doc DOC    recompute every example value and compare with the document
  protocol_interop.py verify FILE      check events written by another implementation (JSON list of b64u)
  protocol_interop.py retention        print erasure, policy and sealed-figures documents made here (JSON)
  protocol_interop.py check-retention FILE   check the same documents made by another implementation
  protocol_interop.py period-key       print a key.period event and a wrap to its key made here (JSON)
  protocol_interop.py check-period-key FILE  check the same made by another implementation
  protocol_interop.py rotation         print a key.rotated and a key.wrapped naming its key, made here (JSON)
  protocol_interop.py check-rotation FILE    check the same made by another implementation
"""
import base64
import hashlib
import json
import struct
import sys

import nacl.bindings as b
from nacl.public import PrivateKey
from nacl.signing import SigningKey, VerifyKey

WORDLIST = "/usr/lib/python3/dist-packages/mnemonic/wordlist/english.txt"
KINDS = {1: "conversation.opened", 2: "key.wrapped", 3: "message.posted", 4: "conversation.claimed",
         5: "conversation.transferred", 6: "conversation.closed", 7: "note.added", 8: "incident.reported",
         9: "consent.changed", 10: "incident.shared", 11: "alert.published", 12: "feedback.given",
         13: "erasure.requested", 14: "content.erased", 15: "policy.set", 16: "figures.sealed",
         17: "key.period", 18: "key.rotated"}


def ctx(name):
    return b"netreach/v1/" + name.encode() + b"\x00"


def H(data):
    return hashlib.sha512(data).digest()


def b64u(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64u(text):
    if "=" in text or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
        raise ValueError("not b64u")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def words():
    with open(WORDLIST) as f:
        return [w.strip() for w in f if w.strip()]


def phrase(entropy, wordlist):
    checksum = H(ctx("phrase") + entropy)[0] >> 4
    value = (int.from_bytes(entropy, "big") << 4) | checksum
    return [wordlist[(value >> (11 * (11 - i))) & 0x7FF] for i in range(12)]


def visitor(entropy):
    k = H(ctx("visitor-keys") + entropy)
    sign = SigningKey(k[:32])
    box = PrivateKey(k[32:64])
    conversation = H(ctx("conversation-id") + bytes(sign.verify_key))[:16]
    return sign, box, conversation


def key_id(sign_public):
    return H(ctx("key-id") + sign_public)[:16]


def event(kind, event_id, conversation, time_ms, signer, content):
    body = b"NRE1" + bytes([kind, 0]) + b"\x00\x00" + event_id + conversation + struct.pack("<Q", time_ms) \
        + bytes(signer.verify_key) + struct.pack("<I", len(content)) + content
    return body + signer.sign(ctx("event") + body).signature


def parse_event(data):
    if len(data) < 84 + 64 or data[:4] != b"NRE1" or data[5:8] != b"\x00\x00\x00" or data[4] not in KINDS:
        raise ValueError("bad header")
    (length,) = struct.unpack("<I", data[80:84])
    if len(data) != 84 + length + 64:
        raise ValueError("bad length")
    body, signature = data[:84 + length], data[84 + length:]
    VerifyKey(data[48:80]).verify(ctx("event") + body, signature)  # raises on a bad signature
    return {"kind": KINDS[data[4]], "id": data[8:24], "conversation": data[24:40], "author": data[48:80],
            "content": data[84:84 + length]}


def pad(text):
    for bucket in (256, 1024, 4096, 16384):
        if 4 + len(text) <= bucket:
            return struct.pack("<I", len(text)) + text + b"\x00" * (bucket - 4 - len(text))
    raise ValueError("text too long")


def leading_zero_bits(digest):
    count = 0
    for byte in digest:
        if byte == 0:
            count += 8
            continue
        return count + 8 - byte.bit_length()
    return count


def example():
    wordlist = words()
    entropy = bytes(range(16))
    v_sign, v_box, conversation = visitor(entropy)
    staff_seed = H(b"netreach worked example staff")
    staff_sign = SigningKey(staff_seed[:32])
    staff_box = PrivateKey(staff_seed[32:64])
    relay = SigningKey(H(b"netreach worked example relay")[:32])
    conversation_key = bytes(range(0x20, 0x40))
    wrap_nonce = bytes(range(0x40, 0x58))
    wrap = key_id(bytes(staff_sign.verify_key)) + wrap_nonce + \
        b.crypto_box(conversation_key, wrap_nonce, bytes(staff_box.public_key), bytes(v_box))
    self_nonce = bytes(range(0xC0, 0xD8))
    self_wrap = key_id(bytes(v_sign.verify_key)) + self_nonce + \
        b.crypto_box(conversation_key, self_nonce, bytes(v_box.public_key), bytes(v_box))
    opened_content = bytes(v_box.public_key) + struct.pack("<H", 2) + wrap + self_wrap
    opened = event(1, bytes(range(0x50, 0x60)), conversation, 1764000000000, v_sign, opened_content)
    # The same opening with the page's language ("ro") sealed after the wraps, as a message is sealed.
    language_nonce = bytes(range(0xE0, 0xF8))
    language_content = opened_content + language_nonce + b.crypto_secretbox(pad(b"ro"), language_nonce, conversation_key)
    opened_language = event(1, bytes(range(0x50, 0x60)), conversation, 1764000000000, v_sign, language_content)
    message_nonce = bytes(range(0x70, 0x88))
    message_content = message_nonce + b.crypto_secretbox(pad("Hello, is anyone there?".encode()), message_nonce,
                                                         conversation_key)
    message = event(3, bytes(range(0x60, 0x70)), conversation, 1764000001000, v_sign, message_content)
    reply_nonce = bytes(range(0x90, 0xA8))
    reply_content = reply_nonce + b.crypto_secretbox(pad("Yes, I'm here. You're safe to talk.".encode()), reply_nonce,
                                                     conversation_key)
    reply = event(3, bytes(range(0xB0, 0xC0)), conversation, 1764000060000, staff_sign, reply_content)
    # The visitor's feedback once the chat is closed: a flat JSON text sealed as a message is.
    feedback_nonce = bytes(range(0xA8, 0xC0))
    feedback_text = b'{"format":"netreach-feedback-v1","helpful":"yes","safer":"not-sure","helpedMost":"health"}'
    feedback_content = feedback_nonce + b.crypto_secretbox(pad(feedback_text), feedback_nonce, conversation_key)
    feedback = event(12, bytes(range(0x10, 0x20)), conversation, 1764000120000, v_sign, feedback_content)
    challenge = bytes(range(0x80, 0xA0))
    auth = v_sign.sign(ctx("auth") + challenge + bytes(relay.verify_key) + b"\x01").signature
    counter = 0
    while leading_zero_bits(H(ctx("pow") + challenge + conversation + struct.pack("<Q", counter))) < 8:
        counter += 1
    return [
        ("entropy", entropy.hex()),
        ("phrase", " ".join(phrase(entropy, wordlist))),
        ("visitorSignPublic", bytes(v_sign.verify_key).hex()),
        ("visitorBoxPublic", bytes(v_box.public_key).hex()),
        ("conversationId", conversation.hex()),
        ("conversationIdB64u", b64u(conversation)),
        ("staffSignPublic", bytes(staff_sign.verify_key).hex()),
        ("staffBoxPublic", bytes(staff_box.public_key).hex()),
        ("staffKeyId", key_id(bytes(staff_sign.verify_key)).hex()),
        ("relaySignPublic", bytes(relay.verify_key).hex()),
        ("conversationKey", conversation_key.hex()),
        ("openedEvent", opened.hex()),
        ("openedWithLanguageEvent", opened_language.hex()),
        ("messageEvent", message.hex()),
        ("replyEvent", reply.hex()),
        ("feedbackEvent", feedback.hex()),
        ("authChallenge", challenge.hex()),
        ("authSignature", auth.hex()),
        ("pow8Nonce", struct.pack("<Q", counter).hex()),
    ]


def check_doc(path):
    expected = dict(example())
    found = {}
    with open(path) as f:
        for line in f:
            if line.startswith("example."):
                name, _, value = line[len("example."):].rstrip("\n").partition(" ")
                found[name] = value.strip()
    failures = [name for name in expected if found.get(name) != expected[name]]
    for name in failures:
        print("MISMATCH example.%s" % name, file=sys.stderr)
    print("protocol interop: %d passed, %d failed" % (len(expected) - len(failures), len(failures)))
    return 1 if failures or not found else 0


def verify(path):
    with open(path) as f:
        items = json.load(f)
    failures = 0
    for item in items:
        try:
            parsed = parse_event(unb64u(item["event"]))
            assert parsed["kind"] == item["kind"], "kind"
            if "language" in item:
                # conversation.opened: key (32), n (2), n wraps of 88, then the sealed language.
                content = parsed["content"]
                (count,) = struct.unpack("<H", content[32:34])
                sealed = content[34 + 88 * count:]
                assert len(sealed) - 40 in (256, 1024, 4096, 16384), "sealed language size"
                key = bytes.fromhex(item["key"])
                opened = b.crypto_secretbox_open(sealed[24:], sealed[:24], key)
                (length,) = struct.unpack("<I", opened[:4])
                assert opened[4:4 + length].decode() == item["language"], "language"
                assert opened[4 + length:] == b"\x00" * (len(opened) - 4 - length), "padding"
            if "text" in item:
                key = bytes.fromhex(item["key"])
                content = parsed["content"]
                opened = b.crypto_secretbox_open(content[24:], content[:24], key)
                (length,) = struct.unpack("<I", opened[:4])
                assert opened[4:4 + length].decode() == item["text"], "text"
                assert opened[4 + length:] == b"\x00" * (len(opened) - 4 - length), "padding"
                assert len(opened) in (256, 1024, 4096, 16384), "bucket"
        except Exception as error:  # noqa: BLE001 - every failure is reported, then counted
            failures += 1
            print("FAIL %s: %s" % (item.get("kind"), error), file=sys.stderr)
    print("protocol interop verify: %d passed, %d failed" % (len(items) - failures, failures))
    return 1 if failures or not items else 0


# ---- Retention (docs/PRIVACY.md; docs/PROTOCOL.md kinds 13-16) ----

RELAY_SEED = H(b"netreach interop relay")[:32]
SUPERVISOR = H(b"netreach interop supervisor")  # Ed25519 seed [0:32], X25519 secret [32:64]
CONVERSATION = bytes(range(0x30, 0x40))
FIGURES_KEY = bytes(range(0x60, 0x80))
WRAP_NONCE = bytes(range(0x80, 0x98))
FIGURES_NONCE = bytes(range(0xa0, 0xb8))
POLICY_TEXT = '{"format":"netreach-retention-v1","messagesDays":90,"incidentsDays":365,"alertsDays":60}'
KEY_PERIOD_POLICY_TEXT = '{"format":"netreach-retention-v1","messagesDays":90,"incidentsDays":365,"alertsDays":60,"keyPeriodDays":14}'
REQUEST_TEXT = '{"format":"netreach-erasure-request-v1","reason":"data-subject-request"}'
FIGURES_TEXT = ('{"format":"netreach-figures-v1","quarter":"2026Q3","contactsByMonth":"3 0 12","openedByMonth":"4 1 13",'
                '"openedOffDuty":"2","firstReplySeconds":"17 120 900","waitingSeconds":"","topics":"housing=2 violence=5",'
                '"referrals":"","ages":"25-34=3","genders":"","workSettings":"","contactsByLanguage":"en=10 ro=5",'
                '"incidentsByHarm":"robbery=1","incidentsByConsent":"2=1","helpful":"yes=4","safer":"","helpedMost":"health=1",'
                '"newContacts":9,"repeatContacts":6,"uniqueVisitors":14,"contactsLanguageNotKnown":0,"incidents":1,'
                '"consentChanges":0,"policeShares":0,"alertsPublished":1,"feedbackGiven":4,"unreadable":0}')
RULES = {1: "retention-messages", 2: "retention-conversation", 3: "retention-alert", 4: "visitor-request", 5: "supervisor-order"}


def erasure_content(rule, reference, days, entries):
    out = bytes([1, rule]) + reference + struct.pack("<HH", days, len(entries))
    for position, kind, time_ms, author, by_visitor in entries:
        out += struct.pack("<QBQ", position, kind, time_ms) + author + bytes([1 if by_visitor else 0])
    return out


def parse_erasure(content):
    assert content[0] == 1 and content[1] in RULES, "version and rule"
    days, count = struct.unpack("<HH", content[18:22])
    assert len(content) == 22 + 34 * count and count >= 1, "entry count"
    entries = []
    for i in range(count):
        at = 22 + 34 * i
        position, kind, time_ms = struct.unpack("<QBQ", content[at:at + 17])
        assert kind in KINDS and content[at + 33] in (0, 1), "entry"
        entries.append((position, kind, time_ms, content[at + 17:at + 33], content[at + 33] == 1))
    return RULES[content[1]], content[2:18], days, entries


def retention():
    relay = SigningKey(RELAY_SEED)
    supervisor_sign, supervisor_box = SigningKey(SUPERVISOR[:32]), PrivateKey(SUPERVISOR[32:64])
    entries = [(7, 1, 1764000000000, key_id(b"\x11" * 32), True), (9, 3, 1764000060000, key_id(bytes(supervisor_sign.verify_key)), False)]
    content = erasure_content(5, bytes(range(16)), 0, entries)
    event_id = H(ctx("erasure-record") + CONVERSATION + content)[:16]
    erased = event(14, event_id, CONVERSATION, 1764000120000, relay, content)
    wrap = key_id(bytes(supervisor_sign.verify_key)) + WRAP_NONCE + b.crypto_box(
        FIGURES_KEY, WRAP_NONCE, bytes(supervisor_box.public_key), bytes(supervisor_box))
    sealed = FIGURES_NONCE + b.crypto_secretbox(pad(FIGURES_TEXT.encode()), FIGURES_NONCE, FIGURES_KEY)
    figures = b"2026Q3" + struct.pack("<H", 1) + wrap + sealed
    return {"relay": b64u(bytes(relay.verify_key)), "supervisorSecrets": SUPERVISOR[:64].hex(), "erasedEvent": b64u(erased),
            "figuresContent": b64u(figures), "figuresText": FIGURES_TEXT, "policy": POLICY_TEXT, "request": REQUEST_TEXT,
            "keyPeriodPolicy": KEY_PERIOD_POLICY_TEXT}


def checked(path, name, check):
    """Runs `check` on the JSON item in `path`; a failed assertion is printed and counted."""
    with open(path) as f:
        item = json.load(f)
    failures = 0
    try:
        check(item)
    except Exception as error:  # noqa: BLE001 - the failure is reported, then counted
        failures += 1
        print("FAIL %s" % error, file=sys.stderr)
    print("%s interop check: %d failed" % (name, failures))
    return 1 if failures else 0


def check_retention(path):
    return checked(path, "retention", retention_item)


def retention_item(item):
    parsed = parse_event(unb64u(item["erasedEvent"]))
    assert parsed["kind"] == "content.erased" and parsed["author"] == unb64u(item["relay"]), "kind and relay"
    rule, reference, days, entries = parse_erasure(parsed["content"])
    assert rule == item["rule"] and days == item["days"] and len(entries) == item["entries"], "rule, days, entries"
    assert parsed["id"] == H(ctx("erasure-record") + parsed["conversation"] + parsed["content"])[:16], "event id"
    secrets = bytes.fromhex(item["supervisorSecrets"])
    me_sign, me_box = SigningKey(secrets[:32]), PrivateKey(secrets[32:64])
    content = unb64u(item["figuresContent"])
    assert content[:6].decode() == item["quarter"], "quarter"
    (count,) = struct.unpack("<H", content[6:8])
    wraps = [content[8 + 88 * i:8 + 88 * (i + 1)] for i in range(count)]
    mine = [w for w in wraps if w[:16] == key_id(bytes(me_sign.verify_key))]
    assert mine, "a wrap to the supervisor"
    key = b.crypto_box_open(mine[0][40:], mine[0][16:40], unb64u(item["sender"]), bytes(me_box))
    sealed = content[8 + 88 * count:]
    opened = b.crypto_secretbox_open(sealed[24:], sealed[:24], key)
    (length,) = struct.unpack("<I", opened[:4])
    text = json.loads(opened[4:4 + length].decode())
    assert text["format"] == "netreach-figures-v1" and text["quarter"] == item["quarter"], "figures text"
    assert text["newContacts"] == item["newContacts"], "a count"
    assert opened[4 + length:] == b"\x00" * (len(opened) - 4 - length), "padding"


PERIOD_SECRET = H(b"netreach interop period key")[:32]
PERIOD_START, PERIOD_END = 1796083200000, 1798761600000  # 2026-12-01 and 2027-01-01, UTC
KEYS_FEED = b"\x00" * 15 + b"\x03"
VISITOR_BOX = H(b"netreach interop visitor box")[:32]


def period_key_id(staff_sign_public, box_public):
    return H(ctx("period-key-id") + staff_sign_public + box_public)[:16]


def period_key():
    """A supervisor's key.period for December 2026, and a conversation key wrapped to it by a visitor."""
    sign = SigningKey(SUPERVISOR[:32])
    period = PrivateKey(PERIOD_SECRET)
    content = b"\x01" + struct.pack("<QQ", PERIOD_START, PERIOD_END) + bytes(period.public_key)
    published = event(17, bytes(range(0xA0, 0xB0)), KEYS_FEED, 1796083200000, sign, content)
    visitor_box = PrivateKey(VISITOR_BOX)
    key_id = period_key_id(bytes(sign.verify_key), bytes(period.public_key))
    wrap = key_id + WRAP_NONCE + b.crypto_box(FIGURES_KEY, WRAP_NONCE, bytes(period.public_key), bytes(visitor_box))
    return {"event": b64u(published), "keyId": key_id.hex(), "periodSecret": PERIOD_SECRET.hex(), "wrap": b64u(wrap),
            "visitorBox": b64u(bytes(visitor_box.public_key)), "wrappedKey": FIGURES_KEY.hex(),
            "start": PERIOD_START, "end": PERIOD_END}


def check_period_key(path):
    """Swift's key.period: the kind, the signature, the layout, the key id, and its wrap opens with the period secret."""
    return checked(path, "period key", period_key_item)


def period_key_item(item):
    parsed = parse_event(unb64u(item["event"]))
    assert parsed["kind"] == "key.period" and parsed["conversation"] == KEYS_FEED, "kind and feed"
    content = parsed["content"]
    assert len(content) == 49 and content[0] == 1, "layout"
    start, end = struct.unpack("<QQ", content[1:17])
    assert (start, end) == (item["start"], item["end"]), "period"
    box_public = content[17:49]
    secret = PrivateKey(bytes.fromhex(item["periodSecret"]))
    assert bytes(secret.public_key) == box_public, "the published key is the period secret's"
    assert period_key_id(parsed["author"], box_public).hex() == item["keyId"], "key id"
    wrap = unb64u(item["wrap"])
    assert wrap[:16].hex() == item["keyId"], "the wrap names the period key"
    opened = b.crypto_box_open(wrap[40:], wrap[16:40], unb64u(item["sender"]), bytes(secret))
    assert opened.hex() == item["wrappedKey"], "the wrapped key"
    # The staff member's period keys file (docs/KEYS.md): opened with a key derived from the enrolled X25519 secret.
    data = unb64u(item["periodFile"])
    magic = b"netreach-period-keys-v1\n"
    assert data[:len(magic)] == magic, "period file magic"
    file_key = hashlib.blake2b(ctx("period-keys-file"), key=bytes.fromhex(item["enrolledSecret"]), digest_size=32).digest()
    nonce = data[len(magic):len(magic) + 24]
    plain = b.crypto_secretbox_open(data[len(magic) + 24:], nonce, file_key)
    (count,) = struct.unpack("<H", plain[:2])
    assert len(plain) == 2 + 48 * count, "period file layout"
    held = [(struct.unpack("<QQ", plain[2 + 48 * i:18 + 48 * i]), plain[18 + 48 * i:50 + 48 * i]) for i in range(count)]
    assert ((start, end), bytes.fromhex(item["periodSecret"])) in held, "the period secret is in the file"


ROTATED_KEY = H(b"netreach interop rotated key")[:32]
VISITOR_SIGN = H(b"netreach interop visitor sign")[:32]


def rotated_key_id(key):
    return H(ctx("rotated-key-id") + key)[:16]


def rotation():
    """A supervisor re-keys a conversation (purpose 1): the new key wrapped to the visitor, then shared
    later with a key.wrapped that names the key id after its wraps."""
    sign = SigningKey(SUPERVISOR[:32])
    visitor_box = PrivateKey(VISITOR_BOX)
    visitor_id = key_id(bytes(SigningKey(VISITOR_SIGN).verify_key))
    wrap = visitor_id + WRAP_NONCE + b.crypto_box(ROTATED_KEY, WRAP_NONCE, bytes(visitor_box.public_key), SUPERVISOR[32:64])
    rotated = b"\x01" + rotated_key_id(ROTATED_KEY) + struct.pack("<H", 1) + wrap
    shared = b"\x01" + struct.pack("<H", 1) + wrap + rotated_key_id(ROTATED_KEY)
    return {"rotated": b64u(event(18, bytes(range(0xC0, 0xD0)), CONVERSATION, 1796083200000, sign, rotated)),
            "shared": b64u(event(2, bytes(range(0xD0, 0xE0)), CONVERSATION, 1796083200001, sign, shared)),
            "key": ROTATED_KEY.hex(), "keyId": rotated_key_id(ROTATED_KEY).hex(), "visitorSecret": VISITOR_BOX.hex(),
            "visitorId": visitor_id.hex(), "sender": b64u(bytes(PrivateKey(SUPERVISOR[32:64]).public_key))}


def check_rotation(path):
    """Swift's key.rotated and key.wrapped with a key id: kinds, signatures, layouts, the key id, and the wrap to the visitor."""
    return checked(path, "rotation", rotation_item)


def rotation_item(item):
    rotated = parse_event(unb64u(item["rotated"]))
    assert rotated["kind"] == "key.rotated", "kind"
    content = rotated["content"]
    assert content[0] == 1, "purpose 1, the conversation key"
    (count,) = struct.unpack("<H", content[17:19])
    assert len(content) == 19 + 88 * count, "layout"
    key = bytes.fromhex(item["key"])
    assert content[1:17] == rotated_key_id(key), "the key id is SHA-512(ctx(rotated-key-id) || key)[:16]"
    wraps = [content[19 + 88 * i:19 + 88 * (i + 1)] for i in range(count)]
    mine = [w for w in wraps if w[:16].hex() == item["visitorId"]]
    assert len(mine) == 1, "one wrap to the visitor"
    assert b.crypto_box_open(mine[0][40:], mine[0][16:40], unb64u(item["sender"]), bytes.fromhex(item["visitorSecret"])) == key, \
        "the visitor's wrap opens to the key"
    shared = parse_event(unb64u(item["shared"]))
    assert shared["kind"] == "key.wrapped", "the share's kind"
    (count,) = struct.unpack("<H", shared["content"][1:3])
    assert len(shared["content"]) == 3 + 88 * count + 16 and shared["content"][-16:] == content[1:17], "the share names the key id"


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "example":
        for name, value in example():
            print("example.%s %s" % (name, value))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "check-doc":
        return check_doc(sys.argv[2])
    if len(sys.argv) == 3 and sys.argv[1] == "verify":
        return verify(sys.argv[2])
    if len(sys.argv) == 2 and sys.argv[1] == "retention":
        print(json.dumps(retention()))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "check-retention":
        return check_retention(sys.argv[2])
    if len(sys.argv) == 2 and sys.argv[1] == "period-key":
        print(json.dumps(period_key()))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "check-period-key":
        return check_period_key(sys.argv[2])
    if len(sys.argv) == 2 and sys.argv[1] == "rotation":
        print(json.dumps(rotation()))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "check-rotation":
        return check_rotation(sys.argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
