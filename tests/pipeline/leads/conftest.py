from __future__ import annotations

import pytest

from tests.pipeline.conftest import ensure_default_pipeline


@pytest.fixture
def pipeline(db):
    return ensure_default_pipeline()
