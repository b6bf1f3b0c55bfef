"""The help center as built: strict, complete in every language, linked, declared."""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from deflect.cli import build_site
from deflect.content import PLACEHOLDER, article_id, split_front_matter
from deflect.labels import LABELS_FILE, load_labels
from deflect.site import load_help_center

PROJECT_DIR = Path(__file__).resolve().parents[1]
HELP_CENTER = load_help_center(PROJECT_DIR / "mkdocs.yml")
LANGUAGES = HELP_CENTER.languages
LABELS = load_labels(PROJECT_DIR / LABELS_FILE, LANGUAGES)
REQUIRED_ARTICLES = {
    "index", "support/index", "support/contact", "support/raise-a-case", "support/severity",
    "support/sla", "support/case-lifecycle", "support/escalation", "support/incidents",
    "support/remote-assistance", "support/tracking", "support/satisfaction",
    "support/feature-requests",
}
#: Frequent function words: an article written in its language uses its own, not English ones.
FUNCTION_WORDS = {
    "en": {"the", "and", "you", "your", "is", "of", "to", "with", "for", "are"},
    "de": {"der", "die", "das", "und", "sie", "ist", "mit", "für", "ein", "eine", "nicht"},
    "fr": {"le", "la", "les", "et", "vous", "est", "des", "une", "pour", "dans", "pas"},
    "it": {"il", "la", "le", "e", "di", "che", "per", "una", "non", "sono", "del"},
    "es": {"el", "la", "los", "las", "y", "de", "que", "para", "una", "su", "con"},
}


def articles(lang: str) -> dict[str, Path]:
    root = PROJECT_DIR / "docs" / lang
    return {article_id(path, root): path for path in sorted(root.rglob("*.md"))}


def test_languages_are_declared_once_in_mkdocs_yml():
    assert LANGUAGES == ("en", "de", "fr", "it", "es")
    assert HELP_CENTER.default_language == "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_article_exists_in_every_language(lang):
    assert set(articles(lang)) == set(articles("en"))
    assert REQUIRED_ARTICLES <= set(articles(lang))


def words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_articles_are_written_in_their_language_not_copied(lang):
    english = articles("en")
    for article, path in articles(lang).items():
        _, body = split_front_matter(path.read_text(encoding="utf-8"))
        _, english_body = split_front_matter(english[article].read_text(encoding="utf-8"))
        tokens = words(body)
        own = sum(token in FUNCTION_WORDS[lang] for token in tokens)
        foreign = sum(token in FUNCTION_WORDS["en"] - FUNCTION_WORDS[lang] for token in tokens)
        assert own > 4 * max(foreign, 1), f"{lang}/{article} reads like English"
        # Lines made of placeholders and markup only (a "## {{ label.… }}" heading) are in every language.
        same_lines = {line for line in set(body.splitlines()) & set(english_body.splitlines())
                      if words(PLACEHOLDER.sub("", line))}
        assert len(same_lines) <= 3, f"{lang}/{article} repeats English lines: {sorted(same_lines)[:3]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_front_matter_is_complete(lang):
    for article, path in articles(lang).items():
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        where = f"{lang}/{article}"
        assert isinstance(meta.get("title"), str) and meta["title"].strip(), where
        assert isinstance(meta.get("description"), str) and meta["description"].strip(), where
        for key in ("tags", "keywords"):
            assert isinstance(meta.get(key), list) and meta[key], f"{where}: {key}"
            assert all(isinstance(item, str) and item.strip() for item in meta[key]), f"{where}: {key}"
        assert body.lstrip().startswith(f"# {meta['title']}"), f"{where}: H1 differs from title"


def test_each_severity_has_its_one_line_in_every_language():
    """The case form shows these under the severity choice (they were the guide's ``levels``)."""
    for lang in LANGUAGES:
        lines = LABELS.for_language(lang)["severity_line"]
        assert set(lines) == {"general", "moderate", "critical"}, lang
        assert all(0 < len(line) <= 120 for line in lines.values()), lang


class PageParser(HTMLParser):
    """Collect a page's ids, links and declared language."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.lang: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def site_pages(site: Path) -> dict[str, Path]:
    """Map each built page's URL path (``/fr/support/sla/``) to its file."""
    pages = {}
    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        url = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        pages[url] = path
    return pages


#: Links that leave the static site on purpose: the form service and the feedback API.
SERVICE_PATHS = ("/support/new", "/api/", "/healthz")


def test_strict_build_produces_every_language(built_site):
    for lang in LANGUAGES:
        prefix = "" if lang == HELP_CENTER.default_language else f"{lang}/"
        for article in REQUIRED_ARTICLES:
            url = HELP_CENTER.page_url(article, lang)
            assert (built_site / url.lstrip("/") / "index.html").is_file(), f"{lang}: {article}"
        assert (built_site / prefix / "index.html").is_file()


