import factory
from django.contrib.auth.models import Group

from accounts.models import Role, Team, User


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.django.Password("pw-for-tests")

    @factory.post_generation
    def role(self, create: bool, slug: str | None, **kwargs: object) -> None:
        """``UserFactory(role="sales_rep")`` puts the user in that standard role."""
        if create and slug:
            self.groups.add(Role.objects.get(slug=slug).group)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Group {n}")
