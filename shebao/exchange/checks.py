"""System check: a configured exchange key must parse (ADR 0015)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from shebao.kernel.rules.receipts import SigningKeyError, parse_private_key


@register(Tags.security)  # a configuration check: batch commands run it too
def exchange_key_check(app_configs=None, **kwargs):
    text = settings.SHEBAO_EXCHANGE_KEY
    if not text:
        return []  # exchange disabled: sending refuses with a clear error
    try:
        parse_private_key(text)
    except SigningKeyError as exc:
        return [Error(f"SHEBAO_EXCHANGE_KEY (or SHEBAO_EXCHANGE_KEY_FILE): {exc}", id="shebao.E020")]
    return []
