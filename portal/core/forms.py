"""Reading submitted forms: plain strings, so a form with an error comes back as it was typed."""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar import Request


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value.strip() for key, value in form.items() if isinstance(value, str)}


def local_path(target: str | None, default: str = "/") -> str:
    """A redirect target limited to this site (no scheme, host or protocol-relative path)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target
