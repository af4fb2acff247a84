"""The global search pages: the top bar's results menu (htmx) and the full results page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm import search
from crm.http import HtmxHttpRequest
from crm.ratelimit import over_rate, too_many

# The top bar's listbox asks for the menu; everything else gets the page.
MENU_TARGET = "topsearch-results"


@require_GET
def search_view(request: HtmxHttpRequest) -> HttpResponse:
    """``?q=``: grouped hits among the records the user may see.

    The top bar asks as you type (htmx, ``HX-Target: topsearch-results``) and gets the
    menu partial; pressing Enter, or a browser without JavaScript, gets the full page.
    """
    wait = over_rate(f"search:{request.user.pk}", limit=settings.CRM_SEARCH_RATE, window=60)
    if wait:
        return too_many(f"Too many searches at once: try again in {wait} seconds.", wait)
    query = request.GET.get("q", "")
    menu = bool(request.htmx) and request.htmx.target == MENU_TARGET
    results = search.search(
        user=request.user, query=query, limit=search.MENU_LIMIT if menu else search.PAGE_LIMIT
    )
    ctx = {"results": results, "search_query": results.query, "min_length": search.MIN_LENGTH}
    if menu:
        return render(request, "crm/search.html#menu", ctx)
    return render(request, "crm/search.html", ctx)
