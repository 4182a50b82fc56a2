#!/usr/bin/env python3
"""A slow-loris client for the relay's tests: sends the start of an HTTP request head, then one
more header byte every 0.2 s, and reports when the server closed the connection.

Usage: slow_client.py PORT MAX_SECONDS [complete]
With "complete" it sends a whole head at once instead and reports the response's first line.
Prints one JSON line: {"closed": bool, "seconds": s, "sent": n} or {"status": "..."}.
"""
import json
import socket
import sys
import time

port, limit = int(sys.argv[1]), float(sys.argv[2])
sock = socket.create_connection(("127.0.0.1", port), timeout=limit)
if len(sys.argv) > 3 and sys.argv[3] == "complete":
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    data = sock.recv(4096)
    print(json.dumps({"status": data.split(b"\r\n")[0].decode()}))
    sys.exit(0)

started = time.monotonic()
sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
sent = 0
sock.settimeout(0.2)
closed = False
while time.monotonic() - started < limit:
    try:
        data = sock.recv(4096)
        if data == b"":
            closed = True
            break
    except socket.timeout:
        pass
    except OSError:
        closed = True
        break
    try:
        sock.sendall(b"X-Slow: a\r\n"[sent % 11:sent % 11 + 1])
        sent += 1
    except OSError:
        closed = True
        break
print(json.dumps({"closed": closed, "seconds": round(time.monotonic() - started, 2), "sent": sent}))
