"""``deflect check``: what an author should fix before the help center is published.

Per language, each with ``file:line``:

- **missing translation** (warning): an English article the language lacks;
  the site shows the English one there, marked, until it exists;
- **orphan translation** (error): an article with no English source;
- **stale translation** (warning): the English source changed in git after
  the translation did. An author who has reviewed the translation writes the
  English revision it matches in its front matter, ``translated_from: <commit>``,
  and only later English changes count;
- **broken link**, **broken anchor** (errors): a relative link to an article
  or file that does not exist, or to a ``#anchor`` the target does not have
  (anchors computed as the built page computes them, after its placeholders
  are filled in its language);
- **front matter** (error): ``title``, ``description``, ``tags``, ``keywords``
  missing or empty, no ``# Title`` heading equal to the title, or a
  placeholder in the front matter (the build fills only the body);
- **hand-written label** (error): a word of ``vocabulary/labels.yml`` in the
  article's own language written out instead of ``{{ label.… }}`` (see
  :func:`hand_written_labels` for what counts);
- **unknown placeholder** (error): ``{{ name }}`` that neither mkdocs.yml's
  ``extra`` nor the labels define;
- the labels file itself (error): a label without one of the languages.

Warnings do not fail the command; errors do (exit status 1). The search's
synonym lists are checked too when ``deflect.search.synonyms`` offers
``check_synonyms(project_dir, languages)``.
"""
from __future__ import annotations

import json
import re
import subprocess
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator, Mapping

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from deflect.content import (FRONT_MATTER, PLACEHOLDER, ContentError, article_id, language_extra,
                             placeholder_values, split_front_matter)
from deflect.labels import LABELS_FILE, Labels, LabelsError, load_labels
from deflect.site import HelpCenter, load_help_center

ERROR, WARNING = "error", "warning"
REQUIRED_LISTS = ("tags", "keywords")


@dataclass(frozen=True)
class Finding:
    """One thing to fix (error) or to look at (warning), where it is."""

    level: str
    check: str
    lang: str  # "" when it concerns every language (the labels file)
    path: str  # relative to the project folder
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.message} [{self.check}]"


# --- hand-written labels -------------------------------------------------------------------

#: Text that marks a label as a UI word: bold, italics, code, quotes, parentheses.
_MARKED = [re.compile(pattern) for pattern in (
    r"\*\*(.+?)\*\*", r"(?<![*\w])\*(?!\*)(.+?)(?<!\*)\*(?![*\w])", r"(?<!\w)__(.+?)__(?!\w)",
    r"`([^`]+)`", r"“([^”]+)”", r"„([^“”]+)[“”]", r"«([^»]+)»", r"‹([^›]+)›", r"‚([^‘]+)‘",
    r'"([^"]+)"', r"\(([^()]+)\)",
)]
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_TRIM = " \t\u00a0.,;:!?¡¿*_`'\"“”„«»‹›‚‘’"
#: What may stand before a word at the start of a sentence or a list item.
_LINE_START = re.compile(r"^\s*(?:>\s*)*(?:[-*+]|\d+[.)]|\||#{1,6}|!!!\s+\w+)?\s*(?:[*_\"“„«¡¿(]\s*)*$")
_SENTENCE_END = re.compile(r"[.!?]\s*(?:[*_\"“„«¡¿(]\s*)*$")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip(_TRIM)).casefold()


#: Labels that are names (of a status, a severity …): found in plain text too. Buttons
#: (``action.*``) and states (``escalation.*``) are verb phrases that prose uses as well
#: ("you can request an escalation"), so they count only where the text marks them.
NAME_LABELS = ("severity.", "severity_line.", "status.", "request_type.", "keyword.", "survey.question")


