"""List pages (built on ``crm.lists``; owned by the lists work)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import policy
from contacts.models import Company, Contact


def company_list(request: HttpRequest) -> HttpResponse:
    rows = policy.visible(Company.objects.all(), request.user)[:50]
    return render(request, "lists/_interim.html", {"title": "Companies", "rows": rows})


def contact_list(request: HttpRequest) -> HttpResponse:
    rows = policy.visible(Contact.objects.all(), request.user)[:50]
    return render(request, "lists/_interim.html", {"title": "Contacts", "rows": rows})
