"""System checks: bad configuration is reported when any command or server starts."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from shebao.config import env


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
