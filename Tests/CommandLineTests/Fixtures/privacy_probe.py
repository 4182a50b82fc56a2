#!/usr/bin/env python3
"""Talks to a relay from a client address, user agent and cookie that the privacy scan then looks
for in the relay's files and logs (none may appear there).

Usage: privacy_probe.py PORT SOURCE_ADDRESS USER_AGENT COOKIE
Sends GET /health, /v1/keyring, /v1/deployment, / and a WebSocket upgrade request, each from
SOURCE_ADDRESS (any 127.x.y.z: all of 127/8 is this machine on Linux), with those headers.
Prints one JSON line: {"statuses": [...]}.
"""
import base64
import json
import os
import socket
import sys

port, source, agent, cookie = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


def request(path, extra=""):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    head = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: {agent}\r\nCookie: {cookie}\r\n"
            f"X-Forwarded-For: {source}\r\n{extra}{'' if extra else 'Connection: close' + chr(13) + chr(10)}\r\n")
    sock.sendall(head.encode())
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if extra and b"\r\n\r\n" in data:
                break
    except socket.timeout:
        pass
    sock.close()
    return data.split(b"\r\n", 1)[0].decode(errors="replace")


key = base64.b64encode(os.urandom(16)).decode()
statuses = [request(path) for path in ("/health", "/v1/keyring", "/v1/deployment", "/", "/no-such-page")]
statuses.append(request("/v1/ws", f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"))
print(json.dumps({"statuses": statuses}))
