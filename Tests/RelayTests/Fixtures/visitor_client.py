#!/usr/bin/python3
"""An independent visitor client for the Netreach relay, written from docs/PROTOCOL.md and
docs/KEYS.md alone (PyNaCl, hashlib, Debian's python3-websockets). Nothing here comes from the
Swift implementation.

  visitor_client.py open   URL ORG_KEY_B64U ENTROPY_HEX TEXT...   open a conversation and post each TEXT
  visitor_client.py resume URL ENTROPY_HEX                         reconnect with the phrase's entropy, print the history
  visitor_client.py transport URL                                  break each transport rule; print the errors and close codes

URL is the relay's base, e.g. http://127.0.0.1:8080. It prints one JSON object on its last line.
"""
import asyncio
import base64
import hashlib
import json
import os
import struct
import sys
import urllib.request

import nacl.bindings as b
import websockets
from nacl.public import PrivateKey
from nacl.signing import SigningKey, VerifyKey

# The handshake's deadline. The library's 10 s was once too short while the slow-loris test flooded
# another relay in the same test process on a loaded 2-core machine; this tests the protocol, not speed.
OPEN_TIMEOUT = 60

BUCKETS = (256, 1024, 4096, 16384)


def ctx(name):
    return b"netreach/v1/" + name.encode() + b"\x00"


def H(data):
    return hashlib.sha512(data).digest()


