#!/usr/bin/python3
"""An independent implementation of docs/KEYS.md, written from that document with PyNaCl (Debian's
python3-nacl) and hashlib, to prove the Swift implementation reads and writes the same bytes.

  keys_interop.py generate     write keys/ (the fixtures the Swift tests read) from fixed seeds
  keys_interop.py check        make the fixtures again in memory and compare with the committed files
  keys_interop.py verify DIR   check the files another implementation wrote into DIR (see below)

Fixtures (keys/): Keys/org.pub, Keys/staff/{alice,bob,carol}.cert, Keys/relays/{relay-a,relay-b}.cert,
Keys/revoked/carol-SERIAL.rev,
{alice,bob,carol}.pub, alice.key (staff) and org.key (org), both with interactive Argon2id limits,
and expected.json: every key, seed, key id, fingerprint, serial and passphrase behind them.

verify DIR expects DIR/Keys/... (a keyring), DIR/NAME.pub, DIR/*.key and DIR/manifest.json:
  {"org_seed": hex, "active": [names], "revoked": [names], "relays": [relay names, when Keys/relays exists],
   "keys": {"NAME": {"key_id": hex, "fingerprint": "xxxx xxxx ..."}},   (org under its deployment name)
   "private_keys": [{"file": "alice.key", "passphrase": text}]}
It parses and verifies everything by the document's rules, signs every certificate and revocation
again with the organisation seed (Ed25519 is deterministic, so the files must come out identical),
opens every private key file and checks that its secrets give the public keys, and checks that
damaged copies are refused, so that the checks themselves are known to bite. Exit status 0 means
every check passed.

Run with Debian's interpreter: /usr/bin/python3 keys_interop.py ...
"""
import base64
import datetime
import hashlib
import json
import os
import re
import sys

import nacl.bindings as b
import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
from nacl.signing import SigningKey, VerifyKey

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "keys")
MAX_FILE = 4096

MAGIC_ORG = "netreach-org-public-key-v1"
MAGIC_STAFF = "netreach-staff-public-key-v1"
MAGIC_CERT = "netreach-enrolment-v1"
MAGIC_REV = "netreach-revocation-v1"
MAGIC_RELAY = "netreach-relay-certificate-v1"
MAGIC_KEY = "netreach-private-key-v1"
FIELDS = {
    MAGIC_ORG: ["name", "sign"],
    MAGIC_STAFF: ["name", "sign", "box"],
    MAGIC_CERT: ["name", "role", "sign", "box", "issued", "serial", "signature"],
    MAGIC_REV: ["name", "serial", "sign", "revoked", "reason", "signature"],
    MAGIC_RELAY: ["name", "sign", "issued", "serial", "signature"],
    MAGIC_KEY: ["kind", "name", "kdf", "opslimit", "memlimit", "salt", "nonce", "ciphertext"],
}
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}\Z")
B64U = re.compile(r"[A-Za-z0-9_-]*\Z")
LANGUAGE = re.compile(r"[A-Za-z0-9-]{2,8}\Z")


class Refused(Exception):
    pass


def ctx(name):
    return b"netreach/v1/" + name.encode() + b"\x00"


def sha512(data):
    return hashlib.sha512(data).digest()


def det(label, n):
    """n bytes fixed by a label (SHAKE-256), so the fixtures never depend on a random source."""
    return hashlib.shake_256(("netreach-keys-fixture/" + label).encode()).digest(n)


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text, size=None):
    if not B64U.match(text) or len(text) % 4 == 1:
        raise Refused(f"not unpadded base64url: {text!r}")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64u(data) != text:
        raise Refused(f"not the canonical base64url of its bytes: {text!r}")
    if size is not None and len(data) != size:
        raise Refused(f"expected {size} bytes, got {len(data)}")
    return data


def key_id(sign_pk):
    return sha512(ctx("key-id") + sign_pk)[:16]


def fingerprint(sign_pk, box_pk=b""):
    digits = sha512(ctx("fingerprint") + sign_pk + box_pk)[:16].hex()
    return " ".join(digits[i:i + 4] for i in range(0, 32, 4))


def check_time(text):
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text):
        raise Refused(f"bad time {text!r}")
    datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")  # raises on a day or hour that does not exist


def check_name(text):
    if not NAME.match(text):
        raise Refused(f"bad name {text!r}")


