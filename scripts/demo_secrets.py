"""Generate demo-only secrets into a folder (once). Never used in production:
there the secret key and data keys come from the environment or *_FILE paths."""

import base64
import os
import secrets
import sys
from pathlib import Path

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "var/secrets")
folder.mkdir(parents=True, exist_ok=True)
os.chmod(folder, 0o700)
files = {
    "secret_key": lambda: secrets.token_urlsafe(50),
    "data_keys": lambda: "demo1:" + base64.b64encode(os.urandom(32)).decode(),
    "blind_index_key": lambda: base64.b64encode(os.urandom(32)).decode(),
    # Ed25519 seed for signed receipts (电子签名确认)
    "signing_key": lambda: base64.b64encode(os.urandom(32)).decode(),
    # Ed25519 seed signing the messages sent to other agencies (ADR 0015)
    "exchange_key": lambda: base64.b64encode(os.urandom(32)).decode(),
}
for name, make in files.items():
    path = folder / name
    if not path.exists():
        path.write_text(make() + "\n", encoding="utf-8")
        os.chmod(path, 0o600)
        print(f"generated demo secret {path}")
