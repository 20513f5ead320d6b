"""A webhook receiver for tests: an HTTP server on the lab bridge (198.18.0.1, which every
controller reaches through its eth0). /fail... answers 500, everything else 200; every
POST is recorded with its path, headers and body."""

import http.server
import json
import threading

RECEIVER = "198.18.0.1"


class Receiver:
    """An HTTP server on the lab bridge: /ok answers 200, /fail answers 500; records every POST."""

    def __init__(self):
        self.posts = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.posts.append({"path": self.path, "headers": dict(self.headers), "body": body.decode()})
                self.send_response(500 if self.path.startswith("/fail") else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((RECEIVER, 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://{RECEIVER}:{self.port}{path}"

    def bodies(self, path_prefix):
        return [json.loads(p["body"]) for p in self.posts if p["path"].startswith(path_prefix)]

    def stop(self):
        self.server.shutdown()
