from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        # The workflow's table registers the permission of each action.
        from reviews import workflow  # noqa: F401, PLC0415