def hand_written_labels(lines: Iterable[str], labels: Mapping[str, str],
                        names: Iterable[str] | None = None) -> Iterator[tuple[int, str, str]]:
    """Yield ``(line number, label name, text)`` for each label written out by hand.

    ``labels``: label name (``status.open``) → its text in the article's
    language. A label counts as written by hand when, outside placeholders
    and code blocks, it is the whole text of a heading, a table cell, or a
    bold, italic, code, quoted or parenthesised span (in any case); or, for
    the labels in ``names`` (default: all) of two words or more, when it
    appears as written (same case) anywhere but at the start of a sentence,
    where ordinary prose may begin with the same words ("Pending customer
    cases …", "Open the case").

    >>> labels = {"status.pending_customer": "Pending customer", "status.open": "Open"}
    >>> list(hand_written_labels(["The case is **open**.", "Open the case.",
    ...                           "It goes to Pending customer and waits."], labels))
    [(1, 'status.open', 'open'), (3, 'status.pending_customer', 'Pending customer')]
    """
    wanted = {_norm(text): name for name, text in labels.items()}
    chosen = set(labels) if names is None else set(names)
    phrases = [(name, text) for name, text in labels.items() if len(text.split()) >= 2 and name in chosen]
    fenced = False
    for number, raw in enumerate(lines, start=1):
        if raw.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        line = PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), raw)
        spans: list[str] = []
        heading = _HEADING.match(line)
        if heading:
            spans.append(heading.group(1))
        if line.lstrip().startswith("|"):
            spans.extend(line.strip().strip("|").split("|"))
        for pattern in _MARKED:
            spans.extend(match.group(1) for match in pattern.finditer(line))
        found: dict[str, str] = {}
        for span in spans:
            name = wanted.get(_norm(span))
            if name:
                found.setdefault(name, span.strip(_TRIM))
        for name, text in phrases:
            for match in re.finditer(rf"(?<!\w){re.escape(text)}(?!\w)", line):
                before = line[: match.start()]
                if _LINE_START.match(before) or _SENTENCE_END.search(before):
                    continue
                found.setdefault(name, text)
        yield from ((number, name, text) for name, text in found.items())


# --- anchors ---------------------------------------------------------------------------------

class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key == "id" and value:
                self.ids.add(value)


class _Renderer:
    """Render an article's body with mkdocs.yml's Markdown settings, to know its anchors."""

    def __init__(self, mkdocs_yml: Path):
        import markdown

        from deflect.search.articles import markdown_settings

        extensions, configs = markdown_settings(mkdocs_yml)
        self._markdown = markdown.Markdown(extensions=extensions, extension_configs=configs)

    def anchors(self, body: str) -> set[str]:
        self._markdown.reset()
        parser = _Ids()
        parser.feed(self._markdown.convert(body))
        return parser.ids


# --- the checks ------------------------------------------------------------------------------

