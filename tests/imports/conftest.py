"""Helpers for the import tests: uploads stay in a temporary folder."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path_factory):
    settings.SALESDESK_IMPORT_DIR = tmp_path_factory.mktemp("imports")


def csv_file(headers, rows, encoding="utf-8") -> bytes:
    """A CSV as a user would write it (no escaping)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def run_import(user, data: bytes, name="customers.csv", policy="skip", all_or_nothing=True):

    with translation.override("en"):
        return _run(user, data, name, policy, all_or_nothing)


def _run(user, data, name, policy, all_or_nothing):
    from salesdesk.imports.services import job_create, job_start

    job = job_create(
        actor=user,
        entity="customers",
        file_name=name,
        data=data,
        duplicate_policy=policy,
        all_or_nothing=all_or_nothing,
    )
    job.start_error = None
    if job.status == job.Status.PREVIEWED:
        try:
            job = job_start(job=job, actor=user)
            job.start_error = None
        except ValidationError as exc:  # e.g. no column maps to a required field
            job.start_error = exc
    return job