# --- the text layout -------------------------------------------------------------------------------

def parse(data, magic):
    """Returns ({field: value}, {field: byte offset just past the LF ending its line})."""
    if len(data) > MAX_FILE:
        raise Refused("longer than 4096 bytes")
    text = data.decode("utf-8")  # UnicodeDecodeError is a refusal too
    if not text.endswith("\n"):
        raise Refused("does not end with LF")
    lines = text[:-1].split("\n")
    for number, line in enumerate(lines, 1):
        if line == "" or line != line.strip(" ") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in line):
            raise Refused(f"line {number} breaks the layout rules: {line!r}")
    if lines[0] != magic:
        raise Refused(f"magic line is {lines[0]!r}")
    names = FIELDS[magic]
    # An enrolment may carry one optional line, languages, between serial and signature.
    if magic == MAGIC_CERT and len(lines) > 7 and lines[7].startswith("languages:"):
        names = names[:-1] + ["languages", "signature"]
    if len(lines) != len(names) + 1:
        raise Refused(f"{len(lines) - 1} fields, expected {len(names)}")
    values, ends, offset = {}, {}, len(lines[0].encode()) + 1
    for name, line in zip(names, lines[1:]):
        field, sep, value = line.partition(": ")
        if field != name or not sep or value.startswith(" "):
            raise Refused(f"expected the field {name!r}, got {line!r}")
        offset += len(line.encode()) + 1
        values[name], ends[name] = value, offset
    return values, ends


def build(magic, pairs):
    return "".join([magic + "\n"] + [f"{k}: {v}\n" for k, v in pairs]).encode()


# --- the formats ------------------------------------------------------------------------------------

def org_pub(name, sign_pk):
    return build(MAGIC_ORG, [("name", name), ("sign", b64u(sign_pk))])


def read_org_pub(data):
    v, _ = parse(data, MAGIC_ORG)
    check_name(v["name"])  # the deployment name follows the document's name encoding
    return v["name"], unb64u(v["sign"], 32)


def staff_pub(name, sign_pk, box_pk):
    return build(MAGIC_STAFF, [("name", name), ("sign", b64u(sign_pk)), ("box", b64u(box_pk))])


def read_staff_pub(data):
    v, _ = parse(data, MAGIC_STAFF)
    check_name(v["name"])
    return v["name"], unb64u(v["sign"], 32), unb64u(v["box"], 32)


def certificate(org_sk, name, role, sign_pk, box_pk, issued, serial, languages=()):
    pairs = [("name", name), ("role", role), ("sign", b64u(sign_pk)), ("box", b64u(box_pk)),
             ("issued", issued), ("serial", b64u(serial))]
    if languages:
        pairs.append(("languages", ", ".join(languages)))
    body = build(MAGIC_CERT, pairs)
    signature = org_sk.sign(ctx("enrolment") + body).signature
    return body + f"signature: {b64u(signature)}\n".encode()


def read_certificate(data, org_pk):
    v, ends = parse(data, MAGIC_CERT)
    signature = unb64u(v["signature"], 64)
    try:  # the signature first, over the file's own bytes
        VerifyKey(org_pk).verify(ctx("enrolment") + data[:ends["languages" if "languages" in v else "serial"]], signature)
    except nacl.exceptions.BadSignatureError:
        raise Refused("enrolment signature does not verify")
    check_name(v["name"])
    if v["role"] not in ("worker", "supervisor"):
        raise Refused(f"bad role {v['role']!r}")
    check_time(v["issued"])
    languages = []
    if "languages" in v:
        languages = v["languages"].split(", ")
        if not 1 <= len(languages) <= 16 or any(not LANGUAGE.match(tag) for tag in languages) \
                or len({tag.lower() for tag in languages}) != len(languages):
            raise Refused(f"bad languages {v['languages']!r}")
    return dict(name=v["name"], role=v["role"], sign=unb64u(v["sign"], 32), box=unb64u(v["box"], 32),
                issued=v["issued"], serial=unb64u(v["serial"], 16), languages=languages)


def revocation(org_sk, name, serial, sign_pk, revoked, reason):
    body = build(MAGIC_REV, [("name", name), ("serial", b64u(serial)), ("sign", b64u(sign_pk)),
                             ("revoked", revoked), ("reason", reason)])
    signature = org_sk.sign(ctx("revocation") + body).signature
    return body + f"signature: {b64u(signature)}\n".encode()


