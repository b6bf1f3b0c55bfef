"""Read the help center's articles into sections, as the built site shows them.

Each article is rendered with Python-Markdown and the ``markdown_extensions``
of mkdocs.yml, after the shared placeholders are filled, so a section's
anchor is exactly the ``id`` of its heading on the built page and its text is
what the customer reads there.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator
from xml.etree.ElementTree import Element

import markdown
from markdown.inlinepatterns import InlineProcessor as InlinePattern
from markdown.serializers import HTML_EMPTY, _escape_attrib_html, _escape_cdata, to_xhtml_string
from markdown.treeprocessors import InlineProcessor
from markdown.util import AMP_SUBSTITUTE, STX, AtomicString

from deflect.content import article_id, article_values, fill_placeholders, split_front_matter

#: Headings that start a section (h1 is the article's lead section).
SECTION_TAGS = {"h1", "h2", "h3"}
SNIPPET_CHARS = 200


@dataclass
class Section:
    """A part of an article under one heading: what a suggestion links to."""

    anchor: str  # "" for the lead section (before the first h2)
    heading: str
    text: str


@dataclass
class Article:
    """One article in one language, read from ``docs/<lang>/<id>.md``."""

    id: str
    lang: str
    title: str
    description: str
    keywords: list[str]
    sections: list[Section] = field(default_factory=list)


class _SectionSplitter(HTMLParser):
    """Split rendered HTML at h1–h3, keeping each heading's id and the plain text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = [Section("", "", "")]
        self._in_heading: str | None = None
        self._heading_text: list[str] = []
        self._skip = 0  # inside the toc permalink "¶", or a table's header row
        self._chunks: list[str] = []
        self._cell = 0  # cells of the current table row seen so far

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in SECTION_TAGS:
            self._flush()
            self._in_heading = tag
            self._heading_text = []
            anchor = attrs.get("id") or ""
            self.sections.append(Section(anchor if tag != "h1" else "", "", ""))
        elif (tag == "a" and "headerlink" in (attrs.get("class") or "")) or tag == "thead":
            self._skip += 1
        elif tag == "tr":
            self._cell = 0
        elif tag in {"td", "th"} and not self._skip:  # a row reads as "first cell – second – third."
            self._chunks.append(" – " if self._cell else " ")
            self._cell += 1
        elif tag in {"p", "li", "br", "div", "dt", "dd", "pre", "blockquote"}:
            self._chunks.append(" ")

    def handle_endtag(self, tag):
        if (tag == "a" or tag == "thead") and self._skip:
            self._skip -= 1
        elif tag == "tr" and self._chunks and not self._skip:
            row_end = "".join(self._chunks).rstrip()
            self._chunks = [row_end + ("" if row_end.endswith((".", "!", "?", ":")) else ".") + " "]
        elif tag == self._in_heading:
            self.sections[-1].heading = _squash("".join(self._heading_text))
            self._in_heading = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._in_heading:
            self._heading_text.append(data)
        else:
            self._chunks.append(data)

    def _flush(self):
        self.sections[-1].text = _squash(self.sections[-1].text + " " + "".join(self._chunks))
        self._chunks = []

    def close(self):
        super().close()
        self._flush()


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def split_sections(html: str) -> list[Section]:
    """Return the sections of a rendered page: the text before the first heading, then one per h1–h3.

    >>> [(s.anchor, s.heading, s.text) for s in split_sections('<p>Hi</p><h2 id="a">A</h2><p>Text</p>')]
    [('', '', 'Hi'), ('a', 'A', 'Text')]
    """
    splitter = _SectionSplitter()
    splitter.feed(html)
    splitter.close()
    return [s for s in splitter.sections if s.heading or s.text]


def markdown_tree(page: markdown.Markdown, source: str) -> Element | None:
    """Return the tree ``page.convert(source)`` would write as HTML (its document ``div``; None for no text).

    ``Markdown.convert``'s first steps (Python-Markdown 3.x): the
    preprocessors, the block parser, the tree processors (inline markup,
    attributes, the headings' ids). Call ``page.reset()`` first, as before
    ``convert``.
    """
    if not source.strip():
        return None
    page.lines = source.split("\n")
    for preprocessor in page.preprocessors:
        page.lines = preprocessor.run(page.lines)
    root = page.parser.parseDocument(page.lines).getroot()
    for treeprocessor in page.treeprocessors:
        replaced = treeprocessor.run(root)
        if replaced is not None:
            root = replaced
    return root


