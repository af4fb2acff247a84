"""``{% field_access record as can %}`` then ``{% if can.read.amount %}`` or
``{% if can.write.amount %}``: the signed-in user's field levels on a record kind
(``accounts.policy.field_access``), for pages that show or edit restrictable fields."""

from __future__ import annotations

from typing import Any

from django import template

from accounts import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def field_access(context: template.Context, record: Any) -> policy.FieldAccess:
    """``record``: an instance, a model or a label such as "deals.deal"."""
    user = context.get("user")
    if user is None and context.get("request") is not None:
        user = context["request"].user
    if user is None:  # no user at all in the context: show nothing restrictable
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    return policy.field_access(user, record)
