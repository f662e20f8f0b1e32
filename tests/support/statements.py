"""The organisation's details that production requires for the privacy and accessibility
statements (``portal.settings.STATEMENTS_REQUIRED``), for tests that build production settings."""

STATEMENTS = {
    "PORTAL_CONTROLLER_NAME": "OCMW Teststad",
    "PORTAL_CONTROLLER_ADDRESS": "Markt 1, 9999 Teststad",
    "PORTAL_DPO_EMAIL": "dpo@teststad.example",
    "PORTAL_ACCESSIBILITY_EMAIL": "toegankelijkheid@teststad.example",
}
