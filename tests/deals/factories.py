from decimal import Decimal

import factory

from deals.models import Deal, Pipeline, Stage, StageChange
from tests.contacts.factories import OwnedFactory


class PipelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pipeline
        django_get_or_create = ["name"]
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Pipeline {n}")

    @factory.post_generation
    def stages(self, create: bool, names: list[str] | None, **kwargs: object) -> None:
        """Four open stages, then Won and Lost, unless ``stages=[...]`` names open ones."""
        if not create or self.stages.exists():
            return
        names = names or ["Qualify", "Propose", "Negotiate", "Commit"]
        for position, name in enumerate(names):
            Stage.objects.create(
                pipeline=self,
                name=name,
                position=position,
                probability=min(90, 10 + 20 * position),
                rotting_days=7,
            )
        Stage.objects.create(
            pipeline=self, name="Won", position=len(names), probability=100, is_won=True
        )
        Stage.objects.create(
            pipeline=self, name="Lost", position=len(names) + 1, probability=0, is_lost=True
        )


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    pipeline = factory.SubFactory(PipelineFactory, stages=["Only"])
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n + 10)


class DealFactory(OwnedFactory):
    class Meta:
        model = Deal

    name = factory.Sequence(lambda n: f"Deal {n}")
    pipeline = factory.SubFactory(PipelineFactory)
    stage = factory.LazyAttribute(lambda o: o.pipeline.stages.order_by("position").first())
    amount = Decimal("1000.00")
    currency = "USD"
    position = factory.Sequence(float)


class StageChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageChange

    deal = factory.SubFactory(DealFactory)
    to_stage = factory.LazyAttribute(lambda o: o.deal.stage)


def place(deals: list[Deal]) -> list[Deal]:
    """Give ``deals`` board positions in list order (1024 apart), as the services do."""
    for index, deal in enumerate(deals):
        Deal.objects.filter(pk=deal.pk).update(position=1024.0 * (index + 1))
        deal.position = 1024.0 * (index + 1)
    return deals


def column(stage) -> list[str]:
    """The names of a stage's deals in board order."""
    return list(
        Deal.objects.filter(stage=stage).order_by("position", "pk").values_list("name", flat=True)
    )
