from piccolo.conf.apps import AppRegistry

from portal import domains
from portal.core.db import DB

APP_REGISTRY = AppRegistry(apps=domains.piccolo_apps())

__all__ = ["APP_REGISTRY", "DB"]
