from django.db import models


class SecretariatBody(models.TextChoices):
    EDA = "EDA", "European Defence Agency"
    EEAS = "EEAS", "European External Action Service"
    EUMS = "EUMS", "EU Military Staff"
