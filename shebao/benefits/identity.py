"""Pluggable identity verification for self-service certification.

A provider is a small subclass of ``IdentityVerifier`` registered by name; the
self-service form names the provider it used. The one real provider here,
``register_match``, checks a submitted ID number and name against the register (face
recognition itself is out of scope: a biometric provider plugs in the same way).
"""

from __future__ import annotations

from dataclasses import dataclass

from shebao.register import selectors as register_selectors


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    detail: str  # short, stored with the certification; never personal data


class IdentityVerifier:
    name = ""

    def verify(self, *, person_id: int, id_number: str, name: str) -> VerificationResult:
        raise NotImplementedError


_REGISTRY: dict[str, IdentityVerifier] = {}


def register_verifier(verifier: IdentityVerifier) -> IdentityVerifier:
    if not verifier.name:
        raise ValueError("an identity verifier needs a name")
    _REGISTRY[verifier.name] = verifier
    return verifier


def unregister_verifier(name: str) -> None:
    _REGISTRY.pop(name, None)


def verifier(name: str) -> IdentityVerifier | None:
    return _REGISTRY.get(name)


def verifier_names() -> list[str]:
    return sorted(_REGISTRY)


class RegisterMatch(IdentityVerifier):
    """The submitted ID number and name must be those of the person in the register."""

    name = "register_match"

    def verify(self, *, person_id: int, id_number: str, name: str) -> VerificationResult:
        brief = register_selectors.person_brief(id_number=str(id_number or "").strip().upper())
        if brief is None or brief.id != int(person_id):
            return VerificationResult(ok=False, detail="id_number mismatch")
        if brief.name.strip() != str(name or "").strip():
            return VerificationResult(ok=False, detail="name mismatch")
        if brief.is_deceased:
            return VerificationResult(ok=False, detail="deceased in register")
        return VerificationResult(ok=True, detail="id_number and name match the register")


register_verifier(RegisterMatch())
