"""The medical app's one error: it names the field, in Chinese and English."""

from shebao.medical.rules.registration import MedicalRuleError as MedicalError

__all__ = ["MedicalError"]
