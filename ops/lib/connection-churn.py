#!/usr/bin/python3
"""Connection churn against a running relay: waves of WebSocket connections opened together and
then closed, with the relay's resident memory after each wave. Memory that grows wave after wave
is held by connections that are gone.

Usage: connection-churn.py BASE_URL RELAY_PID WAVES CONNECTIONS hello|visitor [PAUSE_SECONDS]
  hello    each connection reads the relay's hello and closes
  visitor  each connection authenticates as a new visitor and subscribes to its conversation
PAUSE_SECONDS (default 2) is the wait after each wave's connections closed, before its RSS is read.
Prints one line per wave, then the growth per connection between the first and the last wave.
"""
import asyncio
import json
import os
import resource
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "RelayTests", "Fixtures"))
import visitor_client  # noqa: E402  (the independent protocol client the tests use)
import websockets  # noqa: E402

base, pid, waves, count, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
pause = float(sys.argv[6]) if len(sys.argv) > 6 else 2.0
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 256)), hard))


def rss_kib():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("the relay is gone")


async def connect():
    if mode == "visitor":
        socket, _, _ = await visitor_client.connect(base, visitor_client.Visitor(os.urandom(16)))
        await socket.send(json.dumps({"t": "subscribe", "from": 0}))
        return socket
    socket = await websockets.connect(base.replace("http", "ws", 1) + "/v1/ws")
    await socket.recv()
    return socket


async def main():
    print(f"relay RSS before: {rss_kib() / 1024:.1f} MiB", flush=True)
    after = []
    for wave in range(waves):
        sockets = []
        while len(sockets) < count:
            sockets += await asyncio.gather(*[connect() for _ in range(min(100, count - len(sockets)))])
        held = rss_kib()
        await asyncio.gather(*[socket.close() for socket in sockets])
        await asyncio.sleep(pause)
        after.append(rss_kib())
        print(f"wave {wave + 1}: {count} open {held / 1024:.1f} MiB, all closed {after[-1] / 1024:.1f} MiB", flush=True)
    if waves > 1:
        growth = (after[-1] - after[0]) / ((waves - 1) * count)
        print(f"growth after the first wave: {growth:.2f} KiB per connection opened and closed", flush=True)


asyncio.run(main())
