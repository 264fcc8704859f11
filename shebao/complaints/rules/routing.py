"""Complaint categories, where each is routed, and the input limits. Pure: no Django."""

from __future__ import annotations

import enum
import secrets

from shebao.accounts.rules.permissions import Post


class Category(enum.StrEnum):
    SERVICE = "service"  # 服务投诉
    FRAUD = "fraud"  # 欺诈举报（骗取社保基金）
    VIOLATION = "violation"  # 违规举报（单位未参保、少缴等）


CATEGORY_LABELS = {
    Category.SERVICE: ("服务投诉", "complaint about service"),
    Category.FRAUD: ("欺诈举报", "report of fraud"),
    Category.VIOLATION: ("违规举报", "report of a violation"),
}

# Service complaints go to the 审核 post of the region; reports of fraud and violations to
# 稽核 (the inspectors), who investigate employers and benefit claims.
ROUTES: dict[Category, Post] = {
    Category.SERVICE: Post.REVIEWER,
    Category.FRAUD: Post.AUDITOR,
    Category.VIOLATION: Post.AUDITOR,
}

SUBJECT_MAX = 100
BODY_MIN = 10
BODY_MAX = 2000
CONTACT_MAX = 60
REPLY_MAX = 2000
ANONYMOUS_PER_HOUR = 5  # per client address (kept only as a keyed hash)
NAMED_PER_DAY = 20  # per account

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def route(category: Category) -> Post:
    return ROUTES[category]


def new_tracking_code() -> str:
    """``TS`` + 12 characters from a 31-letter alphabet (about 59 random bits)."""
    return "TS" + "".join(secrets.choice(_ALPHABET) for _ in range(12))


def new_secret() -> str:
    """The anonymous complainant's query password: 8 characters (about 40 bits), shown once."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def normalise_tracking_code(raw: object) -> str:
    return "".join(str(raw or "").split()).replace("-", "").upper()[:20]
