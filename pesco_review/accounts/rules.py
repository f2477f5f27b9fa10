import rules

from projects.rules import is_secretariat_reviewer

rules.add_perm("accounts.set_absence", is_secretariat_reviewer)
