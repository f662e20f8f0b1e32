"""Brug: the shared portal of the Flemish social-activation chain."""

import os

os.environ.setdefault("PICCOLO_CONF", "portal.piccolo_conf")
