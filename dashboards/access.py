"""Who is looking: role and region from deployment configuration, and which pages each role may open.

Identity never comes from the page, the URL, query parameters or session state: only from

* ``DSO_DASHBOARD_AUTH=header`` (production behind an identity proxy): the trusted request headers the proxy
  sets, named by ``DSO_DASHBOARD_ROLE_HEADER`` (default ``X-DSO-Role``) and ``DSO_DASHBOARD_REGION_HEADER``
  (default ``X-DSO-Region``). A missing or unknown role header means no access (fail closed), never a default.
* ``DSO_DASHBOARD_AUTH=env`` (the default, local development): ``DSO_DASHBOARD_ROLE`` (default
  ``operations``) and ``DSO_DASHBOARD_REGION``.

The proxy must strip these headers from client requests; the app cannot tell a forged header from a real one,
which is why header mode is off unless the deployment turns it on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

BOARD = "board"
REGIONAL_MANAGER = "regional_manager"
OPERATIONS = "operations"
ROLES = (BOARD, REGIONAL_MANAGER, OPERATIONS)
DEFAULT_ROLE = OPERATIONS  # documented local-development default (docs/dashboards.md)

ROLE_LABELS = {BOARD: "Board / CFO", REGIONAL_MANAGER: "Regional manager", OPERATIONS: "Operations / analyst"}

# Accepted spellings of a role (proxies differ: "Regional-Manager", "analyst", ...).
_ALIASES = {
    "board": BOARD, "cfo": BOARD, "executive": BOARD,
    "regional_manager": REGIONAL_MANAGER, "regional": REGIONAL_MANAGER, "manager": REGIONAL_MANAGER, "rm": REGIONAL_MANAGER,
    "operations": OPERATIONS, "ops": OPERATIONS, "analyst": OPERATIONS,
}

# Page id -> roles that may open it (the navigation shows a role only its pages).
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "board": (BOARD, OPERATIONS),
    "data_quality": (REGIONAL_MANAGER, OPERATIONS),
    "readiness": (REGIONAL_MANAGER, OPERATIONS),
    "go_live": (REGIONAL_MANAGER, OPERATIONS),
    "location": (REGIONAL_MANAGER, OPERATIONS),
    "overview": (REGIONAL_MANAGER, OPERATIONS),
}


class AccessDenied(RuntimeError):
    """The request has no usable identity, or asks for data outside it."""


@dataclass(frozen=True)
class Identity:
    """A viewer: role and, for a regional manager, the one region they may see."""

    role: str
    region: str | None = None
    source: str = "env"

    @property
    def is_board(self) -> bool:
        """Board views: aggregates only, small numbers suppressed."""
        return self.role == BOARD

    @property
    def region_filter(self) -> str | None:
        """The region every query is restricted to (None = all regions)."""
        return self.region if self.role == REGIONAL_MANAGER else None


def normalise_role(value: str | None) -> str | None:
    """Canonical role for a header/env value, None when it is not a known role."""
    if value is None:
        return None
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    return _ALIASES.get(key)


def resolve_identity(headers: Mapping[str, str] | None, environ: Mapping[str, str]) -> Identity:
    """The viewer's identity from the trusted headers or the environment (see module docstring).

    Raises AccessDenied when the configuration does not give a usable role (and region for a manager).
    """
    mode = environ.get("DSO_DASHBOARD_AUTH", "env").strip().lower()
    if mode == "header":
        role_header = environ.get("DSO_DASHBOARD_ROLE_HEADER", "X-DSO-Role")
        region_header = environ.get("DSO_DASHBOARD_REGION_HEADER", "X-DSO-Region")
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        raw_role = lowered.get(role_header.lower())
        raw_region = lowered.get(region_header.lower())
        if raw_role is None:
            raise AccessDenied(f"no {role_header} header from the identity proxy")
        source = "header"
    elif mode == "env":
        raw_role = environ.get("DSO_DASHBOARD_ROLE") or DEFAULT_ROLE
        raw_region = environ.get("DSO_DASHBOARD_REGION")
        source = "env"
    else:
        raise AccessDenied(f"DSO_DASHBOARD_AUTH must be 'env' or 'header', not {mode!r}")
    role = normalise_role(raw_role)
    if role is None:
        raise AccessDenied(f"unknown role {raw_role!r} (expected one of {', '.join(ROLES)})")
    region = (raw_region or "").strip() or None
    if role == REGIONAL_MANAGER and region is None:
        raise AccessDenied("a regional manager needs a region (header or DSO_DASHBOARD_REGION)")
    return Identity(role=role, region=region if role == REGIONAL_MANAGER else None, source=source)


def _request_headers() -> Mapping[str, str]:
    """Headers of the current browser session (empty outside a Streamlit session)."""
    try:
        import streamlit as st

        return dict(st.context.headers)
    except Exception:  # no script-run context (plain Python, tests of the data layer)
        return {}


def current_identity() -> Identity:
    """Identity of the current viewer, re-read on every call (never cached in session state)."""
    return resolve_identity(_request_headers(), os.environ)


def pages_for(role: str) -> list[str]:
    """Page ids the role may open, in navigation order."""
    return [page for page, roles in PAGE_ROLES.items() if role in roles]
