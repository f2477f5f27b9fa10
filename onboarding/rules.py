"""Who imports: the secretariat lead, who manages the register and the national points of
contact. Nobody else, superusers and staff included (they use the administration)."""

import rules

from pesco_review.accounts.rules import is_secretariat_lead

rules.add_perm("onboarding.import_register", is_secretariat_lead)
