"""The transfers app's one error: it names the field, in Chinese and English."""

from shebao.transfers.rules.errors import TransferRuleError as TransferError

__all__ = ["TransferError"]
