from django.db import models


class SecretariatBody(models.TextChoices):
    EDA = "EDA", "European Defence Agency"
    EEAS = "EEAS", "European External Action Service"
    EUMS = "EUMS", "EU Military Staff"


class ProjectRoleKind(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    MEMBER = "member", "Member"