def relay_certificate(org_sk, name, sign_pk, issued, serial):
    body = build(MAGIC_RELAY, [("name", name), ("sign", b64u(sign_pk)), ("issued", issued), ("serial", b64u(serial))])
    signature = org_sk.sign(ctx("relay-certificate") + body).signature
    return body + f"signature: {b64u(signature)}\n".encode()


def read_relay_certificate(data, org_pk):
    v, ends = parse(data, MAGIC_RELAY)
    signature = unb64u(v["signature"], 64)
    try:  # the signature first, over the file's own bytes
        VerifyKey(org_pk).verify(ctx("relay-certificate") + data[:ends["serial"]], signature)
    except nacl.exceptions.BadSignatureError:
        raise Refused("relay certificate signature does not verify")
    check_name(v["name"])
    check_time(v["issued"])
    return dict(name=v["name"], sign=unb64u(v["sign"], 32), issued=v["issued"], serial=unb64u(v["serial"], 16))


def read_revocation(data, org_pk):
    v, ends = parse(data, MAGIC_REV)
    signature = unb64u(v["signature"], 64)
    try:
        VerifyKey(org_pk).verify(ctx("revocation") + data[:ends["reason"]], signature)
    except nacl.exceptions.BadSignatureError:
        raise Refused("revocation signature does not verify")
    check_name(v["name"])
    check_time(v["revoked"])
    if not 1 <= len(v["reason"]) <= 200 or not v["reason"].isprintable():
        raise Refused("bad reason")
    return dict(name=v["name"], serial=unb64u(v["serial"], 16), sign=unb64u(v["sign"], 32), revoked=v["revoked"],
                reason=v["reason"])


def private_key_file(kind, name, secrets, passphrase, salt, nonce, opslimit, memlimit):
    header = build(MAGIC_KEY, [("kind", kind), ("name", name), ("kdf", "argon2id13"), ("opslimit", str(opslimit)),
                               ("memlimit", str(memlimit)), ("salt", b64u(salt)), ("nonce", b64u(nonce))])
    h = sha512(ctx("private-key-file") + header)[:32]
    k = argon2id.kdf(32, passphrase, salt, opslimit=opslimit, memlimit=memlimit)
    return header + f"ciphertext: {b64u(b.crypto_secretbox(h + secrets, nonce, k))}\n".encode()


def open_private_key_file(data, passphrase):
    """Returns (kind, name, secrets); raises Refused('wrongPassphrase' / 'headerTampered' / ...)."""
    v, ends = parse(data, MAGIC_KEY)
    if v["kind"] not in ("staff", "org", "relay") or v["kdf"] != "argon2id13":
        raise Refused("bad kind or kdf")
    check_name(v["name"])
    if not re.fullmatch(r"0|[1-9]\d*", v["opslimit"]) or not re.fullmatch(r"0|[1-9]\d*", v["memlimit"]):
        raise Refused("limits are not decimal numbers")
    ops, mem = int(v["opslimit"]), int(v["memlimit"])
    if not (argon2id.OPSLIMIT_INTERACTIVE <= ops <= argon2id.OPSLIMIT_SENSITIVE
            and argon2id.MEMLIMIT_INTERACTIVE <= mem <= argon2id.MEMLIMIT_SENSITIVE):
        raise Refused("limits out of range")
    salt, nonce = unb64u(v["salt"], 16), unb64u(v["nonce"], 24)
    k = argon2id.kdf(32, passphrase, salt, opslimit=ops, memlimit=mem)
    try:
        plain = b.crypto_secretbox_open(unb64u(v["ciphertext"]), nonce, k)
    except nacl.exceptions.CryptoError:
        raise Refused("wrongPassphrase")
    if plain[:32] != sha512(ctx("private-key-file") + data[:ends["nonce"]])[:32]:
        raise Refused("headerTampered")
    secrets = plain[32:]
    if len(secrets) != (64 if v["kind"] == "staff" else 32):
        raise Refused("wrong number of secret bytes")
    return v["kind"], v["name"], secrets


# --- the fixtures -----------------------------------------------------------------------------------