def any_pattern(patterns) -> re.Pattern | None:
    r"""Return one regular expression that matches where any of ``patterns`` (Markdown's inline patterns) does.

    Their alternation: at each place, each pattern is tried as it would be
    alone. None when they cannot be joined exactly (old-style patterns,
    different flags, group references, a syntax error).

    >>> import markdown
    >>> either = any_pattern(markdown.Markdown().inlinePatterns)
    >>> bool(either.search("plain words. Nothing else")), bool(either.search("a *stressed* word"))
    (False, True)
    """
    patterns = list(patterns)
    if not patterns or not all(isinstance(pattern, InlinePattern) for pattern in patterns):
        return None
    flags = {pattern.compiled_re.flags for pattern in patterns}
    sources = [pattern.compiled_re.pattern for pattern in patterns]
    if len(flags) != 1 or any(re.search(r"\\[1-9]|\(\?P[<=]|\(\?\(", source) for source in sources):
        return None
    try:
        return re.compile("|".join(f"(?:{source})" for source in sources), flags.pop())
    except re.error:
        return None


class _PlainTextInline(InlineProcessor):
    """Markdown's inline processor, leaving a text that no inline pattern matches as it is without trying each.

    Python-Markdown tries each of its inline patterns (code, links,
    emphasis, HTML …) on every text of an article, a search and a few calls
    each, and most of a help center's text is plain: one search of all of
    them at once (:func:`any_pattern`) tells when none can match, and then
    the text is what Markdown would leave (a tenth of an article's
    rendering). Any other text goes Markdown's way.
    """

    def __init__(self, md):
        super().__init__(md)
        self._any_pattern = any_pattern(md.inlinePatterns)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        # InlineProcessor.__handleInline (Python-Markdown 3.x), which only changes a text some pattern matches.
        plain = (patternIndex == 0 and self._any_pattern is not None and not isinstance(data, AtomicString)
                 and not self._any_pattern.search(data))
        if plain:
            return data
        return InlineProcessor._InlineProcessor__handleInline(self, data, patternIndex)


class _NotPlainTree(Exception):
    """The tree holds what only the HTML says exactly (raw HTML, scripts, comments): split the HTML."""


def _escaped(text: str, escape) -> str:
    """Return tree text as Markdown writes it in the page (``escape``, then ``&`` restored), unless stashed."""
    text = escape(text).replace(AMP_SUBSTITUTE, "&")
    if STX in text:  # a placeholder of stashed raw HTML, an entity: only the HTML has it
        raise _NotPlainTree(text)
    return text


def sections_of_tree(root: Element) -> list[Section]:
    r"""Return :func:`split_sections` of the page Markdown would serialize from ``root`` (its document ``div``).

    The same sections without writing the HTML and parsing it again (a
    fifth of the time an index build spends on an article's Markdown):
    :class:`_SectionSplitter` hears the tags, attributes and text as
    Python-Markdown's XHTML serializer writes them (``<br />``: a start and
    an end, no text) and :class:`~html.parser.HTMLParser` reads them back
    (attribute values and text unescaped, empty text not heard), the
    page's outer white space stripped as ``Markdown.convert`` does.

    >>> page = markdown.Markdown(extensions=["toc", "tables"])
    >>> source = "# T\n\nR & D: `a<b`\n\n## A\n\n|x|y|\n|-|-|\n|1|2|"
    >>> sections = sections_of_tree(markdown_tree(page, source))
    >>> [(s.anchor, s.heading, s.text) for s in sections]
    [('', 'T', 'R & D: a<b'), ('a', 'A', '1 – 2.')]
    >>> sections == split_sections(page.reset().convert(source))
    True
    >>> sections_of_tree(markdown_tree(page.reset(), "R&amp;D <b>bold</b>"))  # stashed: only the HTML says it
    Traceback (most recent call last):
    ...
    deflect.search.articles._NotPlainTree: ...
    """
    splitter = _SectionSplitter()

    def data(text: str | None, lstrip: bool = False, rstrip: bool = False) -> None:
        if text:
            text = _escaped(text, _escape_cdata)
            text = text.lstrip() if lstrip else text
            text = html.unescape(text.rstrip() if rstrip else text)
            if text:
                splitter.handle_data(text)

    def walk(element: Element, last: bool) -> None:
        tag = element.tag
        if not isinstance(tag, str) or tag.lower() in {"script", "style"}:
            raise _NotPlainTree(repr(tag))
        tag = tag.lower()
        attrs = [(name.lower(), None if value is None else html.unescape(_escaped(value, _escape_attrib_html)))
                 for name, value in sorted(element.items())]
        splitter.handle_starttag(tag, attrs)
        if tag not in HTML_EMPTY:  # <br />: no text, no children
            data(element.text)
            for child in element:
                walk(child, False)
        splitter.handle_endtag(tag)
        data(element.tail, rstrip=last)  # the page's last text: its white space stripped

    children = list(root)
    data(root.text, lstrip=True, rstrip=not children)
    for number, child in enumerate(children, 1):
        walk(child, number == len(children))
    splitter.close()
    return [s for s in splitter.sections if s.heading or s.text]


