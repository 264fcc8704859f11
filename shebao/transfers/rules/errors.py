"""The one error the transfer kernels raise: it names the field, in Chinese and English."""

from shebao.kernel.rules.errors import FieldError


class TransferRuleError(FieldError):
    pass
