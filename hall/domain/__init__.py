"""The queue's rules in plain Python: no Flask, no SQL, no sockets."""
