"""The statements a public-sector portal owes its users: privacy (GDPR art. 13 and 14) and
accessibility (Web Accessibility Directive 2016/2102), public pages linked from every page's
footer, with the organisation's details and the retention periods taken from the settings."""
