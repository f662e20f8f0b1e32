"""Readable names of the client fields (message ids; translated where they are shown)."""

from portal.core.i18n import N_

FIELD_LABELS = {
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "language": N_("Language"),
    "municipality": N_("Municipality"),
    "phone": N_("Phone"),
    "national_number": N_("National number"),
    "birth_date": N_("Birth date"),
    "address": N_("Address"),
    "ladder_step": N_("Participation ladder step"),
    "status": N_("Status"),
    "living_wage_start": N_("Living wage since"),
    "agreement_note_on": N_("Agreement note made on"),
    "social_report": N_("Social report"),
    "finances": N_("Finances"),
    "health_notes": N_("Health"),
}
