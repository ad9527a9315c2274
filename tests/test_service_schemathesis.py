"""Property-based run of the API's OpenAPI document (schemathesis): generated requests for every
operation, bounded in number, and not one 5xx answer. Responses are checked against the document's
status codes too, so the document says what the API does."""
import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import status_code_conformance  # noqa: E402

from checker.service.app import Config, create_app  # noqa: E402



@schemathesis.serializer("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def _workbook(ctx, value):
    """Generated workbook bodies: whatever bytes the generator made (never a valid workbook)."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


app = create_app(Config(registry=os.environ["LVCAI_REGISTRY"]))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case):
    case.call_and_validate(checks=[not_a_server_error, status_code_conformance])
