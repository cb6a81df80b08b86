"""A local webhook receiver (a thread HTTP server on 127.0.0.1:8161–8169) and settings for it."""

import http.server
import threading
import time

import pytest


class Receiver:
    """Records every request; answers with the queued statuses (then 200), after ``delay`` s."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        self.received = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                try:
                    self.send_response(status)
                    if status in (301, 302, 307):
                        self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"ok" if status < 300 else b"receiver says no")
                except OSError:
                    pass
                receiver.received.set()

            def log_message(self, *args):
                pass

        for port in range(8161, 8170):
            try:
                self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError:
                continue
        else:
            raise RuntimeError("No free receiver port in 8161–8169")
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, *, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.requests) >= count:
                return True
            time.sleep(0.05)
        return False

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local_webhooks(settings):
    """Private addresses and plain http allowed, as a developer's machine needs."""
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2.0
    return settings


@pytest.fixture
def receiver(local_webhooks):
    receiver = Receiver()
    yield receiver
    receiver.close()
