"""``/api/v1/auth/``: who the caller is (token or finished session login)."""

from __future__ import annotations

from ninja import Router, Schema

from shebao.accounts.api_auth import api_auth
from shebao.accounts.selectors import user_posts

router = Router(tags=["auth"])


class PostOut(Schema):
    post: str
    label_zh: str
    region_code: str


class WhoAmIOut(Schema):
    id: int
    username: str
    kind: str
    full_name: str
    posts: list[PostOut]


@router.get("/whoami", auth=api_auth, response=WhoAmIOut, summary="The calling user / 当前用户")
def whoami(request):
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "kind": user.kind,
        "full_name": user.full_name,
        "posts": [{"post": p.value, "label_zh": p.label_zh, "region_code": r} for p, r in user_posts(user)],
    }
