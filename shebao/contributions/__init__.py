"""Contributions (申报 → 核定 → 征集 → 记录): parameters, wage-base declarations, monthly
assessment, collection, arrears and late fees, personal accounts."""
