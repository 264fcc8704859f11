"""电子签名确认: canonical JSON, Ed25519 receipts, key rotation, published keys, the
offline verifier (run as a subprocess) and the public checking page."""

from __future__ import annotations

import base64
import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.checks import run_checks
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shebao.kernel import signing
from shebao.kernel.models import SigningKey
from shebao.kernel.rules.receipts import CanonicalError, key_id_for, raw_public

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "verify_receipt.py"
NOW = dt.datetime(2025, 3, 3, 1, 30, 15, 123456, tzinfo=dt.UTC)


def _seed() -> tuple[str, Ed25519PrivateKey]:
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(seed).decode(), key


def _script_module():
    spec = importlib.util.spec_from_file_location("verify_receipt", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAYLOAD = {
    "case": "SB2025000123",
    "applicant": "张三",
    "amount": Decimal("1234.50"),
    "items": ["养老", "医疗"],
    "effective": dt.date(2025, 4, 1),
    "count": 3,
    "confirmed": True,
    "note": None,
}


# --- canonical form -----------------------------------------------------------------


def test_canonical_json_sorted_compact_utf8_decimal_as_string():
    out = signing.canonical_json({"b": 1, "a": {"z": Decimal("0.10"), "y": "社保"}, "c": [True, None]})
    assert out == '{"a":{"y":"社保","z":"0.10"},"b":1,"c":[true,null]}'.encode()


def test_canonical_json_sorts_keys_by_utf16_code_units():
    # U+1F600 (surrogates D83D…) sorts before U+FF5E in UTF-16, after it in code points.
    out = signing.canonical_json({"\uff5e": 1, "\U0001f600": 2})
    assert out.decode() == '{"\U0001f600":2,"\uff5e":1}'


@pytest.mark.parametrize(
    "bad",
    [
        {"x": 1.5},
        {"x": 2**53},
        {1: "int key"},
        {"x": dt.datetime(2025, 1, 1, 12, 0)},  # naive
        {"x": Decimal("NaN")},
        {"x": {1, 2}},
        {"x": "\ud800"},
    ],
)
def test_canonical_json_refuses_values_without_a_canonical_form(bad):
    with pytest.raises(CanonicalError):
        signing.canonical_json(bad)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6), children, max_size=4
        )
    ),
    max_leaves=12,
)


@hsettings(max_examples=150, deadline=None)
@given(json_values)
def test_canonical_form_is_stable_and_matches_the_offline_script(value):
    out = signing.canonical_json(value)
    # stable under a JSON round trip and under key reordering
    assert signing.canonical_json(json.loads(out)) == out
    if isinstance(value, dict):
        assert signing.canonical_json(dict(reversed(list(value.items())))) == out
    # the standalone verifier computes the same bytes
    assert _script_module().canonical_json(json.loads(out)) == out


# --- receipts -----------------------------------------------------------------------


@pytest.fixture
def keyed(settings):
    """A fresh active key per test."""
    seed, key = _seed()
    settings.SHEBAO_SIGNING_KEY = seed
    settings.SHEBAO_SIGNING_PUBLIC_KEYS = ""
    return key


@pytest.mark.django_db
def test_receipt_round_trip(keyed):
    receipt = signing.receipt_issue(purpose="hall.case_confirm", payload=PAYLOAD, now=NOW)
    assert set(receipt) == {"purpose", "payload", "signed_at", "key_id", "alg", "signature"}
    assert receipt["alg"] == "Ed25519"
    assert receipt["key_id"] == key_id_for(keyed.public_key()) == signing.active_key_id()
    assert len(receipt["key_id"]) == 16
    assert receipt["signed_at"] == "2025-03-03T09:30:15+08:00"  # local time, offset shown
    assert receipt["payload"]["amount"] == "1234.50"
    assert receipt["payload"]["effective"] == "2025-04-01"
    assert "=" not in receipt["signature"]
    assert signing.receipt_verify(receipt)
    # survives serialisation to a file and back
    assert signing.receipt_verify(json.loads(json.dumps(receipt, ensure_ascii=False)))
    # and verifies against the published document alone
    assert signing.receipt_verify(receipt, public_keys=signing.published_keys_document())
    assert SigningKey.objects.filter(pk=receipt["key_id"]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: r["payload"].__setitem__("amount", "1234.51"),
        lambda r: r["payload"].__setitem__("extra", 1),
        lambda r: r.__setitem__("purpose", "hall.other"),
        lambda r: r.__setitem__("signed_at", "2025-03-04T09:30:15+08:00"),
        lambda r: r.__setitem__(
            "signature", r["signature"][:-2] + ("AA" if r["signature"][-2:] != "AA" else "BB")
        ),
        lambda r: r.__setitem__("signature", "not base64!"),
        lambda r: r.__setitem__("key_id", "0" * 16),
        lambda r: r.__setitem__("alg", "HS256"),
        lambda r: r.pop("signed_at"),
        lambda r: r.__setitem__("extra", "x"),
        lambda r: r["payload"].__setitem__("amount", 1234.5),
    ],
)
def test_tampered_receipts_fail(keyed, tamper):
    receipt = signing.receipt_issue(purpose="hall.case_confirm", payload=PAYLOAD, now=NOW)
    tamper(receipt)
    assert signing.receipt_verify(receipt) is False


