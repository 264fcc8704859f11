"""Posts (岗位) and what each may do. Pure: no Django.

Permissions are an enum, never magic strings; a post grants a fixed set. A staff
member holds one or more posts, each scoped to a region (GB/T 2260 code); a
province code covers its prefectures and counties, a prefecture its counties.
"""

from __future__ import annotations

import enum


class UserKind(enum.StrEnum):
    CITIZEN = "citizen"  # 参保人
    EMPLOYER = "employer"  # 单位经办人
    AGENT = "agent"  # 社区代办员
    STAFF = "staff"  # 经办机构工作人员
    PARTNER = "partner"  # 部门共享用户


class Post(enum.StrEnum):
    FRONT_DESK = "front_desk"  # 窗口受理
    REVIEWER = "reviewer"  # 审核
    AUDITOR = "auditor"  # 稽核
    FUND_ACCOUNTANT = "fund_accountant"  # 基金财务
    ADMIN = "admin"  # 系统管理

    @property
    def label_zh(self) -> str:
        return POST_LABELS_ZH[self]


POST_LABELS_ZH = {
    Post.FRONT_DESK: "窗口受理",
    Post.REVIEWER: "审核",
    Post.AUDITOR: "稽核",
    Post.FUND_ACCOUNTANT: "基金财务",
    Post.ADMIN: "系统管理",
}


class Perm(enum.StrEnum):
    PERSON_VIEW = "person.view"
    PERSON_REVEAL = "person.reveal"  # see full ID number / phone / bank account (audited)
    PERSON_WRITE = "person.write"  # register / change a person
    EMPLOYER_VIEW = "employer.view"
    EMPLOYER_WRITE = "employer.write"
    EMPLOYMENT_WRITE = "employment.write"  # hire / separate
    ENROLMENT_WRITE = "enrolment.write"  # suspend / resume / terminate
    AUDIT_VIEW = "audit.view"
    USER_ADMIN = "user.admin"  # create staff, issue password slips, reset 2FA
    CALENDAR_ADMIN = "calendar.admin"
    FUND_VIEW = "fund.view"
    CONTRIBUTION_VIEW = "contribution.view"  # bills, lines, arrears, accounts
    CONTRIBUTION_WRITE = "contribution.write"  # declarations and payments on behalf of payers
    ASSESSMENT_RUN = "assessment.run"  # start 核定 runs, post interest
    PARAMETER_ADMIN = "parameter.admin"  # edit the effective-dated parameter tables
    # 网上办事大厅 (service hall)
    CASE_VIEW = "case.view"  # see applications (cases) in the post's region: workbench, case view
    CASE_ACCEPT = "case.accept"  # 受理 / 不予受理, claim and assign
    CASE_REVIEW = "case.review"  # 审核, 退回补正, 办结 of items without 复核
    CASE_RECHECK = "case.recheck"  # 复核 of sensitive items (never by the same person as the 审核)
    CATALOGUE_ADMIN = "catalogue.admin"  # edit service items and guides
    APPOINTMENT_DESK = "appointment.desk"  # check arrivals in, call queue numbers
    APPOINTMENT_ADMIN = "appointment.admin"  # halls, counters, time slots and capacity
    COMPLAINT_HANDLE = "complaint.handle"  # reply to and close 投诉举报 routed to the post
    PAYROLL_RUN = "payroll.run"  # 养老金发放: payees, monthly payroll, bank files and returns, receivables


POST_PERMS: dict[Post, frozenset[Perm]] = {
    Post.FRONT_DESK: frozenset(
        {
            Perm.PERSON_VIEW,
            Perm.PERSON_WRITE,
            Perm.EMPLOYER_VIEW,
            Perm.EMPLOYER_WRITE,
            Perm.EMPLOYMENT_WRITE,
            Perm.ENROLMENT_WRITE,
            Perm.CONTRIBUTION_VIEW,
            Perm.CONTRIBUTION_WRITE,
            Perm.CASE_VIEW,
            Perm.CASE_ACCEPT,
            Perm.APPOINTMENT_DESK,
        }
    ),
    Post.REVIEWER: frozenset(
        {
            Perm.PERSON_VIEW,
            Perm.PERSON_REVEAL,
            Perm.PERSON_WRITE,
            Perm.EMPLOYER_VIEW,
            Perm.EMPLOYER_WRITE,
            Perm.EMPLOYMENT_WRITE,
            Perm.ENROLMENT_WRITE,
            Perm.CONTRIBUTION_VIEW,
            Perm.CONTRIBUTION_WRITE,
            Perm.CASE_VIEW,
            Perm.CASE_ACCEPT,
            Perm.CASE_REVIEW,
            Perm.CASE_RECHECK,
            Perm.COMPLAINT_HANDLE,
        }
    ),
    Post.AUDITOR: frozenset(
        {
            Perm.PERSON_VIEW,
            Perm.PERSON_REVEAL,
            Perm.EMPLOYER_VIEW,
            Perm.AUDIT_VIEW,
            Perm.CONTRIBUTION_VIEW,
            Perm.CASE_VIEW,
            Perm.CASE_RECHECK,
            Perm.COMPLAINT_HANDLE,
        }
    ),
    Post.FUND_ACCOUNTANT: frozenset(
        {
            Perm.EMPLOYER_VIEW,
            Perm.FUND_VIEW,
            Perm.CONTRIBUTION_VIEW,
            Perm.CONTRIBUTION_WRITE,
            Perm.ASSESSMENT_RUN,
            Perm.PAYROLL_RUN,
        }
    ),
    Post.ADMIN: frozenset(
        {
            Perm.USER_ADMIN,
            Perm.CALENDAR_ADMIN,
            Perm.AUDIT_VIEW,
            Perm.EMPLOYER_VIEW,
            Perm.PARAMETER_ADMIN,
            Perm.CATALOGUE_ADMIN,
            Perm.APPOINTMENT_ADMIN,
        }
    ),
}


def region_covers(scope: str, code: str) -> bool:
    """Does a post scoped to ``scope`` cover the division ``code``?"""
    if not scope or not code or len(scope) != 6 or len(code) != 6:
        return False
    if scope.endswith("0000"):
        return code[:2] == scope[:2]
    if scope.endswith("00"):
        return code[:4] == scope[:4]
    return code == scope
