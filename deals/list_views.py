"""List pages (built on ``crm.lists``; owned by the lists work)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import policy
from deals.models import Deal


def deal_list(request: HttpRequest) -> HttpResponse:
    rows = policy.visible(Deal.objects.all(), request.user)[:50]
    return render(request, "lists/_interim.html", {"title": "Deals", "rows": rows})