_LINK = re.compile(r"(!?)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_CODE_SPAN = re.compile(r"`[^`]*`")


@dataclass
class _Article:
    lang: str
    id: str
    path: Path
    rel: str  # path shown to the author
    meta: dict[str, Any]
    body: str
    body_line: int  # line number of the body's first line
    anchors: set[str]


class HelpCenterCheck:
    """Run every check on one help center (its mkdocs.yml, docs and labels)."""

    def __init__(self, mkdocs_yml: Path, *, git: bool = True):
        self.mkdocs_yml = Path(mkdocs_yml).resolve()
        self.project = self.mkdocs_yml.parent
        self.center: HelpCenter = load_help_center(self.mkdocs_yml, with_labels=False)
        self.git = git
        self.findings: list[Finding] = []
        self.labels: Labels | None = None
        self.articles: dict[str, dict[str, _Article]] = {}

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.project).as_posix()
        except ValueError:
            return path.as_posix()

    def add(self, level: str, check: str, lang: str, path: Path | str, line: int, message: str) -> None:
        where = path if isinstance(path, str) else self.rel(path)
        self.findings.append(Finding(level, check, lang, where, line, message))

    def run(self) -> list[Finding]:
        self.check_labels_file()
        renderer = _Renderer(self.mkdocs_yml)
        for lang in self.center.languages:
            self.articles[lang] = self.read_language(lang, renderer)
        for lang in self.center.languages:
            for article in self.articles[lang].values():
                self.check_links(article)
        self.check_translations()
        self.check_synonyms()
        self.check_subjects()
        self.check_questions()
        order = {lang: i for i, lang in enumerate(("",) + self.center.languages)}
        return sorted(self.findings, key=lambda f: (order.get(f.lang, 99), f.path, f.line, f.check))

    def check_labels_file(self) -> None:
        path = self.project / LABELS_FILE
        try:
            self.labels = load_labels(path, self.center.languages)
        except OSError as exc:
            self.add(ERROR, "labels", "", path, 1, f"cannot read the labels: {exc.strerror}")
        except LabelsError as exc:
            label = re.search(r": (\w+)\.(\w+) ", str(exc))
            line = _line_of_label(path, *label.groups()) if label else 1
            self.add(ERROR, "labels", "", path, line, str(exc).split(": ", 1)[-1])

    def values(self, lang: str) -> dict[str, Any]:
        try:
            return placeholder_values(self.mkdocs_yml, lang)
        except ContentError:  # the labels file is reported on its own
            return language_extra(self.mkdocs_yml, lang)

    def read_language(self, lang: str, renderer: _Renderer) -> dict[str, _Article]:
        root = Path(self.center.docs_dir) / lang
        values = self.values(lang)
        labels = {f"{group}.{key}": text for group, entries in (values.get("label") or {}).items()
                  for key, text in entries.items()}
        found: dict[str, _Article] = {}
        for path in sorted(root.rglob("*.md")) if root.is_dir() else []:
            text = path.read_text(encoding="utf-8")
            match = FRONT_MATTER.match(text)
            body_line = text[: match.end()].count("\n") + 1 if match else 1
            try:
                meta, body = split_front_matter(text)
            except ContentError as exc:
                self.add(ERROR, "front-matter", lang, path, 1, str(exc))
                meta, body = {}, text[match.end():] if match else text
            article = _Article(lang, article_id(path, root), path, self.rel(path), meta, body, body_line, set())
            self.check_front_matter(article, match.group(1) if match else "")
            filled = self.check_placeholders(article, values)
            lines = body.splitlines()
            names = [name for name in labels if name.startswith(NAME_LABELS)]
            for number, name, written in hand_written_labels(lines, labels, names):
                self.add(ERROR, "hand-written-label", lang, path, body_line + number - 1,
                         f"“{written}” is the label {name}: write {{{{ label.{name} }}}}")
            article.anchors = renderer.anchors(filled)
            found[article.id] = article
        return found

    def check_front_matter(self, article: _Article, raw: str) -> None:
        meta, lang, path = article.meta, article.lang, article.path
        if not raw:
            self.add(ERROR, "front-matter", lang, path, 1,
                     "no front matter: start with ---, title, description, tags, keywords, ---")
            return
        for key in ("title", "description"):
            if not isinstance(meta.get(key), str) or not meta[key].strip():
                self.add(ERROR, "front-matter", lang, path, 1, f"front matter: {key} is missing or empty")
        for key in REQUIRED_LISTS:
            value = meta.get(key)
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
                self.add(ERROR, "front-matter", lang, path, 1, f"front matter: {key} must be a list of words")
        for offset, line in enumerate(raw.splitlines(), start=2):
            for placeholder in PLACEHOLDER.finditer(line):
                self.add(ERROR, "front-matter", lang, path, offset,
                         f"{placeholder.group(0)} in the front matter is never filled: write the words")
        title = meta.get("title")
        first = next(((n, line) for n, line in enumerate(article.body.splitlines(), start=article.body_line)
                      if line.strip()), (article.body_line, ""))
        if isinstance(title, str) and first[1].strip() != f"# {title}".strip():
            self.add(ERROR, "front-matter", lang, path, first[0],
                     f"the article must start with “# {title}” (its title)")

    def check_placeholders(self, article: _Article, values: Mapping[str, Any]) -> str:
        """Report unknown placeholders; return the body filled (unknown ones by their name)."""
        filled_lines = []
        for number, line in enumerate(article.body.splitlines(), start=article.body_line):
            def value_of(match: re.Match[str]) -> str:
                value: Any = values
                for part in match.group(1).split("."):
                    if not isinstance(value, Mapping) or part not in value:
                        self.add(ERROR, "unknown-placeholder", article.lang, article.path, number,
                                 f"unknown placeholder {match.group(0)}")
                        return match.group(1)
                    value = value[part]
                if isinstance(value, (Mapping, list)):
                    self.add(ERROR, "unknown-placeholder", article.lang, article.path, number,
                             f"placeholder {match.group(0)} is not a single value")
                    return match.group(1)
                return str(value)

            filled_lines.append(PLACEHOLDER.sub(value_of, line))
        return "\n".join(filled_lines)

    def check_links(self, article: _Article) -> None:
        fenced = False
        for number, line in enumerate(article.body.splitlines(), start=article.body_line):
            if line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
            if fenced:
                continue
            for match in _LINK.finditer(_CODE_SPAN.sub("", line)):
                self.check_link(article, number, match.group(2), image=bool(match.group(1)))

    def check_link(self, article: _Article, number: int, href: str, image: bool) -> None:
        if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) or href.startswith(("/", "//")):
            return  # another site, mailto:, tel:, or the form service (/support/new)
        target, _, anchor = href.partition("#")
        lang = article.lang
        if not target:
            if anchor and anchor not in article.anchors:
                self.add(ERROR, "broken-anchor", lang, article.path, number,
                         f"#{anchor}: no such heading in this article")
            return
        base = PurePosixPath(article.id).parent
        joined = _normalise(base / target)
        if joined is None:
            self.add(ERROR, "broken-link", lang, article.path, number, f"{href} leaves docs/{lang}/")
            return
        if not joined.endswith(".md"):
            if not (Path(self.center.docs_dir) / lang / joined).exists():
                self.add(ERROR, "broken-link", lang, article.path, number, f"{href}: no such file")
            return
        target_id = joined[:-3]
        default = self.center.default_language
        linked = self.articles[lang].get(target_id) or self.articles[default].get(target_id)
        if linked is None:
            self.add(ERROR, "broken-link", lang, article.path, number, f"{href}: no such article")
        elif anchor and anchor not in linked.anchors:
            self.add(ERROR, "broken-anchor", lang, article.path, number,
                     f"{href}: {linked.rel} has no heading #{anchor}")

    def check_translations(self) -> None:
        default = self.center.default_language
        sources = self.articles[default]
        git = GitHistory(self.project) if self.git else None
        for lang in self.center.languages:
            if lang == default:
                continue
            own = self.articles[lang]
            for article_id_, source in sources.items():
                if article_id_ not in own:
                    where = f"{self.rel(Path(self.center.docs_dir))}/{lang}/{article_id_}.md"
                    self.add(WARNING, "missing-translation", lang, where, 1,
                             f"no {lang} translation of {source.rel}: the English article is shown instead")
            for article_id_, article in own.items():
                source = sources.get(article_id_)
                if source is None:
                    self.add(ERROR, "orphan-translation", lang, article.path, 1,
                             f"no English source {default}/{article_id_}.md: the English site lacks this page")
                elif git is not None and git.available:
                    self.check_staleness(git, article, source)

    def check_staleness(self, git: GitHistory, article: _Article, source: _Article) -> None:
        reviewed = article.meta.get("translated_from")
        if reviewed is not None:
            reviewed = str(reviewed).strip()
            if not git.is_commit(reviewed):
                self.add(ERROR, "stale-translation", article.lang, article.path, _meta_line(article, "translated_from"),
                         f"translated_from: {reviewed} is not a commit of this repository")
                return
            since = reviewed
        else:
            since = git.last_commit(article.path)
            if since is None:
                return  # not committed yet: nothing to compare
        changes = git.changes_since(since, source.path)
        if changes:
            newest = changes[0]
            self.add(WARNING, "stale-translation", article.lang, article.path, 1,
                     f"{source.rel} changed after this translation ({len(changes)} commit(s), last {newest}); "
                     f"update it, then write translated_from: {newest.split()[0]} in its front matter")

    def check_synonyms(self) -> None:
        try:
            from deflect.search import synonyms  # written by the search's authors; optional
        except ImportError:
            return
        check = getattr(synonyms, "check_synonyms", None)
        if check is None:
            return
        for item in check(self.project, self.center.languages) or []:
            if isinstance(item, Finding):
                self.findings.append(item)
            elif isinstance(item, Mapping):
                self.findings.append(Finding(**{"level": ERROR, "check": "synonyms", "lang": "", "path": "",
                                                "line": 1, "message": "", **item}))
            else:
                self.add(ERROR, "synonyms", "", "", 1, str(item))

    def check_subjects(self) -> None:
        """Report the problems of vocabulary/subjects.yml (the examples the search learns its silence from)."""
        from deflect.search.subject import check_subjects

        for message in check_subjects(self.project, self.center.languages):
            self.add(ERROR, "subjects", "", "", 1, message)


    def check_questions(self) -> None:
        """Report the problems of vocabulary/questions.yml (the questions the search learns its ranking from),
        and a question the subjects file says is about something else."""
        from deflect.search.questions import QUESTIONS_FILE, check_questions, labelled, same_question
        from deflect.search.questions import read_file as read_questions
        from deflect.search.subject import SUBJECTS_FILE, SubjectsError, examples
        from deflect.search.subject import read_file as read_subjects

        default = self.center.default_language
        served = {lang: set(self.articles.get(lang, {})) | set(self.articles.get(default, {}))
                  for lang in self.center.languages}  # a missing translation is served in English
        problems = check_questions(self.project, self.center.languages, served)
        for message in problems:
            self.add(ERROR, "questions", "", "", 1, message)
        if problems:
            return
        try:
            subjects = read_subjects(self.project / SUBJECTS_FILE)
        except SubjectsError:
            return  # check_subjects reports it
        others = {lang: {same_question(other) for _, other, is_other in examples(subjects, [lang]) if is_other}
                  for lang in self.center.languages}
        for lang, question, ids in labelled(read_questions(self.project / QUESTIONS_FILE), self.center.languages):
            if same_question(question) in others[lang]:
                self.add(ERROR, "questions", lang, "", 1,
                         f"{QUESTIONS_FILE.name} {lang} {ids[0]}: {question!r} is also listed under other in "
                         f"{SUBJECTS_FILE.name}")


class GitHistory:
    """The few questions staleness asks of git, answered by the ``git`` command."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.available = self._git("rev-parse", "--is-inside-work-tree") == "true"

    def _git(self, *args: str) -> str | None:
        try:
            result = subprocess.run(["git", "-C", str(self.folder), *args], capture_output=True, text=True,
                                    timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    def is_commit(self, revision: str) -> bool:
        return bool(re.fullmatch(r"[0-9a-fA-F]{4,40}|[\w./-]+", revision)) and \
            self._git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}") is not None

    def last_commit(self, path: Path) -> str | None:
        return self._git("log", "-1", "--format=%H", "--", str(path)) or None

    def changes_since(self, revision: str, path: Path) -> list[str]:
        """Return the commits after ``revision`` that changed ``path``, newest first (``abc1234 2026-11-20``)."""
        out = self._git("log", "--format=%h %as", f"{revision}..HEAD", "--", str(path))
        return out.splitlines() if out else []


def _normalise(path: PurePosixPath) -> str | None:
    parts: list[str] = []
    for part in path.parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _meta_line(article: _Article, key: str) -> int:
    text = article.path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines()[: article.body_line], start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _line_of_label(path: Path, group: str, key: str) -> int:
    """Return the line of ``group: … key:`` in the labels file (1 if not found)."""
    in_group = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.match(rf"^{re.escape(group)}\s*:", line):
            in_group = True
        elif re.match(r"^\S", line) and not line.startswith("#"):
            in_group = False
        elif in_group and re.match(rf"^\s+{re.escape(key)}\s*:", line):
            return number
    return 1


def check_help_center(mkdocs_yml: Path, *, git: bool = True) -> list[Finding]:
    """Run every check on the help center of ``mkdocs_yml``; return the findings, per language."""
    return HelpCenterCheck(mkdocs_yml, git=git).run()


def report(findings: list[Finding], languages: Iterable[str], names: Mapping[str, str]) -> str:
    """Return the findings as an author reads them: per language, one ``file:line`` per line."""
    lines = []
    for lang in ("", *languages):
        mine = [f for f in findings if f.lang == lang]
        if not lang and not mine:
            continue
        title = f"{lang} ({names.get(lang, lang)})" if lang else "every language"
        lines.append(f"{title}: {_counts(mine) if mine else 'nothing to fix'}")
        lines.extend(f"  {finding}" for finding in mine)
    lines.append(f"{_counts(findings) if findings else 'Nothing to fix'}.")
    return "\n".join(lines)


def _counts(findings: list[Finding]) -> str:
    errors = sum(f.level == ERROR for f in findings)
    warnings = len(findings) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


@click.command("check")
@click.option("--json", "as_json", is_flag=True, help="one JSON document, for CI")
@with_appcontext
def check_command(as_json: bool) -> None:
    """Check the help center: translations, links, front matter, labels, placeholders."""
    mkdocs_yml = Path(current_app.config["MKDOCS_YML"])
    findings = check_help_center(mkdocs_yml)
    center = load_help_center(mkdocs_yml, with_labels=False)
    errors = [f for f in findings if f.level == ERROR]
    if as_json:
        per_language = {lang: {"errors": sum(f.level == ERROR for f in findings if f.lang == lang),
                               "warnings": sum(f.level == WARNING for f in findings if f.lang == lang)}
                        for lang in center.languages}
        click.echo(json.dumps({"ok": not errors, "errors": len(errors), "warnings": len(findings) - len(errors),
                               "languages": per_language, "findings": [asdict(f) for f in findings]},
                              ensure_ascii=False, indent=2))
    else:
        click.echo(report(findings, center.languages, center.language_names))
    if errors:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(check_command)