@pytest.mark.django_db
def test_a_key_id_pointing_at_another_published_key_fails(keyed, settings):
    receipt = signing.receipt_issue(purpose="p", payload={"a": 1}, now=NOW)
    _, other = _seed()
    other_kid = key_id_for(other.public_key())
    forged = {**receipt, "key_id": other_kid}
    assert not signing.receipt_verify(forged, public_keys=[other.public_key(), keyed.public_key()])
    # a keys map whose id lies about the key is not trusted either
    assert not signing.receipt_verify(forged, public_keys={other_kid: keyed.public_key()})


@pytest.mark.django_db
def test_a_signature_by_an_unpublished_key_fails(keyed):
    stranger = Ed25519PrivateKey.generate()
    from shebao.kernel.rules.receipts import receipt_sign

    forged = receipt_sign(private_key=stranger, purpose="p", payload={"a": 1}, signed_at=NOW)
    assert not signing.receipt_verify(forged)
    assert signing.receipt_verify(forged, public_keys=[raw_public(stranger.public_key())])


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [None, [], "x", {"purpose": "p"}, {"payload": 1}])
def test_malformed_input_is_false_not_an_exception(keyed, bad):
    assert signing.receipt_verify(bad) is False


@pytest.mark.django_db
def test_issue_refuses_floats_and_naive_time(keyed):
    with pytest.raises(CanonicalError):
        signing.receipt_issue(purpose="p", payload={"amount": 1.5}, now=NOW)
    with pytest.raises(CanonicalError):
        signing.receipt_issue(purpose="p", payload={}, now=dt.datetime(2025, 1, 1))  # noqa: DTZ001
    with pytest.raises(CanonicalError):
        signing.receipt_issue(purpose="", payload={}, now=NOW)


@pytest.mark.django_db
def test_rotation_old_receipts_verify_with_the_old_published_key(settings):
    old_seed, old_key = _seed()
    new_seed, _ = _seed()
    settings.SHEBAO_SIGNING_KEY = old_seed
    old_receipt = signing.receipt_issue(purpose="p", payload={"n": 1}, now=NOW)

    # rotate, listing the old public key as retired
    settings.SHEBAO_SIGNING_KEY = new_seed
    settings.SHEBAO_SIGNING_PUBLIC_KEYS = base64.b64encode(raw_public(old_key.public_key())).decode()
    new_receipt = signing.receipt_issue(purpose="p", payload={"n": 2}, now=NOW)
    assert new_receipt["key_id"] != old_receipt["key_id"]
    assert signing.receipt_verify(old_receipt) and signing.receipt_verify(new_receipt)
    doc = signing.published_keys_document()
    status = {k["kid"]: k["status"] for k in doc["keys"]}
    assert status == {new_receipt["key_id"]: "active", old_receipt["key_id"]: "retired"}
    assert doc["keys"][0]["kid"] == new_receipt["key_id"]

    # forgot to list it: the registry still publishes the key that signed
    settings.SHEBAO_SIGNING_PUBLIC_KEYS = ""
    assert signing.receipt_verify(old_receipt)
    # a key that never signed and is not listed is not published
    SigningKey.objects.filter(pk=old_receipt["key_id"]).delete()
    assert not signing.receipt_verify(old_receipt)
    assert signing.receipt_verify(old_receipt, public_keys=[old_key.public_key()])