class ArticleReader:
    """Render articles like the built site: mkdocs.yml's Markdown extensions and placeholders."""

    def __init__(self, markdown_settings: tuple[list, dict], extra: dict[str, Any]):
        self.extensions, self.extension_configs = markdown_settings
        self.extra = extra
        self._markdown = markdown.Markdown(extensions=self.extensions,
                                           extension_configs=self.extension_configs)
        if type(self._markdown.treeprocessors["inline"]) is InlineProcessor:  # Markdown's own, at its priority
            self._markdown.treeprocessors.register(_PlainTextInline(self._markdown), "inline", 20)
        # Sections are read from Markdown's tree when its HTML would be the plain XHTML of that tree.
        self._from_tree = (self._markdown.serializer is to_xhtml_string and self._markdown.stripTopLevelTags
                           and list(self._markdown.postprocessors._data) == PLAIN_POSTPROCESSORS)
        # Placeholder values per folder and language: looking the help center up for each of
        # thousands of articles (a walk up the folders, two files' times) cost a tenth of a build.
        self._values: dict[tuple[Path, str], dict[str, Any]] = {}

    def read(self, path: Path, lang_root: Path, lang: str) -> Article:
        """Return the article at ``path`` split into its sections."""
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        values = self._values.get((path.parent, lang))
        if values is None:
            values = self._values[(path.parent, lang)] = article_values(path, lang, self.extra)
        body = fill_placeholders(body, values)
        sections = self._sections(body)
        title = str(meta.get("title") or "")
        if not title:
            title = next((s.heading for s in sections if s.heading), article_id(path, lang_root))
        # The h1 and any text before it form the lead section, which links to the page itself.
        lead = [s for s in sections if not s.anchor]
        rest = [s for s in sections if s.anchor]
        merged = Section("", title, _squash(" ".join(s.text for s in lead)))
        keywords = [str(k) for k in (meta.get("keywords") or []) + (meta.get("tags") or [])]
        return Article(
            id=article_id(path, lang_root),
            lang=lang,
            title=title,
            description=fill_placeholders(str(meta.get("description") or ""), self.extra),
            keywords=[fill_placeholders(k, self.extra) for k in keywords],
            sections=[merged, *rest],
        )


    def _sections(self, body: str) -> list[Section]:
        """Return the sections of an article's rendered Markdown, read from Markdown's tree when that says it all.

        Writing the page's HTML and parsing it again took a fifth of the time
        an index build spends on an article's Markdown. The HTML is still
        written and split when the page holds raw HTML or entities (Markdown
        stashes them aside from the tree), or when the Markdown settings
        write other than plain XHTML.
        """
        page = self._markdown
        if self._from_tree:
            page.reset()
            root = markdown_tree(page, body)
            if root is not None and not page.htmlStash.html_counter:
                try:
                    return sections_of_tree(root)
                except _NotPlainTree:
                    pass
        page.reset()
        return split_sections(page.convert(body))


#: Markdown's postprocessors when no extension adds one: with nothing stashed, they only restore ``&``.
PLAIN_POSTPROCESSORS = ["raw_html", "amp_substitute"]


def markdown_settings(mkdocs_yml: Path) -> tuple[list, dict]:
    """Return the Markdown extensions and their configs declared in mkdocs.yml."""
    from mkdocs.config import load_config

    config = load_config(str(mkdocs_yml))
    return list(config["markdown_extensions"]), dict(config["mdx_configs"])


def article_paths(docs_dir: Path, lang: str) -> Iterator[Path]:
    """Yield the Markdown files of one language, in a stable order."""
    root = docs_dir / lang
    if root.is_dir():
        yield from sorted(root.rglob("*.md"))


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """Return ``text`` cut at a word boundary to about ``limit`` characters.

    >>> snippet("one two three", 8)
    'one two…'
    """
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"
