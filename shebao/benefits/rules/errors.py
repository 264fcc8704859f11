"""The one error the benefit kernels raise: it names the field, in Chinese and English."""

from __future__ import annotations

from shebao.kernel.rules.errors import FieldError


class BenefitRuleError(FieldError):
    pass
