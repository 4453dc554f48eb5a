"""Identity from deployment configuration only, and which pages each role gets."""

from __future__ import annotations

import pytest

from dashboards import access


def test_env_mode_defaults_to_operations_and_reads_role_and_region() -> None:
    assert access.resolve_identity({}, {}) == access.Identity(role="operations", region=None, source="env")
    who = access.resolve_identity({}, {"DSO_DASHBOARD_ROLE": "Regional-Manager", "DSO_DASHBOARD_REGION": "East"})
    assert (who.role, who.region, who.region_filter) == ("regional_manager", "East", "East")
    # A region configured for a board member is ignored: board and operations see every region.
    board = access.resolve_identity({}, {"DSO_DASHBOARD_ROLE": "board", "DSO_DASHBOARD_REGION": "East"})
    assert board.region_filter is None and board.is_board


def test_env_mode_ignores_request_headers() -> None:
    # Without DSO_DASHBOARD_AUTH=header a client-sent header must not change anything (it could be forged).
    who = access.resolve_identity({"X-DSO-Role": "board"}, {"DSO_DASHBOARD_ROLE": "regional_manager",
                                                            "DSO_DASHBOARD_REGION": "West"})
    assert (who.role, who.region) == ("regional_manager", "West")


def test_header_mode_reads_configured_headers_case_insensitively() -> None:
    env = {"DSO_DASHBOARD_AUTH": "header", "DSO_DASHBOARD_ROLE_HEADER": "X-Auth-Role",
           "DSO_DASHBOARD_REGION_HEADER": "X-Auth-Region", "DSO_DASHBOARD_ROLE": "operations"}
    who = access.resolve_identity({"x-auth-role": "regional_manager", "X-AUTH-REGION": "West"}, env)
    assert (who.role, who.region, who.source) == ("regional_manager", "West", "header")
    # Default header names.
    default = access.resolve_identity({"X-DSO-Role": "board"}, {"DSO_DASHBOARD_AUTH": "header"})
    assert default.role == "board"


@pytest.mark.parametrize(
    ("headers", "env"),
    [
        ({}, {"DSO_DASHBOARD_AUTH": "header", "DSO_DASHBOARD_ROLE": "operations"}),  # no header: no fallback
        ({"X-DSO-Role": "superuser"}, {"DSO_DASHBOARD_AUTH": "header"}),  # unknown role
        ({"X-DSO-Role": "regional_manager"}, {"DSO_DASHBOARD_AUTH": "header"}),  # manager without region
        ({}, {"DSO_DASHBOARD_ROLE": "regional_manager"}),  # same in env mode
        ({}, {"DSO_DASHBOARD_ROLE": "admin"}),
        ({}, {"DSO_DASHBOARD_AUTH": "cookie"}),
    ],
)
def test_unusable_identity_is_refused(headers: dict[str, str], env: dict[str, str]) -> None:
    with pytest.raises(access.AccessDenied):
        access.resolve_identity(headers, env)


def test_pages_per_role() -> None:
    assert access.pages_for("board") == ["board"]
    assert access.pages_for("regional_manager") == ["data_quality", "readiness", "go_live", "location", "overview"]
    assert access.pages_for("operations") == ["board", "data_quality", "readiness", "go_live", "location", "overview"]
