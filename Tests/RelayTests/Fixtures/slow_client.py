#!/usr/bin/env python3
"""A slow-loris client for the relay's tests: sends the start of an HTTP request head, then one
more header byte every 0.2 s, and reports when the server closed the connection.

Usage: slow_client.py PORT MAX_SECONDS [complete | many N]
With "complete" it sends a whole head at once instead and reports the response's first line; with
"many N" it opens N connections that each send half a head and go quiet, and reports how many the
relay closed within MAX_SECONDS.
Prints one JSON line: {"closed": bool, "seconds": s, "sent": n} or {"status": "..."}.
"""
import json
import resource
import socket
import sys
import time

port, limit = int(sys.argv[1]), float(sys.argv[2])
if len(sys.argv) > 4 and sys.argv[3] == "many":
    # N connections that each send half a request head and then nothing: all must be closed by the relay.
    count = int(sys.argv[4])
    # Thousands of sockets need more descriptors than a default soft limit allows.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < count + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64) if hard != resource.RLIM_INFINITY else count + 64, hard))
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=limit)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
        s.setblocking(False)
        socks.append(s)
    print(json.dumps({"opened": len(socks)}), flush=True)
    started = time.monotonic()
    open_socks = set(range(count))
    while open_socks and time.monotonic() - started < limit:
        for i in list(open_socks):
            try:
                if socks[i].recv(4096) == b"":
                    open_socks.discard(i)
            except BlockingIOError:
                pass
            except OSError:
                open_socks.discard(i)
        time.sleep(0.05)
    print(json.dumps({"closed": count - len(open_socks), "seconds": round(time.monotonic() - started, 2)}))
    sys.exit(0)
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
