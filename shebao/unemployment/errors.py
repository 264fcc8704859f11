"""The unemployment app's one error: the benefit kernels' error, naming the field (zh/en)."""

from shebao.benefits.rules.errors import BenefitRuleError as UnemploymentError

__all__ = ["UnemploymentError"]
