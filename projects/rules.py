"""Who may see and curate projects. Small predicates, combined into permissions.

A user's project roles are read once per request and cached on the user object, so checking
many projects costs one query.
"""

import rules

from pesco_review.accounts.rules import (
    is_leadership,
    is_secretariat_lead,
    is_secretariat_reviewer,
    is_superuser,
)
from projects.enums import ProjectRoleKind


def project_roles_of(user) -> dict[int, str]:
    """{project id: role} for the user's project roles; one query, cached on the user. Only a
    national point of contact holds project roles (ProjectRole.clean): for any other account
    none counts, without a query, even a role written around that check."""
    if not user.is_authenticated or not user.is_national_contact:
        return {}
    cached = getattr(user, "_project_roles_cache", None)
    if cached is None:
        cached = dict(user.project_roles.values_list("project_id", "role"))
        user._project_roles_cache = cached
    return cached


def role_recorded(user, project_id: int) -> str | None:
    """The role the user holds in the project as recorded, whatever their account is now (one
    query): the four-eyes checks read it, where project_roles_of ignores a role that gives a
    secretariat account nothing."""
    roles = user.project_roles.filter(project_id=project_id)
    return roles.values_list("role", flat=True).first()


@rules.predicate
def is_project_coordinator(user, project) -> bool:
    return (
        project is not None
        and project_roles_of(user).get(project.pk) == ProjectRoleKind.COORDINATOR
    )


@rules.predicate
def is_project_member(user, project) -> bool:
    return project is not None and project_roles_of(user).get(project.pk) == ProjectRoleKind.MEMBER


is_secretariat = is_secretariat_lead | is_secretariat_reviewer
sees_every_project = is_superuser | is_secretariat | is_leadership

rules.add_perm(
    "projects.view_project", sees_every_project | is_project_coordinator | is_project_member
)
rules.add_perm("projects.view_project_history", sees_every_project | is_project_coordinator)
