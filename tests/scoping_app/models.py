"""A minimal business model for testing the generic scoping and recycle-bin machinery."""

from django.db import models

from salesdesk.core.recycle import recycle_bin
from salesdesk.org.models import ScopedModel


class Record(ScopedModel):
    title = models.CharField(max_length=100)

    class Meta:
        app_label = "scoping_app"

    def __str__(self) -> str:
        return self.title


recycle_bin.register(Record)
