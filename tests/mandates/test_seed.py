"""The demo seed gives demo.agent a mandate from the demo citizen (once)."""

from shebao.accounts import selectors
from shebao.accounts.models import User
from shebao.accounts.rules.permissions import UserKind
from shebao.register.management.commands.seed_demo import demo_mandate_create


def test_demo_mandate_is_created_once(grandma, grandma_user):
    agent = User.objects.create_user(username="demo.agent", kind=UserKind.AGENT, region_code="110105")
    demo_mandate_create(person=grandma)
    demo_mandate_create(person=grandma)
    (mandate,) = selectors.mandates_for_agent(agent.pk)
    assert mandate.person_id == grandma.pk and mandate.all_items and mandate.channel == "online"
