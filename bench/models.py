"""The yardstick table: a million plain rows with an indexed timestamp."""

from django.db import models


class Yardstick(models.Model):
    """A row of the yardstick: as little as a list page can show, sorted on an index."""

    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(db_index=True)
    score = models.IntegerField()

    def __str__(self) -> str:
        return self.name
