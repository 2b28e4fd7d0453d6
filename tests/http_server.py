"""A local HTTP server on 127.0.0.1 for download tests (never the internet).

``server.files[path] = bytes`` sets what it serves; it honours ``Range: bytes=N-`` with a
206 answer (``server.ranges = False`` makes it ignore Range); ``server.drop_after[path] = n``
makes the next answer for ``path`` announce the full length, send ``n`` bytes and close
the connection. ``server.requests`` lists ``(path, Range header or None)`` of every request.
"""
from __future__ import annotations

import http.server
import threading
from contextlib import contextmanager


@contextmanager
def serve():
    files: dict = {}
    drop_after: dict = {}
    requests: list = []
    options = {"ranges": True}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = files.get(self.path)
            wanted = self.headers.get("Range")
            requests.append((self.path, wanted))
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start = 0
            if wanted and options["ranges"] and wanted.startswith("bytes="):
                start = int(wanted[6:].split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            cut = drop_after.pop(self.path, None)
            self.wfile.write(body[start:] if cut is None else body[start:start + cut])
            if cut is not None:
                self.wfile.flush()
                self.close_connection = True

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.files, httpd.drop_after, httpd.requests = files, drop_after, requests
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"

    def set_ranges(value: bool) -> None:
        options["ranges"] = value
    httpd.set_ranges = set_ranges
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
