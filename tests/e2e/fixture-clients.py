#!/usr/bin/env python3
"""fixture-clients.py: unlucky and hostile TCP clients for the fixture's limit
tests (tests/e2e/fixture-limits.sh) and the parallel clients of the thread
tests (tests/e2e/fixture.sh); standard library only.

  slow PORT TEXT [--every S] [--give-up S]
      send TEXT one byte every S seconds (a header that never ends); print
      "closed after T s: FIRST-LINE" once the server closes, or "still open
      after T s"
  idle PORT TEXT [--give-up S]
      send TEXT (one request), read the answer, then wait for the server to
      close the idle connection: "closed after T s" or "still open after T s"
  hold PORT N TEXT READY
      open N connections, send TEXT on each and read one answer (so each is
      surely accepted; TEXT "-" sends nothing), write how many to READY, then
      keep them open until killed
  line PORT TEXT
      send TEXT, print the first line of the answer
  first PORT
      connect, send nothing, print the first line the server sends ("EOF"
      if none) and whether it then closed
  flood PORT TEXT READY [--seconds S] [--max-mb M] [--mb-per-s R]
      send TEXT over and over (at R MiB/s at most) without ever reading, for
      S seconds or M MiB,
      write "sent N bytes" to READY, then keep the connection open until
      killed
  pipeline PORT TEXT MARKER [--mb M] [--read-after S]
      send M MiB of TEXT back to back while reading nothing for S seconds,
      then read until every request has its answer (counted by MARKER);
      print "answered N of M"
  parallel PORT PATH [--connections C] [--requests R] [--header 'N: v']
           [--post-first PATH2]
      (POST PATH2 first, e.g. /admin/stall?for=1s, then) C threads, each R
      GET requests over its own keep-alive connection;
      print "status count" lines (e.g. "200 400"), then the elapsed times'
      minimum in ms ("min_ms 0.4")
"""
import argparse
import http.client
import os
import select
import socket
import sys
import threading
import time


def unescape(text):
    """The bytes of TEXT with \\r, \\n and friends as in a C string."""
    return text.encode().decode("unicode_escape").encode()


def connect(port, timeout=10):
    """A TCP connection to the fixture on loopback."""
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def first_line(data):
    """The first line of an answer, without its line end."""
    return data.split(b"\n")[0].decode(errors="replace").rstrip("\r")


