"""List pages (built on ``crm.lists``; owned by the lists work)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import policy
from activities.models import Task


def task_list(request: HttpRequest) -> HttpResponse:
    rows = policy.visible(Task.objects.all(), request.user)[:50]
    return render(request, "lists/_interim.html", {"title": "Tasks", "rows": rows})
