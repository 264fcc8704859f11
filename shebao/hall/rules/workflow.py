"""Case workflow: states, transitions and who may make them. Pure: no Django.

    draft ──submit──▶ submitted ──accept──▶ accepted ──approve──▶ approved   (办结·准予)
                        │  │                   │  │ └──refuse──▶ refused     (办结·不予)
                        │  └─reject_intake──▶ rejected (不予受理)
                        │                      │  └─review (sensitive)──▶ reviewed ──recheck──▶ approved | refused
                        └──return──▶ returned ◀──return──┘                    │
                                        └──resubmit──▶ submitted ◀────────────┘ (return from 复核 too)

Final states: approved, refused, rejected, withdrawn. Instant items (参保证明) never make a
case; a loss report (挂失) applies its immediate effect at submission and then follows
the same workflow.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CaseStatus(enum.StrEnum):
    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 已提交，待受理
    ACCEPTED = "accepted"  # 已受理，待审核
    REVIEWED = "reviewed"  # 审核通过，待复核
    RETURNED = "returned"  # 退回补正
    REJECTED = "rejected"  # 不予受理
    APPROVED = "approved"  # 办结（准予）
    REFUSED = "refused"  # 办结（不予批准）
    WITHDRAWN = "withdrawn"  # 申请人撤回

    @property
    def label_zh(self) -> str:
        return STATUS_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return STATUS_LABELS[self][1]

    @property
    def is_final(self) -> bool:
        return self in FINAL


STATUS_LABELS: dict[CaseStatus, tuple[str, str]] = {
    CaseStatus.DRAFT: ("草稿", "draft"),
    CaseStatus.SUBMITTED: ("已提交，待受理", "submitted, awaiting intake"),
    CaseStatus.ACCEPTED: ("已受理，审核中", "accepted, under review"),
    CaseStatus.REVIEWED: ("审核通过，复核中", "reviewed, awaiting second check"),
    CaseStatus.RETURNED: ("退回补正", "returned for correction"),
    CaseStatus.REJECTED: ("不予受理", "not accepted"),
    CaseStatus.APPROVED: ("已办结（准予）", "completed (approved)"),
    CaseStatus.REFUSED: ("已办结（不予批准）", "completed (refused)"),
    CaseStatus.WITHDRAWN: ("已撤回", "withdrawn"),
}

FINAL = frozenset({CaseStatus.APPROVED, CaseStatus.REFUSED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN})
OPEN_FOR_STAFF = (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.REVIEWED)


class Action(enum.StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    REJECT_INTAKE = "reject_intake"
    RETURN = "return"
    RESUBMIT = "resubmit"
    REVIEW = "review"
    APPROVE = "approve"
    REFUSE = "refuse"
    RECHECK_APPROVE = "recheck_approve"
    RECHECK_REFUSE = "recheck_refuse"
    WITHDRAW = "withdraw"

    @property
    def label_zh(self) -> str:
        return ACTION_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return ACTION_LABELS[self][1]


ACTION_LABELS: dict[Action, tuple[str, str]] = {
    Action.SUBMIT: ("提交申请", "submitted"),
    Action.ACCEPT: ("受理", "accepted"),
    Action.REJECT_INTAKE: ("不予受理", "not accepted"),
    Action.RETURN: ("退回补正", "returned for correction"),
    Action.RESUBMIT: ("补正后重新提交", "resubmitted"),
    Action.REVIEW: ("审核通过，提交复核", "reviewed, passed to second check"),
    Action.APPROVE: ("审核通过，办结", "approved"),
    Action.REFUSE: ("审核不通过，办结", "refused"),
    Action.RECHECK_APPROVE: ("复核通过，办结", "second check passed, approved"),
    Action.RECHECK_REFUSE: ("复核不通过，办结", "second check failed, refused"),
    Action.WITHDRAW: ("申请人撤回", "withdrawn by the applicant"),
}


class Role(enum.StrEnum):
    """Who performs an action; the engine maps staff roles to permissions."""

    APPLICANT = "applicant"
    INTAKE = "intake"  # 受理 (Perm.CASE_ACCEPT)
    REVIEW = "review"  # 审核 (Perm.CASE_REVIEW)
    RECHECK = "recheck"  # 复核 (Perm.CASE_RECHECK), never the person who reviewed


@dataclass(frozen=True)
class Rule:
    sources: tuple[CaseStatus, ...]
    target: CaseStatus
    role: Role
    needs_comment: bool = False


RULES: dict[Action, Rule] = {
    Action.SUBMIT: Rule((CaseStatus.DRAFT,), CaseStatus.SUBMITTED, Role.APPLICANT),
    Action.ACCEPT: Rule((CaseStatus.SUBMITTED,), CaseStatus.ACCEPTED, Role.INTAKE),
    Action.REJECT_INTAKE: Rule((CaseStatus.SUBMITTED,), CaseStatus.REJECTED, Role.INTAKE, needs_comment=True),
    Action.RETURN: Rule(
        (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.REVIEWED),
        CaseStatus.RETURNED,
        Role.INTAKE,
        needs_comment=True,
    ),
    Action.RESUBMIT: Rule((CaseStatus.RETURNED,), CaseStatus.SUBMITTED, Role.APPLICANT),
    Action.REVIEW: Rule((CaseStatus.ACCEPTED,), CaseStatus.REVIEWED, Role.REVIEW),
    Action.APPROVE: Rule((CaseStatus.ACCEPTED,), CaseStatus.APPROVED, Role.REVIEW),
    Action.REFUSE: Rule((CaseStatus.ACCEPTED,), CaseStatus.REFUSED, Role.REVIEW, needs_comment=True),
    Action.RECHECK_APPROVE: Rule((CaseStatus.REVIEWED,), CaseStatus.APPROVED, Role.RECHECK),
    Action.RECHECK_REFUSE: Rule((CaseStatus.REVIEWED,), CaseStatus.REFUSED, Role.RECHECK, needs_comment=True),
    Action.WITHDRAW: Rule(
        (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.RETURNED), CaseStatus.WITHDRAWN, Role.APPLICANT
    ),
}

# 退回补正 from 审核 or 复核 is done by the post handling that stage.
RETURN_ROLE_BY_SOURCE = {
    CaseStatus.SUBMITTED: Role.INTAKE,
    CaseStatus.ACCEPTED: Role.REVIEW,
    CaseStatus.REVIEWED: Role.RECHECK,
}


class TransitionRefused(ValueError):
    """An action not allowed from the case's current state (or by the sensitivity rule)."""

    def __init__(self, *, field: str, zh: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.message_zh = zh
        self.message_en = en


def plan(action: Action, *, status: CaseStatus, sensitive: bool) -> Rule:
    """The rule for ``action`` from ``status``; raises TransitionRefused.

    Sensitive cases need 审核 then 复核: ``approve`` straight from 审核 is refused; a
    non-sensitive case has no 复核 stage, so ``review`` is refused.
    """
    rule = RULES[action]
    if status not in rule.sources:
        raise TransitionRefused(
            field="status",
            zh=f"申请当前状态为“{status.label_zh}”，不能{action.label_zh}（可能已被他人处理）",
            en=f"the application is {status.label_en}; cannot do {action.value} (someone may have handled it already)",
        )
    if sensitive and action == Action.APPROVE:
        raise TransitionRefused(
            field="status",
            zh="该事项须经复核：审核通过后由另一名工作人员复核办结",
            en="this item needs a second check: review it, then another person approves it",
        )
    if not sensitive and action == Action.REVIEW:
        raise TransitionRefused(
            field="status",
            zh="该事项无需复核，请直接审核办结",
            en="this item has no second check; approve or refuse it",
        )
    return rule


def role_for(action: Action, *, status: CaseStatus) -> Role:
    if action == Action.RETURN:
        return RETURN_ROLE_BY_SOURCE[status]
    return RULES[action].role


def stage_zh_en(status: CaseStatus) -> tuple[str, str]:
    """Which desk has the case now (shown to the applicant as 当前办理环节)."""
    return {
        CaseStatus.DRAFT: ("申请人填写中", "being filled in by the applicant"),
        CaseStatus.SUBMITTED: ("窗口受理", "intake desk"),
        CaseStatus.ACCEPTED: ("业务审核", "review"),
        CaseStatus.REVIEWED: ("业务复核", "second check"),
        CaseStatus.RETURNED: ("待申请人补正", "waiting for the applicant's correction"),
    }.get(status, ("已办结", "completed"))
