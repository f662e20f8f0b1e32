"""Moved to ``portal.testing.processes``; import from there.

Kept only as a re-export for the modules that still import it from here
(``tests/e2e/test_oidc_journey.py``, ``tests/core/test_security.py``); delete it once they import
``portal.testing.processes``.
"""

from portal.testing.processes import (
    PORTAL,
    PortalServer,
    free_port,
    run_portal,
    run_portal_ok,
)
from portal.testing.processes import development_env as portal_env

__all__ = ["PORTAL", "PortalServer", "free_port", "portal_env", "run_portal", "run_portal_ok"]
