"""The server's listening socket: accepted connections send small replies at once (TCP_NODELAY).

Without it gevent's server sent each response's headers and body in two writes and Nagle's algorithm held the body
until the client's delayed acknowledgement — 40 ms added to every keep-alive request (bench/issue.py: 21 → 270
requests/s for one kiosk)."""
import socket

from hall.serving import listener


def test_accepted_connections_have_tcp_nodelay():
    server = listener("127.0.0.1", 0)
    try:
        client = socket.create_connection(server.getsockname()[:2], timeout=5)
        accepted, _ = server.accept()
        with client, accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        server.close()


def test_a_taken_port_is_an_error_and_leaves_no_socket_open():
    taken = listener("127.0.0.1", 0)
    try:
        opened = []

        def make_socket(*args):
            opened.append(socket.socket(*args))
            return opened[-1]
        taken_port = taken.getsockname()[1]
        try:
            listener("127.0.0.1", taken_port, make_socket=make_socket)
        except OSError as exc:
            assert exc.errno is not None
        else:
            raise AssertionError("binding a port that is listening should fail")
        assert opened and opened[0].fileno() == -1  # closed
    finally:
        taken.close()
