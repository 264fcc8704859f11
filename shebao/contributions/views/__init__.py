"""Contribution pages: employer portal (申报、账单), citizen portal (缴费记录), staff back office (核定、参数)."""
