"""Placeholder: replaced by the case store."""


def init_app(app):
    pass


def upgrade_database(app):
    pass
