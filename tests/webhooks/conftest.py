"""A real HTTP receiver on loopback that checks every notice's signature with
the standardwebhooks package, as a receiving system would."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from webhooks.services.endpoints import webhook_endpoint_create


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    payload: dict | None  # None: the signature did not verify
    error: str = ""


@dataclass
class Receiver:
    """``answers``: statuses to give, one per request, then ``default``.
    ``secret``: what signatures are checked against (set after registering)."""

    secret: str = ""
    answers: list[int] = field(default_factory=list)
    default: int = 204
    body: bytes = b""
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    url: str = ""
    server: object = None

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        try:
            payload = Webhook(self.secret).verify(body, headers)
            error = ""
        except WebhookVerificationError as exc:
            payload, error = None, str(exc)
        self.received.append(Received(headers=headers, body=body, payload=payload, error=error))
        if self.delay:
            time.sleep(self.delay)
        status = self.answers.pop(0) if self.answers else self.default
        handler.send_response(status)
        if status in (301, 302):
            handler.send_header("Location", "http://127.0.0.1:9/elsewhere")
        handler.send_header("Content-Length", str(len(self.body)))
        handler.end_headers()
        if self.body:
            # The platform reads only the start and hangs up.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                handler.wfile.write(self.body)

    @property
    def payloads(self) -> list[dict]:
        assert all(r.payload is not None for r in self.received), [r.error for r in self.received]
        return [r.payload for r in self.received]

    def types(self) -> list[str]:
        return [json.loads(r.body)["type"] for r in self.received]


def _self_signed(tmp_path):
    """A certificate for 127.0.0.1 and localhost, and its key, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_receiver(receiver, tmp_path, settings):
    """The receiver behind TLS, with a certificate the platform trusts through
    ``WEBHOOKS_CA_BUNDLE`` (production uses certifi's bundle)."""
    import ssl

    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = receiver.server
    server.socket = context.wrap_socket(server.socket, server_side=True)
    settings.WEBHOOKS_CA_BUNDLE = str(cert_file)
    receiver.url = receiver.url.replace("http://", "https://")
    return receiver


@contextlib.contextmanager
def receiver_running():
    """A receiver listening on a free loopback port until the block ends."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            state.handle(self)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/bin"
    state.server = server
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver():
    with receiver_running() as state:
        yield state


@pytest.fixture
def endpoint_for(receiver):
    """Register an endpoint of ``zone`` at the receiver (all events by default)."""

    def make(zone, user, events=None, url=None):
        from webhooks.models import Event

        endpoint, secret = webhook_endpoint_create(
            created_by=user,
            police_zone=zone,
            url=url or receiver.url,
            description="Dispatch",
            events=events or list(Event.values),
        )
        receiver.secret = secret
        return endpoint

    return make
