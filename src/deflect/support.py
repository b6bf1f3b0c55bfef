"""Placeholder: replaced by the module's real implementation."""


def init_app(app):
    pass
