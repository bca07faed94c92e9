"""Background jobs of imports: large files run in the Huey worker with progress updates."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task(retries=0, name="import_job_run")
def import_job_run(job_id: int) -> None:
    from salesdesk.imports.services import job_execute

    job_execute(job_id)
