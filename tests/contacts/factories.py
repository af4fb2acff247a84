import factory

from contacts.models import Company, Contact, CustomField, EmailAddress, PhoneNumber, Tag


class OwnedFactory(factory.django.DjangoModelFactory):
    """Owner given: the team follows the owner's, as ``OwnedRecord.assign_owner`` does."""

    owner = None
    team = factory.LazyAttribute(lambda o: o.owner.team if o.owner else None)

    class Meta:
        abstract = True


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"tag-{n}")


class CompanyFactory(OwnedFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.example")
    industry = "software"


class ContactFactory(OwnedFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Sequence(lambda n: f"Contact{n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.test")


class EmailAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailAddress

    email = factory.Sequence(lambda n: f"address{n}@example.test")
    is_primary = True


class PhoneNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneNumber

    number = factory.Sequence(lambda n: f"+1415555{n:04d}")
    is_primary = True


class CustomFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomField

    entity = CustomField.Entity.LEAD
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Field {n}")
    field_type = CustomField.Type.TEXT