def b64u(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(sign_public):
    return H(ctx("key-id") + sign_public)[:16]


class Visitor:
    def __init__(self, entropy):
        k = H(ctx("visitor-keys") + entropy)
        self.sign = SigningKey(k[:32])
        self.box = PrivateKey(k[32:64])
        self.sign_public = bytes(self.sign.verify_key)
        self.conversation = H(ctx("conversation-id") + self.sign_public)[:16]

    def event(self, kind, content):
        body = b"NRE1" + bytes([kind, 0, 0, 0]) + os.urandom(16) + self.conversation + struct.pack("<Q", 0) \
            + self.sign_public + struct.pack("<I", len(content)) + content
        return body + self.sign.sign(ctx("event") + body).signature


def staff_from_keyring(base, org_key):
    """The active staff X25519 keys, from certificates verified against the organisation key."""
    with urllib.request.urlopen(base + "/v1/keyring") as response:
        keyring = json.load(response)
    org = VerifyKey(org_key)
    revoked = set()
    for text in keyring["revoked"]:
        fields = dict(line.split(": ", 1) for line in text.splitlines()[1:])
        signed = text[:text.index("signature: ")].encode()
        org.verify(ctx("revocation") + signed, unb64u(fields["signature"]))
        revoked.add(fields["sign"])
    staff = []
    for text in keyring["staff"]:
        lines = text.splitlines()
        assert lines[0] == "netreach-enrolment-v1"
        fields = dict(line.split(": ", 1) for line in lines[1:])
        signed = text[:text.index("signature: ")].encode()
        org.verify(ctx("enrolment") + signed, unb64u(fields["signature"]))  # raises if forged
        if fields["sign"] not in revoked:
            staff.append((key_id(unb64u(fields["sign"])), unb64u(fields["box"])))
    return staff


def pad(text):
    data = text.encode()
    bucket = next(size for size in BUCKETS if 4 + len(data) <= size)
    return struct.pack("<I", len(data)) + data + b"\x00" * (bucket - 4 - len(data))


def unpad(data):
    (length,) = struct.unpack("<I", data[:4])
    return data[4:4 + length].decode()


async def connect(base, visitor):
    socket = await websockets.connect(base.replace("http", "ws", 1) + "/v1/ws", open_timeout=OPEN_TIMEOUT)
    hello = json.loads(await socket.recv())
    assert hello["t"] == "hello" and hello["v"] == 1
    challenge, relay = unb64u(hello["challenge"]), unb64u(hello["relay"])
    signature = visitor.sign.sign(ctx("auth") + challenge + relay + b"\x01").signature
    await socket.send(json.dumps({"t": "auth", "role": "visitor", "key": b64u(visitor.sign_public), "sig": b64u(signature)}))
    ready = json.loads(await socket.recv())
    assert ready["t"] == "ready" and ready["conversation"] == b64u(visitor.conversation), ready
    return socket, hello, ready


async def request(socket, message):
    await socket.send(json.dumps(message))
    while True:
        answer = json.loads(await socket.recv())
        if answer["t"] in ("ack", "error") and answer.get("rid") == message.get("rid"):
            return answer


async def open_conversation(base, org_key, entropy, texts):
    visitor = Visitor(entropy)
    socket, hello, ready = await connect(base, visitor)
    conversation_key = os.urandom(32)
    recipients = staff_from_keyring(base, org_key) + [(key_id(visitor.sign_public), bytes(visitor.box.public_key))]
    wraps = b""
    for recipient_id, box_key in recipients:
        nonce = os.urandom(24)
        wraps += recipient_id + nonce + b.crypto_box(conversation_key, nonce, box_key, bytes(visitor.box))
    opened = visitor.event(1, bytes(visitor.box.public_key) + struct.pack("<H", len(recipients)) + wraps)
    counter = 0
    while True:
        pow_nonce = struct.pack("<Q", counter)
        digest = H(ctx("pow") + unb64u(hello["challenge"]) + visitor.conversation + pow_nonce)
        bits = next((i * 8 + 8 - byte.bit_length() for i, byte in enumerate(digest) if byte), 512)
        if bits >= hello["powBits"]:
            break
        counter += 1
    answer = await request(socket, {"t": "open", "rid": "open", "event": b64u(opened), "pow": b64u(pow_nonce)})
    assert answer["t"] == "ack", answer
    acks = []
    for n, text in enumerate(texts):
        nonce = os.urandom(24)
        event = visitor.event(3, nonce + b.crypto_secretbox(pad(text), nonce, conversation_key))
        answer = await request(socket, {"t": "append", "rid": "m%d" % n, "event": b64u(event)})
        assert answer["t"] == "ack", answer
        acks.append(answer["position"])
    await socket.close(1000)
    return {"conversation": b64u(visitor.conversation), "opened": ready["exists"] is False, "positions": acks}


async def resume(base, entropy):
    visitor = Visitor(entropy)
    socket, _, ready = await connect(base, visitor)
    assert ready["exists"], "the conversation should exist"
    await socket.send(json.dumps({"t": "subscribe", "from": 0}))
    key, history = None, []
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if message["t"] == "live":
            break
        data = unb64u(message["event"])
        (length,) = struct.unpack("<I", data[80:84])
        body, signature = data[:84 + length], data[84 + length:]
        VerifyKey(data[48:80]).verify(ctx("event") + body, signature)
        content = data[84:84 + length]
        if data[4] == 1:  # conversation.opened: find the wrap to myself
            visitor_box = content[:32]
            (count,) = struct.unpack("<H", content[32:34])
            for i in range(count):
                wrap = content[34 + 88 * i: 34 + 88 * (i + 1)]
                if wrap[:16] == key_id(visitor.sign_public):
                    key = b.crypto_box_open(wrap[40:], wrap[16:40], visitor_box, bytes(visitor.box))
        elif data[4] == 3:
            history.append(unpad(b.crypto_secretbox_open(content[24:], content[:24], key)))
    await socket.close(1000)
    return {"conversation": b64u(visitor.conversation), "history": history}


async def transport(base):
    """Breaks each rule of the protocol's "Transport" section once, on a fresh connection, and
    reports the error codes the relay sent and its close code."""
    url = base.replace("http", "ws", 1) + "/v1/ws"

    async def probe(send):
        socket = await websockets.connect(url, max_size=None, open_timeout=OPEN_TIMEOUT)
        assert json.loads(await socket.recv())["t"] == "hello"
        await send(socket)
        errors = []
        try:
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 10))
                if message["t"] == "error":
                    errors.append(message["code"])
        except websockets.ConnectionClosed:
            pass
        return {"errors": errors, "close": socket.close_code}

    limit = 131072
    return {
        # A text frame whose bytes are not UTF-8 (0xFF never is).
        "invalidUTF8": await probe(lambda s: s.write_frame(True, 0x1, b'{"t":"ping","rid":"\xff"}')),
        "oversize": await probe(lambda s: s.send("x" * (limit + 1))),
        # One text message in two frames, together one byte over the limit.
        "fragmented": await probe(lambda s: s.send(["x" * (limit // 2), "x" * (limit // 2 + 1)])),
        "binary": await probe(lambda s: s.send(b"\x01\x02\x03")),
    }


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "open":
        result = asyncio.run(open_conversation(sys.argv[2], unb64u(sys.argv[3]), bytes.fromhex(sys.argv[4]), sys.argv[5:]))
    elif len(sys.argv) == 4 and sys.argv[1] == "resume":
        result = asyncio.run(resume(sys.argv[2], bytes.fromhex(sys.argv[3])))
    elif len(sys.argv) == 3 and sys.argv[1] == "transport":
        result = asyncio.run(transport(sys.argv[2]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
