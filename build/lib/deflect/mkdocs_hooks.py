"""MkDocs hooks (declared in mkdocs.yml): fill the shared placeholders of every page."""
from deflect.content import ContentError, fill_placeholders
from mkdocs.exceptions import PluginError


def on_page_markdown(markdown, page, config, files):
    """Replace ``{{ vendor.… }}``-style placeholders with the values in ``extra``."""
    try:
        return fill_placeholders(markdown, dict(config.extra))
    except ContentError as exc:
        raise PluginError(f"{page.file.src_uri}: {exc}") from exc
