import factory

from leads.models import Lead, WebForm
from tests.contacts.factories import OwnedFactory


class LeadFactory(OwnedFactory):
    class Meta:
        model = Lead

    first_name = factory.Faker("first_name")
    last_name = factory.Sequence(lambda n: f"Lead{n}")
    company_name = factory.Sequence(lambda n: f"Prospect {n} Ltd")
    email = factory.Sequence(lambda n: f"lead{n}@prospect.example")
    source = Lead.Source.WEBSITE


class WebFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebForm

    name = factory.Sequence(lambda n: f"Form {n}")
    fields = ["first_name", "last_name", "email", "company_name", "description"]
    required_fields = ["last_name", "email"]
