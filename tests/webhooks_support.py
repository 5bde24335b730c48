"""A real HTTP server on loopback that receives webhook deliveries (http.server in a thread),
and the signature check exactly as docs/API.md tells a receiver to write it."""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the server got; ``answers``: how to answer the next requests, in turn (a status,
    or a callable taking the handler), then ``default``."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: list = field(default_factory=list)
    default: int = 200

    def events(self) -> list[str]:
        return [r.payload["event"] for r in self.received if r.path == "/hook"]


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            receiver.received.append(Received(self.path, dict(self.headers),
                                              self.rfile.read(length)))
            answer = receiver.answers.pop(0) if receiver.answers else receiver.default
            if callable(answer):
                answer(self)
                return
            self.send_response(answer)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"thanks")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


# -- The receiver's check, as docs/API.md gives it -----------------------------------------
def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False  # too old (or from the future): a replay
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])
# ------------------------------------------------------------------------------------------
