"""Items the hall lists but that are handled elsewhere: 参保证明 (instant, certificates app)
and counter services booked online (网上预约 + 窗口, appointments app)."""

from __future__ import annotations

from shebao.hall.items import register
from shebao.hall.items.base import GuideText, ItemDefinition, MaterialSpec


@register
class Certificate(ItemDefinition):
    code = "insured_certificate"
    name_zh = "参保缴费证明打印"
    name_en = "Certificate of insurance and contributions"
    audience = "person"
    category = "证明打印"
    life_event = "购房·落户·入学"
    online_level = "full"
    time_limit_days = 0
    instant = True
    start_url_name = "certificates:issue"
    keywords = "证明 参保证明 缴费证明 打印 凭证 购房 落户"
    sort_order = 5
    materials = (MaterialSpec("id_card", "居民身份证", system_held=True, example="登录即已核验"),)
    guide = GuideText(
        conditions="本市参保人员本人。",
        steps=("登录后选择证明类型", "即时生成带二维码和验证码的 PDF 证明", "用证单位扫码或在验证页核验"),
        legal_basis="《社会保险法》第七十四条",
        notes="即时办结，无需审核。",
    )


@register
class RetirementCounter(ItemDefinition):
    code = "retirement_application"
    name_zh = "退休申请（网上预约，窗口办理）"
    name_en = "Retirement application (book online, at the counter)"
    audience = "person"
    category = "养老待遇"
    life_event = "退休"
    online_level = "book"
    channels = ("web", "app", "counter")
    time_limit_days = 20
    start_url_name = "appointments:book"
    keywords = "退休 养老金 待遇 领取"
    sort_order = 90
    materials = (
        MaterialSpec("id_card", "居民身份证原件", file_format="原件"),
        MaterialSpec("archive", "本人档案（机关事业单位及国企职工）", file_format="原件", required=False),
        MaterialSpec("bank", "本人社保卡（已激活金融功能）", file_format="原件"),
    )
    guide = GuideText(
        conditions="达到法定退休年龄、累计缴费满15年的参保人员。",
        steps=("网上预约办理时段", "按预约时间携带原件到窗口", "窗口受理、审核", "核定待遇，次月起发放"),
        legal_basis="《社会保险法》第十六条；国发〔2005〕38号；全国人大常委会关于渐进式延迟法定退休年龄的决定（2024）",
    )
