"""System checks: bad configuration is reported when any command or server starts."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from shebao.config import env

# What a batch command checks before it runs: the configuration (keys, settings: tagged
# security, the exchange key included) and the models, not the URL checks, which import
# every API and page module (≈ 1.8 s of each command's start-up on the 2-core machine).
BATCH_CHECKS = [Tags.security, Tags.models]


@register(Tags.security, deploy=False)
def check_configuration(app_configs, **kwargs):
    errors = [Error(problem, id="shebao.E001") for problem in env.PROBLEMS]
    if not settings.SECRET_KEY or len(settings.SECRET_KEY) < 32:
        errors.append(
            Error(
                "SHEBAO_SECRET_KEY (or SHEBAO_SECRET_KEY_FILE) must be set to at least 32 characters",
                hint="`make run` generates one under var/ for the demo; production sets it from a secret store",
                id="shebao.E002",
            )
        )
    from shebao.kernel.crypto import KeyConfigError, parse_keyring

    try:
        parse_keyring(settings.SHEBAO_DATA_KEYS, settings.SHEBAO_BLIND_INDEX_KEY)
    except KeyConfigError as exc:
        errors.append(
            Error(
                f"personal-data keys are not usable: {exc}",
                hint="set SHEBAO_DATA_KEYS=kid:base64(32 bytes)[,...] and SHEBAO_BLIND_INDEX_KEY=base64(32 bytes), or their *_FILE forms",
                id="shebao.E003",
            )
        )
    city = settings.SHEBAO_CITY_CODE
    if not (len(city) == 6 and city.isdigit()):
        errors.append(Error(f"SHEBAO_CITY_CODE={city!r} is not a 6-digit GB/T 2260 code", id="shebao.E004"))
    return errors


@register(Tags.security, deploy=False)
def check_signing_keys(app_configs, **kwargs):
    """电子签名确认: a missing or unreadable signing key when signing is enabled."""
    from shebao.kernel.signing import signing_configuration_problems

    return [
        Error(
            problem,
            hint="set SHEBAO_SIGNING_KEY=base64(32-byte Ed25519 seed) or SHEBAO_SIGNING_KEY_FILE; "
            "`make run` generates one under var/secrets; SHEBAO_SIGNING_ENABLED=false turns signing off",
            id="shebao.E005",
        )
        for problem in signing_configuration_problems()
    ]
