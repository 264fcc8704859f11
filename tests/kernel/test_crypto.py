import base64

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from shebao.accounts.models import User
from shebao.kernel.crypto import (
    DecryptionError,
    KeyConfigError,
    blind_index,
    decrypt,
    encrypt,
    keyring,
    parse_keyring,
)

K_OLD = base64.b64encode(b"o" * 32).decode()
K_NEW = base64.b64encode(b"n" * 32).decode()
BLIND = base64.b64encode(b"b" * 32).decode()


def test_round_trip_and_key_id_prefix():
    stored = encrypt("11010519491231002X", aad="person.id_number")
    assert stored.startswith(keyring().active_kid + "$")
    assert "11010519491231002X" not in stored
    assert decrypt(stored, aad="person.id_number") == "11010519491231002X"


def test_same_plaintext_encrypts_differently_but_blind_index_is_stable():
    a, b = encrypt("13800138000", aad="person.phone"), encrypt("13800138000", aad="person.phone")
    assert a != b
    assert blind_index("x", purpose="p") == blind_index("x", purpose="p")
    assert blind_index("x", purpose="p") != blind_index("x", purpose="q")


def test_ciphertext_is_bound_to_its_field():
    stored = encrypt("secret", aad="person.phone")
    with pytest.raises(DecryptionError):
        decrypt(stored, aad="person.bank_account")


def test_tampered_ciphertext_is_rejected():
    kid, _, payload = encrypt("secret", aad="f").partition("$")
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(DecryptionError):
        decrypt(f"{kid}${base64.b64encode(bytes(raw)).decode()}", aad="f")


def test_old_key_still_decrypts_after_rotation():
    old_ring = parse_keyring(f"old:{K_OLD}", BLIND)
    stored = old_ring.encrypt("v", aad="f")
    new_ring = parse_keyring(f"new:{K_NEW},old:{K_OLD}", BLIND)
    assert new_ring.decrypt(stored, aad="f") == "v"
    assert new_ring.encrypt("v", aad="f").startswith("new$")
    with pytest.raises(DecryptionError):
        parse_keyring(f"new:{K_NEW}", BLIND).decrypt(stored, aad="f")


@pytest.mark.parametrize(
    "keys,blind",
    [
        ("", BLIND),
        ("nokey", BLIND),
        ("k:notbase64!!", BLIND),
        (f"k:{base64.b64encode(b'short').decode()}", BLIND),
        (f"k:{K_OLD},k:{K_NEW}", BLIND),
        (f"k:{K_OLD}", base64.b64encode(b"short").decode()),
    ],
)
def test_bad_key_configuration_is_refused(keys, blind):
    with pytest.raises(KeyConfigError):
        parse_keyring(keys, blind)


def test_system_check_reports_bad_keys():
    from shebao.kernel.checks import check_configuration

    with override_settings(SHEBAO_DATA_KEYS="broken", SECRET_KEY="short"):
        ids = {e.id for e in check_configuration(None)}
    assert {"shebao.E002", "shebao.E003"} <= ids


@pytest.mark.django_db
def test_rotate_command_reencrypts_under_new_key():
    user = User.objects.create_user("rot", "pw-for-test-only", kind="staff", totp_secret="JBSWY3DPEHPK3PXP")
    from django.conf import settings

    new_keys = f"rot:{K_NEW},{settings.SHEBAO_DATA_KEYS}"
    with override_settings(SHEBAO_DATA_KEYS=new_keys):
        call_command("rotate_data_keys")
        with connection.cursor() as cursor:
            cursor.execute("SELECT totp_secret FROM accounts_user WHERE id = %s", [user.id])
            (raw,) = cursor.fetchone()
        assert raw.startswith("rot$")
        assert User.objects.get(id=user.id).totp_secret == "JBSWY3DPEHPK3PXP"