STAFF = [("alice", "worker"), ("bob", "supervisor"), ("carol", "worker")]
RELAYS = ["relay-a", "relay-b"]  # a deployment with two relays, each with a key of its own
LANGUAGES = {"bob": ["en", "pt-BR"]}  # bob's enrolment lists the languages he speaks; the others list none
ISSUED = "2026-01-15T09:30:00Z"
REVOKED = "2026-03-02T17:05:41Z"
REASON = "laptop lost on the night bus; reported by carol"
PASSPHRASES = {"alice.key": "correct horse battery staple", "org.key": "a long organisation passphrase"}


def fixtures():
    """{relative path: bytes} of every fixture file, expected.json included."""
    files = {}
    org_seed = det("org/seed", 32)
    org_sk = SigningKey(org_seed)
    org_pk = bytes(org_sk.verify_key)
    files["Keys/org.pub"] = org_pub("outreach-example", org_pk)
    expected = dict(org=dict(name="outreach-example", sign=b64u(org_pk), seed=org_seed.hex(), key_id=key_id(org_pk).hex(),
                             fingerprint=fingerprint(org_pk)), staff=[], revocations=[], private_keys=[], relays=[])
    for name in RELAYS:
        seed, serial = det(f"{name}/sign-seed", 32), det(f"{name}/serial", 16)
        sign_pk = bytes(SigningKey(seed).verify_key)
        files[f"Keys/relays/{name}.cert"] = relay_certificate(org_sk, name, sign_pk, ISSUED, serial)
        expected["relays"].append(dict(name=name, sign=b64u(sign_pk), serial=b64u(serial), issued=ISSUED,
                                       fingerprint=fingerprint(sign_pk)))
    for name, role in STAFF:
        seed, box_sk = det(f"{name}/sign-seed", 32), det(f"{name}/box-secret", 32)
        sign_pk, box_pk = bytes(SigningKey(seed).verify_key), b.crypto_scalarmult_base(box_sk)
        serial = det(f"{name}/serial", 16)
        files[f"{name}.pub"] = staff_pub(name, sign_pk, box_pk)
        files[f"Keys/staff/{name}.cert"] = certificate(org_sk, name, role, sign_pk, box_pk, ISSUED, serial,
                                                       LANGUAGES.get(name, []))
        expected["staff"].append(dict(name=name, role=role, sign=b64u(sign_pk), box=b64u(box_pk), sign_seed=seed.hex(),
                                      box_secret=box_sk.hex(), key_id=key_id(sign_pk).hex(),
                                      fingerprint=fingerprint(sign_pk, box_pk), serial=b64u(serial), issued=ISSUED,
                                      languages=LANGUAGES.get(name, []), revoked=name == "carol"))
        if name == "carol":
            rev = f"Keys/revoked/carol-{b64u(serial)}.rev"
            files[rev] = revocation(org_sk, name, serial, sign_pk, REVOKED, REASON)
            expected["revocations"].append(dict(file=rev, name=name, serial=b64u(serial), sign=b64u(sign_pk),
                                                revoked=REVOKED, reason=REASON))
        if name == "alice":
            files["alice.key"] = private_key_file("staff", name, seed + box_sk, PASSPHRASES["alice.key"].encode(),
                                                  det("alice/salt", 16), det("alice/nonce", 24),
                                                  argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE)
            expected["private_keys"].append(dict(file="alice.key", kind="staff", name=name,
                                                 passphrase=PASSPHRASES["alice.key"], secrets=(seed + box_sk).hex()))
    files["org.key"] = private_key_file("org", "outreach-example", org_seed, PASSPHRASES["org.key"].encode(),
                                        det("org/salt", 16), det("org/nonce", 24),
                                        argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE)
    expected["private_keys"].append(dict(file="org.key", kind="org", name="outreach-example",
                                         passphrase=PASSPHRASES["org.key"], secrets=org_seed.hex()))
    expected["limits"] = dict(opslimit=argon2id.OPSLIMIT_INTERACTIVE, memlimit=argon2id.MEMLIMIT_INTERACTIVE)
    files["expected.json"] = (json.dumps(expected, indent=2, sort_keys=True) + "\n").encode()
    return files


