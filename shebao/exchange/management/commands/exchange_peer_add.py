"""Register (or update) a peer agency: code, name, base URL and its Ed25519 public key."""

from django.core.management.base import BaseCommand, CommandError

from shebao.exchange import services


class Command(BaseCommand):
    help = "Register a peer agency for signed message exchange."

    def add_arguments(self, parser):
        parser.add_argument("agency_code")
        parser.add_argument("--name", required=True)
        parser.add_argument("--url", required=True, help="base URL, e.g. https://shebao.example.gov.cn")
        parser.add_argument(
            "--public-key",
            required=True,
            help="base64url of the 32-byte Ed25519 public key; write --public-key=KEY (a key may start with '-')",
        )
        parser.add_argument("--status", default="active", choices=["active", "suspended"])

    def handle(self, *args, agency_code, name, url, public_key, status, **options):
        try:
            peer = services.peer_register(actor=None, agency_code=agency_code, name=name, base_url=url,
                                          public_key=public_key, status=status)  # fmt: skip
        except services.ExchangeError as exc:
            raise CommandError(f"{exc.field}: {exc.message_zh} / {exc.message_en}") from None
        self.stdout.write(f"peer {peer.agency_code} {peer.name} {peer.base_url} {peer.status}")