@pytest.mark.django_db
def test_pem_private_key_is_accepted(settings):
    key = Ed25519PrivateKey.generate()
    settings.SHEBAO_SIGNING_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    receipt = signing.receipt_issue(purpose="p", payload={}, now=NOW)
    assert receipt["key_id"] == key_id_for(key.public_key())
    assert signing.receipt_verify(receipt)


def _signing_errors():
    return [e for e in run_checks() if e.id == "shebao.E005"]


@pytest.mark.parametrize(
    "value", ["", "bm90IDMyIGJ5dGVz", "%%%", "-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----"]
)
def test_system_check_reports_a_missing_or_bad_key(settings, value):
    settings.SHEBAO_SIGNING_KEY = value
    errors = _signing_errors()
    assert len(errors) == 1 and "SHEBAO_SIGNING_KEY" in errors[0].msg


def test_system_check_passes_with_the_test_key_and_when_disabled(settings):
    assert _signing_errors() == []
    settings.SHEBAO_SIGNING_KEY = ""
    settings.SHEBAO_SIGNING_ENABLED = False
    assert _signing_errors() == []
    settings.SHEBAO_SIGNING_PUBLIC_KEYS = "c2hvcnQ="
    assert "SHEBAO_SIGNING_PUBLIC_KEYS" in _signing_errors()[0].msg


def test_signing_key_file_is_read_from_the_environment(tmp_path):
    """SHEBAO_SIGNING_KEY_FILE works like the other *_FILE secrets (fresh interpreter)."""
    seed, key = _seed()
    key_file = tmp_path / "signing_key"
    key_file.write_text(seed + "\n", encoding="utf-8")
    env = {
        **os.environ,
        "SHEBAO_SIGNING_KEY_FILE": str(key_file),
        "DJANGO_SETTINGS_MODULE": "shebao.config.test_settings",
    }
    env.pop("SHEBAO_SIGNING_KEY", None)
    code = "import django; django.setup(); from shebao.kernel.signing import active_key_id; print(active_key_id())"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == key_id_for(key.public_key())


# --- published keys, offline verifier, public page ----------------------------------------


@pytest.mark.django_db
def test_offline_script_verifies_and_rejects(keyed, client, tmp_path):
    receipt = signing.receipt_issue(purpose="hall.case_confirm", payload=PAYLOAD, now=NOW)
    keys = client.get("/.well-known/shebao-signing-keys.json")
    assert keys.status_code == 200 and keys["Content-Type"].startswith("application/json")
    (tmp_path / "keys.json").write_bytes(keys.content)
    (tmp_path / "receipt.json").write_text(json.dumps(receipt, ensure_ascii=False), encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": ""}  # no project on the path

    def run(name: str):
        return subprocess.run(
            [sys.executable, "-I", str(SCRIPT), str(tmp_path / name), str(tmp_path / "keys.json")],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )

    ok = run("receipt.json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("VALID")
    receipt["payload"]["amount"] = "9999.00"
    (tmp_path / "forged.json").write_text(json.dumps(receipt, ensure_ascii=False), encoding="utf-8")
    bad = run("forged.json")
    assert bad.returncode == 1 and bad.stdout.startswith("INVALID")
    assert run("missing.json").returncode == 2


@pytest.mark.django_db
def test_public_page_checks_pasted_and_uploaded_receipts(keyed, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    receipt = signing.receipt_issue(purpose="hall.case_confirm", payload=PAYLOAD, now=NOW)
    page = client.get("/receipts/verify/")
    assert page.status_code == 200 and "电子签名回执核验" in page.content.decode()

    ok = client.post("/receipts/verify/", {"text": json.dumps(receipt, ensure_ascii=False)})
    body = ok.content.decode()
    assert 'data-result="valid"' in body and "SB2025000123" in body

    receipt["payload"]["applicant"] = "李四"
    bad = client.post("/receipts/verify/", {"text": json.dumps(receipt, ensure_ascii=False)})
    assert 'data-result="invalid"' in bad.content.decode()

    receipt["payload"]["applicant"] = "张三"
    upload = SimpleUploadedFile("r.json", json.dumps(receipt).encode(), content_type="application/json")
    assert 'data-result="valid"' in client.post("/receipts/verify/", {"file": upload}).content.decode()

    empty = client.post("/receipts/verify/", {"text": ""}).content.decode()
    assert "请粘贴回执内容或上传回执文件" in empty
    junk = client.post("/receipts/verify/", {"text": "{not json"}).content.decode()
    assert "内容不是有效的JSON回执" in junk
