"""The export's PDF fetches nothing: WeasyPrint's URL fetcher refuses every resource and stops the
rendering, so a template that ever names one fails instead of reaching out."""

from __future__ import annotations

import pytest
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from portal.core.pdf import refusing_fetcher


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="http://127.0.0.1:9/x.png">',
        '<link rel="stylesheet" href="file:///etc/hostname">',
        '<p style="background: url(data:image/png;base64,AAAA)">x</p>',
    ],
)
def test_no_resource_is_fetched(markup: str) -> None:
    with pytest.raises(FatalURLFetchingError):
        HTML(string=markup, url_fetcher=refusing_fetcher()).write_pdf()
