from piccolo.conf.apps import AppRegistry

from portal.core.db import DB

APP_REGISTRY = AppRegistry(
    apps=[
        "portal.accounts.piccolo_app",
        "portal.clients.piccolo_app",
        "portal.audit.piccolo_app",
    ]
)

__all__ = ["APP_REGISTRY", "DB"]
