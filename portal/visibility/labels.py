"""Readable names for the policy's codes (message ids; translated where they are shown)."""

from portal.core.i18n import N_
from portal.visibility.policy import Access, Audience, Relation, Role, Sensitivity

ROLE_LABELS = {
    Role.toeleider: N_("outreach worker (toeleider)"),
    Role.social_worker: N_("social worker"),
    Role.mediator: N_("VDAB mediator"),
    Role.coordinator: N_("coordinator"),
    Role.admin: N_("administrator"),
    Role.platform_admin: N_("platform administrator"),
}

RELATION_LABELS = {
    Relation.file_holder: N_("file holder"),
    Relation.care_team: N_("care team"),
    Relation.same_org: N_("same organisation"),
    Relation.same_org_reason: N_("same organisation, with a stated reason"),
    Relation.partner_org: N_("partner organisation (with consent)"),
    Relation.author_org: N_("organisation that wrote it"),
    Relation.none: N_("no relation"),
}

SENSITIVITY_LABELS = {
    Sensitivity.basic: N_("basic"),
    Sensitivity.identity: N_("identity"),
    Sensitivity.trajectory: N_("trajectory"),
    Sensitivity.social: N_("social"),
    Sensitivity.health: N_("health"),
}

SENSITIVITY_HEADINGS = {
    Sensitivity.basic: N_("Contact details"),
    Sensitivity.identity: N_("Identity"),
    Sensitivity.trajectory: N_("Trajectory"),
    Sensitivity.social: N_("Social situation"),
    Sensitivity.health: N_("Health"),
}

SENSITIVITY_EXAMPLES = {
    Sensitivity.basic: N_("name, language, municipality, phone"),
    Sensitivity.identity: N_("national number, birth date, address"),
    Sensitivity.trajectory: N_("ladder step, status, training requests, referral questions"),
    Sensitivity.social: N_("social report, finances, debts"),
    Sensitivity.health: N_("health, addiction"),
}

ACCESS_LABELS = {
    Access.shown: N_("shown"),
    Access.aggregate: N_("figures only"),
    Access.masked: N_("masked"),
    Access.hidden: N_("hidden"),
}

AUDIENCE_LABELS = {
    Audience.care_team: N_("care team"),
    Audience.own_org: N_("own organisation"),
    Audience.file_holder_only: N_("file holder only"),
    Audience.addressed_org: N_("the organisation it is addressed to"),
}
