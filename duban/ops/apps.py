from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: the commands that set up, load and serve an installation
    (the top layer: it may use every app, and no app uses it)."""

    name = "duban.ops"
    label = "ops"
