"""Exchange fixtures: this installation's key (generated per test), a peer with its own
key, and a small real HTTP server standing in for the peer's inbox."""

from __future__ import annotations

import base64
import http.server
import json
import threading

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shebao.exchange import services
from shebao.kernel.rules.receipts import b64url, raw_public

OWN, PEER = "110000", "410100"


def seed_text(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return base64.b64encode(raw).decode()


def public_text(key: Ed25519PrivateKey) -> str:
    return b64url(raw_public(key.public_key()))


@pytest.fixture
def own_key(settings):
    key = Ed25519PrivateKey.generate()
    settings.SHEBAO_EXCHANGE_KEY = seed_text(key)
    settings.SHEBAO_EXCHANGE_AGENCY_CODE = OWN
    return key


@pytest.fixture
def peer_key():
    return Ed25519PrivateKey.generate()


@pytest.fixture
def peer(db, own_key, peer_key):
    return services.peer_register(actor=None, agency_code=PEER, name="郑州市社会保险中心",
                                  base_url="http://127.0.0.1:9", public_key=public_text(peer_key))  # fmt: skip


class PeerServer:
    """A real HTTP server on loopback answering POST /exchange/inbox with ``responses``
    (a list of (status, "ack" | body bytes)); records what it received."""

    def __init__(self, peer_key: Ed25519PrivateKey, own_code: str):
        self.responses: list[tuple[int, object]] = []
        self.received: list[dict] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                document = json.loads(self.rfile.read(length))
                outer.received.append({"path": self.path, "document": document})
                status, reply = outer.responses.pop(0) if outer.responses else (200, "ack")
                if reply == "ack":
                    from django.utils import timezone

                    from shebao.exchange.rules import envelope

                    reply = json.dumps(envelope.ack_sign(key=peer_key, message_id=document["message_id"],
                                                         sender=PEER, recipient=own_code, status="applied",
                                                         acked_at=timezone.now())).encode()  # fmt: skip
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def peer_server(peer, peer_key):
    server = PeerServer(peer_key, OWN)
    services.peer_register(actor=None, agency_code=PEER, name=peer.name, base_url=server.url,
                           public_key=peer.public_key)  # fmt: skip
    yield server
    server.close()
