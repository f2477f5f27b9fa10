"""Who a user is, from their own fields: small predicates that the apps' permissions combine."""

import rules


@rules.predicate
def is_secretariat_lead(user) -> bool:
    return user.is_authenticated and user.is_secretariat_lead


@rules.predicate
def is_secretariat_reviewer(user) -> bool:
    return user.is_authenticated and bool(user.secretariat_body)


@rules.predicate
def is_leadership(user) -> bool:
    return user.is_authenticated and user.is_leadership


@rules.predicate
def is_superuser(user) -> bool:
    return user.is_authenticated and user.is_superuser


rules.add_perm("accounts.set_absence", is_secretariat_reviewer)
