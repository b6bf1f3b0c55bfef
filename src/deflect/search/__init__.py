"""Placeholder: replaced by the search implementation."""


def init_app(app):
    pass


def rebuild_index(app, echo=print):
    echo("search index: not implemented yet")
