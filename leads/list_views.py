"""List pages (built on ``crm.lists``; owned by the lists work)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import policy
from leads.models import Lead


def lead_list(request: HttpRequest) -> HttpResponse:
    rows = policy.visible(Lead.objects.all(), request.user)[:50]
    return render(request, "lists/_interim.html", {"title": "Leads", "rows": rows})
