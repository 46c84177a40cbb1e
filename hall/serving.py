"""The hall's HTTP + WebSocket server: gevent's WSGI server (or Werkzeug's, for debugging) on a listening socket
with TCP_NODELAY.

Why the socket matters: gevent's server sends a response's headers and its body in two writes. With Nagle's
algorithm on, the body waits for the client to acknowledge the headers, and the client delays that
acknowledgement by up to 40 ms — so every keep-alive request (a kiosk issuing tickets, a counter panel calling)
took 40 ms or more, whatever the hall did. Connections accepted from a listener with TCP_NODELAY inherit it
(Linux, BSD, macOS), so small replies and Socket.IO frames leave at once.
"""
from __future__ import annotations

import socket


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


def serve(app, socketio, host: str, port: int, async_mode: str):
    """Serve `app` (already wrapped by Flask-SocketIO) until stopped."""
    if async_mode == "gevent":
        from gevent import pywsgi
        from gevent import socket as gevent_socket
        from geventwebsocket.handler import WebSocketHandler
        sock = listener(host, port, make_socket=gevent_socket.socket)
        pywsgi.WSGIServer(sock, app, handler_class=WebSocketHandler, log=None).serve_forever()
    else:
        from werkzeug.serving import BaseWSGIServer
        original = BaseWSGIServer.server_bind

        def server_bind(server):  # Werkzeug's own socket, with TCP_NODELAY before it listens
            server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            original(server)
        BaseWSGIServer.server_bind = server_bind
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False,
                     log_output=False)
