"""Web-to-lead: the settings pages (admin only, managers may look) and the public endpoint
(happy path, validation errors, honeypot, rate limit, inactive form, no CSRF, events)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import Event
from leads.models import Lead, WebForm
from tests.contacts.factories import TagFactory
from tests.leads.factories import WebFormFactory

pytestmark = pytest.mark.django_db


def public_url(form):
    return reverse("leads:public-form", args=[form.token])


@pytest.fixture
def web_form(rep):
    return WebFormFactory(
        name="Contact us",
        owner=rep,
        tag=TagFactory(name="inbound"),
        fields=["first_name", "last_name", "email", "phone", "company_name", "description"],
        required_fields=["last_name", "email"],
    )


@pytest.fixture
def visitor():
    """A browser on another site: CSRF checks on, no session, no cookies."""
    return Client(enforce_csrf_checks=True)


VALID = {
    "first_name": "Jane",
    "last_name": "Doe",
    "email": "jane@acme.test",
    "phone": "+44 20 7946 0958",
    "company_name": "Acme",
    "description": "Please call me about pricing.",
}


# ---------------------------------------------------------------- public endpoint


def test_hosted_form_page(visitor, web_form):
    response = visitor.get(public_url(web_form))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Contact us" in page
    assert 'name="email"' in page
    assert 'name="homepage"' in page
    assert 'name="csrfmiddlewaretoken"' not in page
    assert 'class="sidebar"' not in page  # no app shell
    assert "X-Frame-Options" not in response.headers  # the iframe variant may frame it
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies


def test_other_pages_still_refuse_framing(client_for, rep):
    response = client_for(rep).get(reverse("leads:lead-create"))
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_submission_creates_a_lead_without_csrf_token(visitor, web_form, rep, events):
    with_cookie = visitor.post(public_url(web_form), VALID)
    assert with_cookie.status_code == 200
    assert web_form.success_message in with_cookie.content.decode()
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.email, lead.phone) == (
        "Jane",
        "Doe",
        "jane@acme.test",
        "+442079460958",
    )
    assert lead.description == "Please call me about pricing."
    assert (lead.owner, lead.team, lead.source, lead.web_form) == (
        rep,
        rep.team,
        Lead.Source.WEB_FORM,
        web_form,
    )
    assert [t.name for t in lead.tags.all()] == ["inbound"]
    assert lead.created_by is None
    web_form.refresh_from_db()
    assert web_form.submission_count == 1
    assert events("lead.created") == [
        {
            "lead_id": lead.pk,
            "source": "web_form",
            "web_form_id": web_form.pk,
            "owner_id": rep.pk,
            "status": "new",
        }
    ]


def test_submission_redirects_when_the_form_says_so(visitor, web_form):
    web_form.redirect_url = "https://www.acme.test/thanks"
    web_form.save()
    response = visitor.post(public_url(web_form), VALID)
    assert response.status_code == 303
    assert response["Location"] == "https://www.acme.test/thanks"
    assert Lead.objects.count() == 1
    page = visitor.get(public_url(web_form))
    assert "https://www.acme.test" in page.headers["Content-Security-Policy"]


def test_validation_errors_per_field_and_nothing_saved(visitor, web_form):
    response = visitor.post(public_url(web_form), {**VALID, "email": "nope", "last_name": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Please fill in last name." in page
    assert "Enter a valid email address." in page
    assert 'aria-invalid="true"' in page
    assert 'value="Jane"' in page  # what the visitor typed stays
    assert not Lead.objects.exists()
    assert WebForm.objects.get(pk=web_form.pk).submission_count == 0


def test_bad_phone_is_a_field_error(visitor, web_form):
    response = visitor.post(public_url(web_form), {**VALID, "phone": "12"})
    assert response.status_code == 400
    assert "is not a" in response.content.decode()
    assert not Lead.objects.exists()


def test_json_answers(visitor, web_form):
    bad = visitor.post(public_url(web_form), {**VALID, "email": ""}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400
    assert bad.json() == {"ok": False, "errors": {"email": ["Please fill in email."]}}
    assert bad["Access-Control-Allow-Origin"] == "*"
    good = visitor.post(public_url(web_form), VALID, HTTP_ACCEPT="application/json")
    assert good.status_code == 201
    assert good.json()["ok"] is True
    assert good.json()["message"] == web_form.success_message
    assert Lead.objects.count() == 1


def test_fields_not_on_the_form_are_ignored(visitor, web_form):
    visitor.post(public_url(web_form), {**VALID, "title": "CEO", "rating": "hot", "owner": "1"})
    lead = Lead.objects.get()
    assert lead.title == ""
    assert lead.rating == ""


def test_honeypot_answers_success_and_stores_nothing(visitor, web_form, events):
    response = visitor.post(public_url(web_form), {**VALID, "homepage": "http://spam.test"})
    assert response.status_code == 200
    assert web_form.success_message in response.content.decode()
    assert not Lead.objects.exists()
    assert events("lead.created") == []
    assert WebForm.objects.get(pk=web_form.pk).submission_count == 0


def test_rate_limit_per_client_and_form(visitor, web_form, settings):
    settings.CRM_WEB_FORM_RATE = 2
    for n in range(2):
        assert (
            visitor.post(public_url(web_form), {**VALID, "email": f"p{n}@x.test"}).status_code
            == 200
        )
    blocked = visitor.post(public_url(web_form), VALID)
    assert blocked.status_code == 429
    assert "Too many submissions" in blocked.content.decode()
    assert (
        visitor.post(public_url(web_form), VALID, HTTP_ACCEPT="application/json").status_code == 429
    )
    assert Lead.objects.count() == 2
    other_client = visitor.post(public_url(web_form), VALID, REMOTE_ADDR="203.0.113.9")
    assert other_client.status_code == 200
    other_form = WebFormFactory()
    assert visitor.post(public_url(other_form), VALID).status_code == 200
    assert Lead.objects.count() == 4


def test_inactive_and_unknown_forms_are_404(visitor, web_form):
    web_form.is_active = False
    web_form.save()
    assert visitor.get(public_url(web_form)).status_code == 404
    assert visitor.post(public_url(web_form), VALID).status_code == 404
    assert visitor.post("/forms/no-such-token/", VALID).status_code == 404
    assert not Lead.objects.exists()


def test_a_deactivated_owner_leaves_the_lead_unassigned(visitor, web_form, rep):
    rep.is_active = False
    rep.save()
    visitor.post(public_url(web_form), VALID)
    assert Lead.objects.get().owner is None


def test_signed_in_visitor_is_treated_like_anyone(client_for, other_rep, web_form, rep):
    client_for(other_rep).post(public_url(web_form), VALID)
    lead = Lead.objects.get()
    assert lead.owner == rep
    assert lead.created_by is None


# ---------------------------------------------------------------- settings pages


def form_data(**values):
    return {
        "name": "Trade show sign-up",
        "asked_fields": ["first_name", "email", "company_name"],
        "required_fields": ["email"],
        "owner": "",
        "source": "event",
        "tag": "expo 2026",
        "success_message": "See you at the booth!",
        "redirect_url": "",
        "is_active": "on",
        **values,
    }


def test_settings_pages_by_role(client_for, admin_user, manager, rep, web_form):
    pages = [
        reverse("leads:webform-list"),
        reverse("leads:webform-detail", args=[web_form.pk]),
        reverse("leads:webform-create"),
        reverse("leads:webform-edit", args=[web_form.pk]),
        reverse("leads:webform-delete", args=[web_form.pk]),
    ]
    assert [client_for(admin_user).get(p).status_code for p in pages] == [200] * 5
    assert [client_for(manager).get(p).status_code for p in pages] == [200, 200, 403, 403, 403]
    assert [client_for(rep).get(p).status_code for p in pages] == [403] * 5
    assert all(client_for(None).get(p).status_code == 302 for p in pages)


def test_admin_creates_a_form(client_for, admin_user, rep):
    response = client_for(admin_user).post(reverse("leads:webform-create"), form_data(owner=rep.pk))
    form = WebForm.objects.get()
    assert response.status_code == 302
    assert response["Location"] == form.get_absolute_url()
    assert form.fields == ["first_name", "last_name", "email", "company_name"]
    assert form.required_fields == ["last_name", "email"]
    assert (form.owner, form.source, form.tag.name) == (rep, "event", "expo 2026")
    assert form.created_by == admin_user
    assert len(form.token) >= 16
    assert Event.objects.filter(type="web_form.created").count() == 1


def test_required_fields_must_be_on_the_form(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("leads:webform-create"), form_data(required_fields=["phone"])
    )
    assert response.status_code == 400
    assert "Only fields on the form can be required: Phone." in response.content.decode()
    assert not WebForm.objects.exists()


def test_redirect_url_must_be_absolute_http(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("leads:webform-create"), form_data(redirect_url="javascript:alert(1)")
    )
    assert response.status_code == 400
    assert not WebForm.objects.exists()


def test_admin_edits_and_deactivates(client_for, admin_user, web_form):
    response = client_for(admin_user).post(
        reverse("leads:webform-edit", args=[web_form.pk]),
        form_data(name="Contact us (old)", is_active=""),
    )
    assert response.status_code == 302
    web_form.refresh_from_db()
    assert web_form.name == "Contact us (old)"
    assert not web_form.is_active


def test_edit_keeps_the_submission_count(client_for, admin_user, web_form):
    WebForm.objects.filter(pk=web_form.pk).update(submission_count=41)
    client_for(admin_user).post(reverse("leads:webform-edit", args=[web_form.pk]), form_data())
    assert WebForm.objects.get(pk=web_form.pk).submission_count == 41


def test_detail_shows_url_snippets_and_count(client_for, manager, web_form):
    WebForm.objects.filter(pk=web_form.pk).update(submission_count=7)
    page = client_for(manager).get(reverse("leads:webform-detail", args=[web_form.pk]))
    text = page.content.decode()
    url = f"http://testserver/forms/{web_form.token}/"
    assert url in text
    assert f"&lt;form action=&quot;{url}&quot; method=&quot;post&quot;" in text
    assert "name=&quot;homepage&quot;" in text
    assert f"&lt;iframe src=&quot;{url}?embed=1&quot;" in text
    assert "7 submissions" in text


def test_snippet_posts_fields_the_endpoint_accepts(visitor, web_form):
    from leads.views import embed_fields

    names = [f["name"] for f in embed_fields(web_form)]
    assert names == web_form.fields
    response = visitor.post(public_url(web_form), {name: VALID[name] for name in names})
    assert response.status_code == 200
    assert Lead.objects.count() == 1


def test_admin_deletes_a_form_and_its_leads_stay(client_for, admin_user, web_form, visitor):
    visitor.post(public_url(web_form), VALID)
    response = client_for(admin_user).post(reverse("leads:webform-delete", args=[web_form.pk]))
    assert response.status_code == 302
    assert not WebForm.objects.exists()
    assert Lead.objects.get().web_form is None
