"""The notification center: the bell's menu, the full page, marking read, catching up."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedRequest
from notifications import selectors, services, types
from notifications.models import Notification

PAGE_SIZE = 50
MENU_SIZE = 8


def _mine(request: AuthenticatedRequest, pk: int) -> Notification:
    """The user's own notification; anyone else's answers 404."""
    found = selectors.mine(request.user, pk)
    if found is None:
        raise Http404("No such notification.")
    return found


@require_GET
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    """All of the user's notifications, newest first, 50 a page by id (``?before=``),
    filtered to the unread ones (``?show=unread``) or one kind (``?kind=``)."""
    show = request.GET.get("show", "")
    kind = request.GET.get("kind", "")
    before = request.GET.get("before", "")
    known = {k.key for k in types.kinds()}
    if show not in ("", "unread") or (kind and kind not in known):
        return HttpResponseBadRequest("Choose a filter from the lists.")
    if before and not before.isdigit():
        return HttpResponseBadRequest("The page must be a number.")
    rows = selectors.inbox(
        request.user, unread=show == "unread", kind=kind, before=int(before) if before else None
    )
    page = list(rows[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    query = request.GET.copy()
    query["before"] = str(page[-1].pk) if page else ""
    ctx = {
        "items": page,
        "more_url": f"?{query.urlencode()}" if more else "",
        "show": show,
        "kind": kind,
        "kinds": types.kinds(),
        "unread": services.unread_count(request.user),
    }
    return render(request, "notifications/list.html", ctx)


@require_GET
def notification_menu(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: the bell's dropdown, the latest few."""
    items = list(selectors.inbox(request.user)[:MENU_SIZE])
    ctx = {"items": items, "unread": services.unread_count(request.user)}
    return render(request, "notifications/_menu.html", ctx)


@require_GET
def notification_since(request: AuthenticatedRequest) -> HttpResponse:
    """JSON for a page that reconnected: what arrived after the id it last saw."""
    after = request.GET.get("after", "")
    if not after.isdigit():
        return HttpResponseBadRequest("Give the id of the last notification seen.")
    items = selectors.since(request.user, int(after))
    return JsonResponse(
        {
            "unread": services.unread_count(request.user),
            "items": [
                {
                    "id": item.pk,
                    "html": render_to_string("notifications/_item.html", {"item": item}),
                }
                for item in items
            ],
        }
    )


@require_POST
def notification_open(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Mark one read and go to its record (or back to the list)."""
    notification = _mine(request, pk)
    services.mark_read(user=request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@require_POST
def notification_read(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Mark one read and stay (htmx swaps the item; a plain form goes back)."""
    notification = _mine(request, pk)
    services.mark_read(user=request.user, notification=notification)
    notification.refresh_from_db()
    if getattr(request, "htmx", False):
        response = render(request, "notifications/_item.html", {"item": notification})
        # The bell on this page counts one less at once (notifications.js listens).
        unread = services.unread_count(request.user)
        response["HX-Trigger"] = json.dumps({"notification-count": {"unread": unread}})
        return response
    return redirect(request.POST.get("back") or "notifications:list")


@require_POST
def notification_read_all(request: AuthenticatedRequest) -> HttpResponse:
    services.mark_all_read(user=request.user)
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
def notification_preferences(request: AuthenticatedRequest) -> HttpResponse:
    """Per kind of notification: in Keel (the bell) and by email, on or off."""
    rows = services.preferences(request.user)
    if request.method == "POST":
        choices = {
            row["kind"].key: (
                request.POST.get(f"in_app:{row['kind'].key}") == "on",
                request.POST.get(f"email:{row['kind'].key}") == "on",
            )
            for row in rows
        }
        services.preferences_save(user=request.user, choices=choices)
        messages.success(request, "Notification preferences saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"rows": rows})
