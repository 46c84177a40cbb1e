"""The hall's HTTP + WebSocket server: gevent's WSGI server (or Werkzeug's, for debugging) on a listening socket
with TCP_NODELAY.

Why the socket matters: gevent's server sends a response's headers and its body in two writes. With Nagle's
algorithm on, the body waits for the client to acknowledge the headers, and the client delays that
acknowledgement by up to 40 ms — so every keep-alive request (a kiosk issuing tickets, a counter panel calling)
took 40 ms or more, whatever the hall did. Connections accepted from a listener with TCP_NODELAY inherit it
(Linux, BSD, macOS), so small replies and Socket.IO frames leave at once.

Connections are bounded (`server.connections`): a connection that sends nothing for `idle_timeout_s` is closed
(an idle keep-alive, a client that stopped reading); a request's line, headers and body (up to 1 MiB) must arrive
within `request_timeout_s` of its first byte (a "slowloris" that trickles them gets 408 and is closed); at most `max`
connections are served at once — more wait in the listen queue instead of the process running out of open files
("Too many open files" made every kiosk time out at ~1,100 idle connections under a 1,024-file limit). At start the
process raises its open-file limit to the hard limit (systemd's `LimitNOFILE`, docs/deployment.md) and lowers `max`
to fit it if it must.
"""
from __future__ import annotations

import io
import logging
import socket

log = logging.getLogger("motcua.serving")
FILES_KEPT = 256       # open files kept back from connections: the database, logs, fonts, Redis, the hashing pool …
WEBSOCKET_IDLE_S = 60  # a websocket's floor: Engine.IO pings every 25 s and waits 20 s for the answer
BODY_READ_AHEAD = 1 << 20  # bodies up to this size are read in full before the app runs, under the request clock


def listener(host: str, port: int, backlog: int = 1024, make_socket=socket.socket) -> socket.socket:
    """A listening TCP socket whose accepted connections send small writes at once (TCP_NODELAY)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = make_socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def open_files_limit(wanted: int) -> int:
    """Raise this process's soft limit on open files towards its hard limit; return the soft limit now."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-file limit from %d to %d: %s", soft, target, exc)
    return soft


def connection_cap(wanted: int) -> int:
    """How many connections to serve at once: `wanted`, if the open-file limit (raised as far as allowed) has room
    for them beside the files the hall itself keeps open."""
    files = open_files_limit(wanted + FILES_KEPT)
    cap = max(10, min(wanted, files - FILES_KEPT))
    if cap < wanted:
        log.warning("serving at most %d connections, not %d: the open-file limit is %d (raise LimitNOFILE, "
                    "docs/deployment.md)", cap, wanted, files)
    return cap


def gevent_server(sock, app, limits):
    """gevent's WSGI server (with websockets) on `sock`, with `limits` (config `server.connections`) applied."""
    import gevent
    from gevent import pywsgi
    from gevent.pool import Pool
    from geventwebsocket.handler import WebSocketHandler

    class SlowRequest(OSError):
        """The request's line, headers and body did not arrive in time."""

    class Handler(WebSocketHandler):
        _request_due = None

        def handle(self):
            self.socket.settimeout(limits.idle_timeout_s)  # every read and write: no progress for this long → close
            super().handle()

        def handle_one_request(self):
            try:
                return super().handle_one_request()
            except SlowRequest:  # the body, read in get_environ
                return self._handle_client_error(SlowRequest())
            finally:
                self._stop_request_clock()

        def read_requestline(self):
            self.rfile.peek(1)  # waiting for a request to begin: up to the idle timeout
            self._request_due = gevent.Timeout.start_new(limits.request_timeout_s, SlowRequest)
            return super().read_requestline()

        def read_request(self, raw_requestline):
            try:
                return super().read_request(raw_requestline)
            except BaseException:
                self._stop_request_clock()
                raise

        def get_environ(self):
            """The request's body read in full while its clock runs (the app then reads it from memory), so a body
            trickled in never keeps a connection beyond the limit; the clock stops before the app runs."""
            env = super().get_environ()
            try:
                length = self.content_length or 0
                if 0 < length <= BODY_READ_AHEAD and env.get("wsgi.input") is not None:
                    env["wsgi.input"] = io.BytesIO(env["wsgi.input"].read(length))
            finally:
                self._stop_request_clock()
            return env

        def _stop_request_clock(self):
            if self._request_due is not None:
                self._request_due.close()
                self._request_due = None

        def _handle_client_error(self, ex):
            if isinstance(ex, SlowRequest):
                self.close_connection = True
                return ("408", b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            return super()._handle_client_error(ex)

        def upgrade_websocket(self):
            out = super().upgrade_websocket()
            if getattr(self, "websocket", None) is not None:
                self.socket.settimeout(max(limits.idle_timeout_s, WEBSOCKET_IDLE_S))
            return out

    return pywsgi.WSGIServer(sock, app, handler_class=Handler, log=None, spawn=Pool(connection_cap(limits.max)))


def serve(app, socketio, host: str, port: int, async_mode: str):
    """Serve `app` (already wrapped by Flask-SocketIO) until stopped."""
    if async_mode == "gevent":
        from gevent import socket as gevent_socket
        limits = app.extensions["motcua.hall"].cfg.server.connections
        sock = listener(host, port, make_socket=gevent_socket.socket)
        gevent_server(sock, app, limits).serve_forever()
    else:
        from werkzeug.serving import BaseWSGIServer
        original = BaseWSGIServer.server_bind

        def server_bind(server):  # Werkzeug's own socket, with TCP_NODELAY before it listens
            server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            original(server)
        BaseWSGIServer.server_bind = server_bind
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False,
                     log_output=False)
