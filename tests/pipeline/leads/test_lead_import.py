"""Lead import through the shared pipeline: rules assign the rows, duplicates are skipped."""

from __future__ import annotations

import pytest
from django.utils import translation

from salesdesk.pipeline.leads import services
from salesdesk.pipeline.leads.models import Lead
from tests.imports.conftest import _import_dir, csv_file  # noqa: F401 - the upload folder


@pytest.mark.django_db
def test_import_applies_rules_and_skips_duplicates(org):
    from salesdesk.imports.services import job_create, job_start

    services.assignment_rule_create(
        actor=org.admin, name="浙江", province="浙江", target_user=org.rep
    )
    services.lead_create(actor=org.lead, name="已有线索", phone="13911112222")
    data = csv_file(
        ["名称", "联系人", "电话", "省份"],
        [
            ["云帆科技", "陈", "13900000001", "浙江"],
            ["北方重工", "李", "13900000002", "辽宁"],
            ["已有线索公司", "王", "", ""],
        ],
    )
    with translation.override("en"):
        job = job_create(
            actor=org.admin,
            entity="leads",
            file_name="leads.csv",
            data=data,
            duplicate_policy="skip",
            all_or_nothing=False,
        )
        job = job_start(job=job, actor=org.admin)
    job.refresh_from_db()
    rows = {x.name: x for x in Lead.objects.all()}
    assert set(rows) == {"已有线索", "云帆科技", "北方重工"}
    assert rows["云帆科技"].owner_id == org.rep.pk
    assert rows["北方重工"].owner_id is None  # no rule matches: the importer's pool
    assert rows["北方重工"].org_unit_id == org.hq.pk