def test_every_internal_link_and_anchor_resolves(built_site):
    pages = site_pages(built_site)
    parsed = {url: parse(path) for url, path in pages.items()}
    broken = []
    for url, page in parsed.items():
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue  # external, mailto:, tel:
            target = urlsplit(urljoin(url, href))
            path = unquote(target.path)
            if path.startswith(SERVICE_PATHS):
                continue
            if path not in pages and not (built_site / path.lstrip("/")).is_file():
                broken.append(f"{url} → {href}")
                continue
            if target.fragment and path in parsed and target.fragment not in parsed[path].ids:
                broken.append(f"{url} → {href} (no #{target.fragment})")
    assert not broken, "\n".join(broken[:20])


def test_built_pages_declare_their_language(built_site):
    for url, path in site_pages(built_site).items():
        if url.startswith("/assets/"):
            continue
        first = url.strip("/").split("/")[0]
        expected = first if first in LANGUAGES else HELP_CENTER.default_language
        assert parse(path).lang == expected, url


def test_placeholders_are_filled_everywhere(built_site):
    for url, path in site_pages(built_site).items():
        text = path.read_text(encoding="utf-8")
        assert not PLACEHOLDER.search(text), url
    assert HELP_CENTER.extra["vendor"]["hotline"]["fr"] in (built_site / "fr/support/contact/index.html").read_text()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_article_ends_with_contact_and_feedback_in_its_language(built_site, lang):
    for article in REQUIRED_ARTICLES:
        html = (built_site / HELP_CENTER.page_url(article, lang).lstrip("/") / "index.html").read_text()
        assert f'/support/new?lang={lang}&amp;from={article}"' in html, (lang, article)
        assert f'data-article="{article}" data-lang="{lang}"' in html
        assert LABELS.get("action", "contact_support", lang) in html
        assert "deflect-fallback" not in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_has_its_own_404_page(built_site, lang):
    """A static host serves ``<lang>/404.html`` for a missing page under the language's prefix."""
    prefix = "" if lang == HELP_CENTER.default_language else f"{lang}/"
    html = (built_site / prefix / "404.html").read_text(encoding="utf-8")
    assert parse(built_site / prefix / "404.html").lang == lang
    ui = HELP_CENTER.ui[lang]
    assert f"<h1>{ui['not_found_title']}</h1>" in html and ui["not_found_home"] in html
    assert f'class="md-button" href="{HELP_CENTER.page_path("index", lang)}"' in html
    assert f'/support/new?lang={lang}&amp;from="' in html
    # Its language switcher leads to each language's home, not to some article.
    for other in LANGUAGES:
        assert f'href="{HELP_CENTER.page_path("index", other)}" hreflang="{other}"' in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_footer_and_team_speak_the_page_language(built_site, lang):
    ui = HELP_CENTER.ui[lang]
    html = (built_site / HELP_CENTER.page_url("support/contact", lang).lstrip("/") / "index.html").read_text()
    footer = html[html.index('<div class="md-copyright">'):]
    assert ui["made_with"] in footer
    if lang != "en":
        assert "Made with" not in html and "Lumera Technical Support" not in html


@pytest.fixture(scope="module")
def variant_site(tmp_path_factory) -> Path:
    """The help center built as for a static host (service elsewhere) with one German article missing."""
    project = tmp_path_factory.mktemp("variant") / "project"
    project.mkdir()
    for name in ("mkdocs.yml", "vocabulary", "docs", "overrides", "src"):
        source = PROJECT_DIR / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
    (project / "docs/de/support/tracking.md").unlink()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEFLECT_SERVICE_URL", "https://service.example/")
        build_site(project / "mkdocs.yml", project / "site")
    return project / "site"


def test_missing_translation_falls_back_to_english_and_says_so(variant_site):
    html = (variant_site / "de/support/tracking/index.html").read_text()
    english_title = split_front_matter((PROJECT_DIR / "docs/en/support/tracking.md").read_text())[0]["title"]
    assert HELP_CENTER.ui["de"]["fallback"] in html
    assert f">{english_title}<" in html or english_title in html
    assert '<html lang="de"' in html
    assert "/support/new?lang=de&amp;from=support/tracking" in html


def test_one_setting_points_the_site_at_a_service_elsewhere(variant_site):
    html = (variant_site / "fr/support/sla/index.html").read_text()
    assert 'href="https://service.example/support/new?lang=fr&amp;from=support/sla"' in html
    assert 'data-endpoint="https://service.example/api/feedback"' in html
    assert 'data-health="https://service.example/healthz"' in html
