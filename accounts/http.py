"""The request a signed-in view receives: LoginRequiredMiddleware guarantees the user."""

from accounts.models import User
from crm.http import HtmxHttpRequest


class AuthenticatedRequest(HtmxHttpRequest):
    user: User  # type: ignore[assignment]