def generate():
    for path, data in fixtures().items():
        full = os.path.join(FIXTURES, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
    print(f"wrote {FIXTURES}")


def check():
    wanted = fixtures()
    present = {os.path.relpath(os.path.join(d, f), FIXTURES) for d, _, fs in os.walk(FIXTURES) for f in fs}
    bad = sorted(p for p in wanted if not os.path.exists(os.path.join(FIXTURES, p))
                 or open(os.path.join(FIXTURES, p), "rb").read() != wanted[p]) + sorted(present - set(wanted))
    for p in bad:
        print(f"differs from what PyNaCl makes today: {p}", file=sys.stderr)
    return 1 if bad else 0


# --- verify DIR ------------------------------------------------------------------------------------

def verify(directory):
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)

    def refused(action, reason=None):
        """Whether action() is refused (with `reason` as the message, when given)."""
        try:
            action()
        except (Refused, UnicodeDecodeError, ValueError) as error:
            return reason is None or str(error) == reason
        return False

    def read(path):
        with open(os.path.join(directory, path), "rb") as f:
            return f.read()

    def check_claims(label, sign_pk, box_pk=b""):
        claim = manifest["keys"].get(label)
        expect(claim is not None, f"{label}: no key id or fingerprint in the manifest")
        if claim:
            expect(claim["key_id"] == key_id(sign_pk).hex(), f"{label}: key id {claim['key_id']} is not {key_id(sign_pk).hex()}")
            expect(claim["fingerprint"] == fingerprint(sign_pk, box_pk),
                   f"{label}: fingerprint {claim['fingerprint']!r} is not {fingerprint(sign_pk, box_pk)!r}")

    manifest = json.loads(read("manifest.json"))
    org_sk = SigningKey(bytes.fromhex(manifest["org_seed"]))
    org_data = read("Keys/org.pub")
    org_name, org_pk = read_org_pub(org_data)
    expect(org_pk == bytes(org_sk.verify_key), "org.pub does not hold the manifest's organisation key")
    expect(org_pub(org_name, org_pk) == org_data, "org.pub is not byte for byte what the document prescribes")
    check_claims(org_name, org_pk)

    certs, seen = {}, set()
    for file in sorted(os.listdir(os.path.join(directory, "Keys/staff"))):
        data = read(f"Keys/staff/{file}")
        c = read_certificate(data, org_pk)
        expect(file == c["name"] + ".cert", f"{file}: file name does not match the name {c['name']!r}")
        again = certificate(org_sk, c["name"], c["role"], c["sign"], c["box"], c["issued"], c["serial"], c["languages"])
        expect(again == data, f"{file}: signing the same fields again does not give the same bytes")
        for unique in (c["name"], c["sign"], c["box"], c["serial"]):
            expect(unique not in seen, f"{file}: shares a name, key or serial with another certificate")
            seen.add(unique)
        tampered = data.replace(b"role: worker", b"role: supervisor") if c["role"] == "worker" \
            else data.replace(b"role: supervisor", b"role: worker")
        expect(refused(lambda: read_certificate(tampered, org_pk), "enrolment signature does not verify"),
               f"{file}: a copy with another role still verifies")
        expect(refused(lambda: read_certificate(data.replace(b"\n", b"\r\n"), org_pk)), f"{file}: CRLF copy accepted")
        expect(refused(lambda: read_certificate(data, bytes(SigningKey(det("another-org", 32)).verify_key))),
               f"{file}: verifies under another organisation key")
        certs[c["name"]] = c
        check_claims(c["name"], c["sign"], c["box"])

    relays = {}
    relay_folder = os.path.join(directory, "Keys/relays")
    for file in sorted(os.listdir(relay_folder)) if os.path.isdir(relay_folder) else []:
        data = read(f"Keys/relays/{file}")
        r = read_relay_certificate(data, org_pk)
        expect(file == r["name"] + ".cert", f"{file}: file name does not match the name {r['name']!r}")
        again = relay_certificate(org_sk, r["name"], r["sign"], r["issued"], r["serial"])
        expect(again == data, f"relays/{file}: signing the same fields again does not give the same bytes")
        for unique in (r["name"], r["sign"], r["serial"]):
            expect(("relay", unique) not in seen,
                   f"relays/{file}: shares a name, key or serial with another relay certificate")
            seen.add(("relay", unique))
        expect(r["sign"] not in {c["sign"] for c in certs.values()} and r["sign"] != org_pk,
               f"relays/{file}: the key is a staff member's or the organisation's")
        expect(refused(lambda: read_relay_certificate(data.replace(b"issued: 2", b"issued: 1"), org_pk),
                       "relay certificate signature does not verify"), f"relays/{file}: an altered copy still verifies")
        expect(refused(lambda: read_relay_certificate(data, bytes(SigningKey(det("another-org", 32)).verify_key))),
               f"relays/{file}: verifies under another organisation key")
        # One purpose per signature: an enrolment's signature does not make a relay certificate, nor the reverse.
        expect(refused(lambda: read_certificate(data, org_pk)), f"relays/{file}: reads as an enrolment")
        relays[r["name"]] = r
        check_claims(r["name"], r["sign"])
    expect(sorted(relays) == sorted(manifest.get("relays", [])), f"relays are not {manifest.get('relays', [])}")

    revoked = set()
    for file in sorted(os.listdir(os.path.join(directory, "Keys/revoked"))):
        data = read(f"Keys/revoked/{file}")
        r = read_revocation(data, org_pk)
        expect(file == f"{r['name']}-{b64u(r['serial'])}.rev", f"{file}: file name is not NAME-SERIAL.rev")
        again = revocation(org_sk, r["name"], r["serial"], r["sign"], r["revoked"], r["reason"])
        expect(again == data, f"{file}: signing the same fields again does not give the same bytes")
        expect(refused(lambda: read_revocation(data.replace(b"reason: ", b"reason: x"), org_pk),
                       "revocation signature does not verify"), f"{file}: a copy with another reason still verifies")
        target = certs.get(r["name"])
        expect(target is not None and target["sign"] == r["sign"] and target["serial"] == r["serial"],
               f"{file}: does not name the serial and key of {r['name']}'s enrolment")
        revoked.add(r["name"])
    expect(sorted(set(certs) - revoked) == sorted(manifest["active"]), f"active staff are not {manifest['active']}")
    expect(sorted(revoked) == sorted(manifest["revoked"]), f"revoked staff are not {manifest['revoked']}")

    pubs = {}
    for file in sorted(f for f in os.listdir(directory) if f.endswith(".pub")):
        data = read(file)
        name, sign_pk, box_pk = read_staff_pub(data)
        expect(file == name + ".pub", f"{file}: file name does not match the name {name!r}")
        expect(staff_pub(name, sign_pk, box_pk) == data, f"{file}: not byte for byte what the document prescribes")
        if name in certs:
            expect((certs[name]["sign"], certs[name]["box"]) == (sign_pk, box_pk), f"{file}: keys differ from the certificate")
        pubs[name] = (sign_pk, box_pk)

    for entry in manifest["private_keys"]:
        file, passphrase = entry["file"], entry["passphrase"].encode()
        data = read(file)
        kind, name, secrets = open_private_key_file(data, passphrase)
        seed_pk = bytes(SigningKey(secrets[:32]).verify_key)
        if kind == "staff":
            expect(pubs.get(name) == (seed_pk, b.crypto_scalarmult_base(secrets[32:])),
                   f"{file}: the secrets do not give the keys of {name}.pub")
        elif kind == "org":
            expect(seed_pk == org_pk, f"{file}: the seed does not give the organisation key")
        v, _ = parse(data, MAGIC_KEY)
        again = private_key_file(kind, name, secrets, passphrase, unb64u(v["salt"]), unb64u(v["nonce"]),
                                 int(v["opslimit"]), int(v["memlimit"]))
        expect(again == data, f"{file}: encrypting the same secrets with its salt and nonce does not give the same bytes")
        expect(refused(lambda: open_private_key_file(data, passphrase + b"!"), "wrongPassphrase"),
               f"{file}: opens with a wrong passphrase")
        renamed = data.replace(f"name: {name}\n".encode(), f"name: {name}x\n".encode())
        expect(refused(lambda: open_private_key_file(renamed, passphrase), "headerTampered"),
               f"{file}: an edited name is not reported as headerTampered")

    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    print(f"{'FAILED' if failures else 'ok'}: org.pub, {len(certs)} certificates, {len(relays)} relay certificates, {len(revoked)} revocations, "
          f"{len(pubs)} staff public keys, {len(manifest['private_keys'])} private key files")
    return 1 if failures else 0


def main(argv):
    if argv[1:] == ["generate"]:
        generate()
        return 0
    if argv[1:] == ["check"]:
        return check()
    if len(argv) == 3 and argv[1] == "verify":
        try:
            return verify(argv[2])
        except (Refused, OSError, UnicodeDecodeError, ValueError, KeyError) as error:
            print(f"FAIL refused: {error!r}", file=sys.stderr)
            return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
