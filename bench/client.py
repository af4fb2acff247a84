"""A minimal HTTP client: one persistent connection, cookies kept by hand.

Keel sets ``Secure`` cookies when DEBUG is off; cookie jars rightly refuse to send those
over plain http, so this client keeps name/value pairs itself. The standard library is
enough and adds no dependency.
"""

import http.client
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

TIMEOUT = 30
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    location: str


class LoginError(RuntimeError):
    """Signing in through the login form did not give a session."""


class Client:
    """One keep-alive connection to the server; reopened after a failed request."""

    def __init__(self, host: str, port: int, cookies: dict[str, str] | None = None) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        self.cookies = dict(cookies or {})

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, fields: dict[str, str]) -> Response:
        body = urlencode(fields)
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.connection.request(method, path, body, headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the next request opens a new connection
            raise
        self.keep_cookies(response.msg.get_all("Set-Cookie") or [])
        return Response(
            response.status, content.decode(errors="replace"), response.getheader("Location", "")
        )

    def keep_cookies(self, set_cookie_headers: list[str]) -> None:
        for header in set_cookie_headers:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    def close(self) -> None:
        self.connection.close()


def log_in(host: str, port: int, email: str, password: str) -> dict[str, str]:
    """Sign in through the real login form and return the session's cookies."""
    client = Client(host, port)
    try:
        form = client.get("/accounts/login/")
        token = _CSRF_INPUT.search(form.body)
        if form.status != 200 or token is None:
            raise LoginError(f"GET /accounts/login/ answered {form.status} without a CSRF token")
        answer = client.post_form(
            "/accounts/login/",
            {"login": email, "password": password, "csrfmiddlewaretoken": token.group(1)},
        )
        if answer.status != 302 or "sessionid" not in client.cookies:
            raise LoginError(f"signing in as {email} answered {answer.status}, not a redirect")
        return client.cookies
    finally:
        client.close()