def wait_closed(sock, give_up):
    """Read until EOF or give_up seconds; (closed, first_line)."""
    data = b""
    end = time.monotonic() + give_up
    while time.monotonic() < end:
        r, _, _ = select.select([sock], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return True, first_line(data)
        if not chunk:
            return True, first_line(data)
        data += chunk
    return False, first_line(data)


def ready_then_hold(path, text):
    """Tell the test we are ready (TEXT in PATH), then keep every socket open
    until killed."""
    with open(path, "w") as f:
        f.write(text + "\n")
    while True:
        time.sleep(3600)


def cmd_slow(a):
    """A client whose header never ends."""
    sock = connect(a.port)
    t0 = time.monotonic()
    text = unescape(a.text)
    i = 0
    while time.monotonic() - t0 < a.give_up:
        try:
            if i < len(text):
                sock.send(text[i:i + 1])
                i += 1
        except (BrokenPipeError, ConnectionResetError):
            closed, line = True, ""
            break
        closed, line = wait_closed(sock, a.every)
        if closed:
            break
    t = time.monotonic() - t0
    print(f"closed after {t:.1f} s: {line or 'no answer'}" if closed else f"still open after {t:.1f} s")


def cmd_idle(a):
    """A client that sends one request, then nothing."""
    sock = connect(a.port)
    sock.sendall(unescape(a.text))
    sock.settimeout(5)
    sock.recv(65536)
    t0 = time.monotonic()
    closed, _ = wait_closed(sock, a.give_up)
    t = time.monotonic() - t0
    print(f"closed after {t:.1f} s" if closed else f"still open after {t:.1f} s")


def cmd_hold(a):
    """N connections kept open, each answered once."""
    socks = []
    for _ in range(a.n):
        try:
            s = connect(a.port, timeout=5)
        except OSError as e:
            print(f"connect failed: {e}", flush=True)
            break
        if a.text != "-":
            s.sendall(unescape(a.text))
            s.recv(65536)
        socks.append(s)
    ready_then_hold(a.ready, f"{len(socks)}")


def cmd_line(a):
    """One request, the first line of its answer."""
    sock = connect(a.port, timeout=5)
    sock.sendall(unescape(a.text))
    data = b""
    while b"\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    print(data.split(b"\n")[0].decode(errors="replace").rstrip("\r") or "EOF")


def cmd_first(a):
    """What a connection that sends nothing receives."""
    sock = connect(a.port)
    closed, line = wait_closed(sock, 5)
    print(f"{line or 'EOF'} ({'closed' if closed else 'open'})")


def cmd_flood(a):
    """Pipelined requests, never a byte read."""
    sock = connect(a.port)
    sock.setblocking(False)
    chunk = unescape(a.text) * 1000
    sent, t0, limit = 0, time.monotonic(), a.max_mb << 20
    while time.monotonic() - t0 < a.seconds and sent < limit:
        if a.mb_per_s and sent > a.mb_per_s * (1 << 20) * (time.monotonic() - t0):
            time.sleep(0.005)
            continue
        _, w, _ = select.select([], [sock], [], 0.2)
        if w:
            try:
                sent += sock.send(chunk)
            except BlockingIOError:
                pass
            except OSError as e:
                print(f"flood: {e}", file=sys.stderr)
                break
    ready_then_hold(a.ready, f"sent {sent} bytes")


def cmd_pipeline(a):
    """A fast pipelining client that reads late: it must get every answer."""
    sock = connect(a.port, timeout=30)
    one, marker = unescape(a.text), unescape(a.marker)
    n = max(1, (a.mb << 20) // len(one))
    err = []

    def writer():
        try:
            sock.sendall(one * n)
        except OSError as e:
            err.append(str(e))

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(a.read_after)
    got, tail, end = 0, b"", time.monotonic() + 30
    while got < n and time.monotonic() < end:
        try:
            chunk = sock.recv(1 << 20)
        except OSError as e:
            err.append(str(e))
            break
        if not chunk:
            break
        data = tail + chunk
        got += data.count(marker)
        tail = data[-(len(marker) - 1):] if len(marker) > 1 else b""
    t.join(timeout=5)
    print(f"answered {got} of {n}" + (f" ({err[0]})" if err else ""))


def cmd_parallel(a):
    """Many keep-alive connections at once, each on its own thread."""
    counts, lock, mins = {}, threading.Lock(), []
    headers = dict(h.split(": ", 1) for h in a.header)

    def one():
        c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10)
        best = 1e9
        for _ in range(a.requests):
            t = time.perf_counter()
            c.request("GET", a.path, headers=headers)
            r = c.getresponse()
            r.read()
            best = min(best, time.perf_counter() - t)
            with lock:
                counts[r.status] = counts.get(r.status, 0) + 1
        c.close()
        with lock:
            mins.append(best)

    if a.post_first:
        c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10)
        c.request("POST", a.post_first)
        c.getresponse().read()
        c.close()
    threads = [threading.Thread(target=one) for _ in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for status in sorted(counts):
        print(status, counts[status])
    print(f"min_ms {min(mins) * 1e3:.1f}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("slow")
    s.add_argument("port", type=int)
    s.add_argument("text")
    s.add_argument("--every", type=float, default=1.0)
    s.add_argument("--give-up", type=float, default=8.0)
    s = sub.add_parser("idle")
    s.add_argument("port", type=int)
    s.add_argument("text")
    s.add_argument("--give-up", type=float, default=8.0)
    s = sub.add_parser("hold")
    s.add_argument("port", type=int)
    s.add_argument("n", type=int)
    s.add_argument("text")
    s.add_argument("ready")
    s = sub.add_parser("line")
    s.add_argument("port", type=int)
    s.add_argument("text")
    s = sub.add_parser("first")
    s.add_argument("port", type=int)
    s = sub.add_parser("flood")
    s.add_argument("port", type=int)
    s.add_argument("text")
    s.add_argument("ready")
    s.add_argument("--seconds", type=float, default=3.0)
    s.add_argument("--max-mb", type=int, default=64)
    s.add_argument("--mb-per-s", type=float, default=0)
    s = sub.add_parser("pipeline")
    s.add_argument("port", type=int)
    s.add_argument("text")
    s.add_argument("marker")
    s.add_argument("--mb", type=int, default=8)
    s.add_argument("--read-after", type=float, default=1.0)
    s = sub.add_parser("parallel")
    s.add_argument("port", type=int)
    s.add_argument("path")
    s.add_argument("--connections", type=int, default=8)
    s.add_argument("--requests", type=int, default=10)
    s.add_argument("--header", action="append", default=[])
    s.add_argument("--post-first", default="")
    a = p.parse_args()
    {"slow": cmd_slow, "idle": cmd_idle, "hold": cmd_hold, "line": cmd_line, "first": cmd_first, "flood": cmd_flood, "pipeline": cmd_pipeline,
     "parallel": cmd_parallel}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
