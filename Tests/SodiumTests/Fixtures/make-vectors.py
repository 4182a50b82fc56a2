#!/usr/bin/python3
"""Writes vectors.json: known-answer vectors for every libsodium primitive Netreach uses, made by
PyNaCl (an independent binding of libsodium) and Python's own hashlib/base64 where they have the
primitive. Every input is derived from fixed labels, so running this again gives the same file:
`make-vectors.py --check` fails if the committed file differs from what PyNaCl makes today.

Run with Debian's interpreter (python3-nacl): /usr/bin/python3 make-vectors.py [--check]
"""
import base64
import hashlib
import json
import os
import sys

import nacl
import nacl.bindings as b
import nacl.pwhash.argon2id as argon2id
from nacl.signing import SigningKey

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "vectors.json")


def det(label, n):
    """n deterministic bytes from a label (SHAKE-256), so vectors never depend on a random source."""
    return hashlib.shake_256(("netreach-vectors/" + label).encode()).digest(n)


def hx(data):
    return data.hex()


MESSAGE_LENGTHS = [0, 1, 16, 31, 32, 33, 64, 255, 256, 1000, 4096]


def box_vectors():
    out = []
    for i, n in enumerate(MESSAGE_LENGTHS):
        a_sk, b_sk = det(f"box/{i}/a", 32), det(f"box/{i}/b", 32)
        a_pk, b_pk = b.crypto_scalarmult_base(a_sk), b.crypto_scalarmult_base(b_sk)
        nonce, msg = det(f"box/{i}/nonce", 24), det(f"box/{i}/message", n)
        ct = b.crypto_box(msg, nonce, b_pk, a_sk)  # PyNaCl's crypto_box is the "easy" layout: tag ‖ ciphertext
        shared = b.crypto_box_beforenm(b_pk, a_sk)
        assert b.crypto_box_afternm(msg, nonce, shared) == ct
        assert b.crypto_box_open(ct, nonce, a_pk, b_sk) == msg
        out.append(dict(a_secret=hx(a_sk), a_public=hx(a_pk), b_secret=hx(b_sk), b_public=hx(b_pk),
                        nonce=hx(nonce), message=hx(msg), ciphertext=hx(ct), shared_key=hx(shared)))
    return out


def box_seed_vectors():
    out = []
    for i in range(4):
        seed = det(f"box-seed/{i}", 32)
        pk, sk = b.crypto_box_seed_keypair(seed)
        out.append(dict(seed=hx(seed), secret=hx(sk), public=hx(pk)))
    return out


def secretbox_vectors():
    out = []
    for i, n in enumerate(MESSAGE_LENGTHS):
        key, nonce, msg = det(f"secretbox/{i}/key", 32), det(f"secretbox/{i}/nonce", 24), det(f"secretbox/{i}/m", n)
        ct = b.crypto_secretbox(msg, nonce, key)
        out.append(dict(key=hx(key), nonce=hx(nonce), message=hx(msg), ciphertext=hx(ct)))
    return out


def sign_vectors():
    out = []
    for i, n in enumerate(MESSAGE_LENGTHS):
        seed, msg = det(f"sign/{i}/seed", 32), det(f"sign/{i}/message", n)
        key = SigningKey(seed)
        out.append(dict(seed=hx(seed), public=hx(bytes(key.verify_key)), message=hx(msg),
                        signature=hx(key.sign(msg).signature)))
    return out


def generichash_vectors():
    out = []
    for i, (n, keylen, outlen) in enumerate([(0, 0, 32), (3, 0, 32), (64, 0, 16), (200, 0, 64), (1000, 32, 32),
                                             (17, 64, 64), (128, 16, 24), (5000, 1, 32)]):
        msg, key = det(f"generichash/{i}/m", n), det(f"generichash/{i}/k", keylen)
        digest = b.crypto_generichash_blake2b_salt_personal(msg, digest_size=outlen, key=key)
        # Python's hashlib BLAKE2b is a separate implementation: the two must agree.
        assert digest == hashlib.blake2b(msg, digest_size=outlen, key=key).digest()
        cuts = [0, n // 3, n // 3, (2 * n) // 3, n]  # includes an empty chunk on purpose
        chunks = [hx(msg[cuts[j]:cuts[j + 1]]) for j in range(len(cuts) - 1)]
        out.append(dict(message=hx(msg), key=hx(key), output_count=outlen, hash=hx(digest), chunks=chunks))
    return out


def sha512_vectors():
    out = []
    for i, n in enumerate(MESSAGE_LENGTHS + [111, 112, 127, 128, 129]):
        msg = det(f"sha512/{i}", n)
        digest = b.crypto_hash_sha512(msg)
        assert digest == hashlib.sha512(msg).digest()
        out.append(dict(message=hx(msg), hash=hx(digest)))
    return out


def argon2id_vectors():
    out = []
    cases = [("correct horse battery staple", 1, 8192, 32), ("", 2, 65536, 32), ("pässwörd ✓", 3, 1 << 20, 64),
             ("netreach demo passphrase", argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE, 32)]
    for i, (pw, ops, mem, size) in enumerate(cases):
        salt = det(f"argon2id/{i}/salt", argon2id.SALTBYTES)
        key = argon2id.kdf(size, pw.encode(), salt, opslimit=ops, memlimit=mem)
        out.append(dict(passphrase=hx(pw.encode()), salt=hx(salt), opslimit=ops, memlimit=mem,
                        output_count=size, key=hx(key)))
    return out


def argon2id_limits():
    return {name: dict(opslimit=getattr(argon2id, "OPSLIMIT_" + name.upper()),
                       memlimit=getattr(argon2id, "MEMLIMIT_" + name.upper()))
            for name in ("interactive", "moderate", "sensitive")}


def base64_vectors():
    out = []
    for i, n in enumerate([0, 1, 2, 3, 4, 5, 31, 32, 33, 64, 100]):
        data = det(f"base64/{i}", n)
        out.append(dict(bytes=hx(data), text=base64.urlsafe_b64encode(data).decode().rstrip("=")))
    return out


def build():
    return {
        "about": "Known-answer vectors made by PyNaCl; regenerate with make-vectors.py. Hex unless named otherwise.",
        "box": box_vectors(),
        "box_seed_keypair": box_seed_vectors(),
        "secretbox": secretbox_vectors(),
        "sign": sign_vectors(),
        "generichash": generichash_vectors(),
        "sha512": sha512_vectors(),
        "argon2id": argon2id_vectors(),
        "argon2id_limits": argon2id_limits(),
        "base64url": base64_vectors(),
    }


def main():
    text = json.dumps(build(), indent=1, sort_keys=True) + "\n"
    if "--check" in sys.argv:
        with open(OUT) as f:
            if f.read() != text:
                print("vectors.json differs from what PyNaCl makes now: run make-vectors.py", file=sys.stderr)
                return 1
        print("vectors.json: matches PyNaCl", nacl.__version__)
        return 0
    with open(OUT, "w") as f:
        f.write(text)
    print("wrote", OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
