"""The benefits app's one error: it names the field, in Chinese and English."""

from shebao.benefits.rules.errors import BenefitRuleError as BenefitError

__all__ = ["BenefitError"]
