"""Brokers for the integration tests besides the private redis-server of
conftest.py: RabbitMQ, in a private virtual host behind a relay that a test
can cut."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import uuid
from contextlib import suppress

from benchmarks.mock_servers import free_port

RABBITMQCTL = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
RABBITMQ_HOST, RABBITMQ_PORT = "127.0.0.1", 5672


class TcpProxy:
    """A TCP relay on a free loopback port to ``target``: stopping it closes
    every relayed connection and refuses new ones, so to its clients the
    server behind it has gone down; starting it again (same port) brings the
    server back, with whatever it kept."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            with suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._open:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


class RabbitMQBroker:
    """A private virtual host on the RabbitMQ server, reached through a
    :class:`TcpProxy`: the test's queues are its own (parallel tests never
    take each other's tasks), and ``stop()`` / ``start()`` take the broker
    away from every client and give it back, messages kept, as a RabbitMQ
    node restart would."""

    kind = "rabbitmq"

    def __init__(self) -> None:
        self.vhost = f"bin-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.proxy = TcpProxy((RABBITMQ_HOST, RABBITMQ_PORT))

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.proxy.port}/{self.vhost}"

    def _ctl(self, *args: str) -> None:
        subprocess.run([RABBITMQCTL, "--quiet", *args], check=True, capture_output=True, timeout=60)

    def create(self) -> None:
        self._ctl("add_vhost", self.vhost)
        self._ctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
        self.proxy.start()

    def delete(self) -> None:
        self.proxy.stop()
        with suppress(subprocess.SubprocessError):
            self._ctl("delete_vhost", self.vhost)

    def stop(self) -> None:
        self.proxy.stop()

    def start(self) -> None:
        self.proxy.start()
