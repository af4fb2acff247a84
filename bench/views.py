"""The yardstick page: what one page of a big sorted list costs in bare Django."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from bench.models import Yardstick
from bench.yardstick import PAGE_SIZE


@login_not_required
def yardstick(request: HttpRequest) -> HttpResponse:
    """Page ``?page=N`` of the table, newest first, paginated by offset with no count.

    Deliberately naive: no select list, no keyset, no caching, a minimal template. Keel's
    pages are measured against it, so it must stay the plainest way to do the job.
    """
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        raise Http404("page must be a whole number") from None
    if page < 1:
        raise Http404("page must be 1 or more")
    offset = (page - 1) * PAGE_SIZE
    rows = Yardstick.objects.order_by("-created_at")[offset : offset + PAGE_SIZE]
    return render(request, "bench/yardstick.html", {"rows": rows, "page": page})
