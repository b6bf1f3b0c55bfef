"""One vocabulary: vocabulary/labels.yml has every label in every language, the articles
write them only as placeholders, and the site and the search index fill them alike."""
from __future__ import annotations

import pytest

from deflect.check import NAME_LABELS, hand_written_labels
from deflect.content import fill_placeholders, placeholder_values, split_front_matter
from deflect.labels import LABELS_FILE, Labels, LabelsError, load_labels
from tests.test_helpcenter import HELP_CENTER, LABELS, LANGUAGES, PROJECT_DIR, articles

#: The groups the form, the case pages, the e-mails and the articles share.
GROUPS = {
    "severity": {"general", "moderate", "critical"},
    "severity_line": {"general", "moderate", "critical"},
    "status": {"new", "open", "pending_customer", "solved", "closed"},
    "request_type": {"incident", "question", "feature_request", "other"},
    "escalation": {"requested", "acknowledged", "closed"},
    "escalation_reason": {"impact", "time_frame", "complexity"},
    "action": {"reply", "add_information", "nudge", "request_escalation", "accept_solution", "reject_solution",
               "close_case", "my_cases", "contact_support", "send_case", "send_survey"},
    "field": {"case_owner", "case_owner_email"},
    "filter": {"all_cases", "not_closed"},
    "survey": {"question", "lowest", "highest"},
    "keyword": {"escalation_request"},
}


def test_every_label_is_declared_in_every_language():
    assert LABELS.languages == LANGUAGES
    declared: dict[str, set[str]] = {}
    for group, key in LABELS.table:
        declared.setdefault(group, set()).add(key)
    assert declared == GROUPS


@pytest.mark.parametrize("lang", LANGUAGES)
def test_one_word_per_thing_within_a_language(lang):
    """Two labels of one group never share a word-for-word text (a status and another status …)."""
    for group, entries in LABELS.for_language(lang).items():
        texts = [text.casefold() for text in entries.values()]
        assert len(texts) == len(set(texts)), (lang, group)


def test_a_missing_language_is_named_with_its_label(tmp_path):
    path = tmp_path / "labels.yml"
    path.write_text("status:\n  open: {en: Open, de: Offen}\n  closed: {en: Closed}\n")
    with pytest.raises(LabelsError, match=r"status\.closed has no de"):
        load_labels(path, ("en", "de"))
    with pytest.raises(LabelsError, match=r"status\.open has de, not a language of the help center \(en\)"):
        load_labels(path, ("en",))
    with pytest.raises(LabelsError, match=r"status\.closed has no de"):
        load_labels(path)  # by default, the languages of the first label


def test_get_and_for_language_refuse_what_is_not_declared():
    labels = Labels.from_mapping({"status": {"open": {"en": "Open"}}})
    assert labels.get("status", "open", "en") == "Open"
    with pytest.raises(LabelsError, match="no label status.closed"):
        labels.get("status", "closed", "en")
    with pytest.raises(LabelsError, match="no labels in fr"):
        labels.for_language("fr")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_article_writes_a_label_by_hand(lang):
    labels = {f"{group}.{key}": text for (group, key), texts in LABELS.table.items() for text in [texts[lang]]}
    names = [name for name in labels if name.startswith(NAME_LABELS)]
    found = []
    for article, path in articles(lang).items():
        _, body = split_front_matter(path.read_text(encoding="utf-8"))
        found += [f"{lang}/{article}:{line} {text} → {{{{ label.{name} }}}}"
                  for line, name, text in hand_written_labels(body.splitlines(), labels, names)]
    assert not found, "\n".join(found)


#: Where each language states the policy: these articles must name it through placeholders.
POLICY_IN_ARTICLES = {
    "support/case-lifecycle": ["policy.reminder_after_working_days", "policy.close_after_working_days",
                               "label.status.pending_customer", "label.action.accept_solution",
                               "label.action.reject_solution"],
    "support/tracking": ["policy.nudge_after_working_days", "policy.nudge_every_hours", "label.action.nudge",
                         "label.action.close_case", "label.action.my_cases", "label.filter.all_cases",
                         "label.filter.not_closed"],
    "support/escalation": ["policy.escalation_review_hours.critical",
                           "policy.escalation_review_hours.other_business_hours",
                           "label.keyword.escalation_request", "label.action.request_escalation",
                           "label.escalation_reason.impact", "label.escalation_reason.time_frame",
                           "label.escalation_reason.complexity"],
    "support/raise-a-case": ["label.field.case_owner", "label.field.case_owner_email", "label.action.send_case"],
    "support/satisfaction": ["policy.survey_scale", "label.survey.question", "label.survey.lowest",
                             "label.survey.highest", "label.action.send_survey", "label.status.closed"],
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_states_the_policy_through_placeholders(lang):
    for article, names in POLICY_IN_ARTICLES.items():
        text = articles(lang)[article].read_text(encoding="utf-8")
        missing = [name for name in names if f"{{{{ {name} }}}}" not in text]
        assert not missing, (lang, article, missing)


def test_the_policy_is_what_the_articles_describe():
    """The articles describe two reminders before a pending case is solved; change them with this number."""
    policy = HELP_CENTER.extra["policy"]
    assert policy["reminders_before_resolving"] == 2
    assert set(policy) == {"reminder_after_working_days", "reminders_before_resolving", "close_after_working_days",
                           "nudge_after_working_days", "nudge_every_hours", "survey_scale",
                           "escalation_review_hours"}
    assert set(HELP_CENTER.extra["business_hours"]["holidays"]) == set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_article_is_filled_in_its_own_language(lang):
    """The search index reads articles through the same function as the build (deflect.search.articles)."""
    path = articles(lang)["support/case-lifecycle"]
    _, body = split_front_matter(path.read_text(encoding="utf-8"))
    filled = fill_placeholders(body, HELP_CENTER.extra, lang=lang, article=path)
    assert "{{" not in filled
    assert LABELS.get("status", "pending_customer", lang) in filled
    values = placeholder_values(PROJECT_DIR / "mkdocs.yml", lang)
    assert values["vendor"]["email"] == HELP_CENTER.extra["vendor"]["email"]  # the rest of vendor is kept


def test_vendor_team_is_translated_where_a_language_names_it():
    teams = {lang: placeholder_values(PROJECT_DIR / "mkdocs.yml", lang)["vendor"]["team"] for lang in LANGUAGES}
    assert teams["en"] == "Lumera Technical Support"
    assert teams["fr"] == "Support technique Lumera"
    assert len(set(teams.values())) == len(LANGUAGES)


def test_the_search_index_fills_labels_and_the_team_like_the_site():
    from deflect.search.articles import ArticleReader, markdown_settings

    reader = ArticleReader(markdown_settings(PROJECT_DIR / "mkdocs.yml"), HELP_CENTER.extra)
    root = PROJECT_DIR / "docs" / "fr"

    def text_of(article_id: str) -> str:
        article = reader.read(root / f"{article_id}.md", root, "fr")
        return " ".join(section.heading + " " + section.text for section in article.sections)

    tracking = text_of("support/tracking")
    assert "{{" not in tracking
    assert LABELS.get("action", "nudge", "fr") in tracking and LABELS.get("action", "close_case", "fr") in tracking
    contact = text_of("support/contact")
    assert "Support technique Lumera" in contact and "Lumera Technical Support" not in contact


def test_labels_file_sits_beside_mkdocs_yml():
    assert (PROJECT_DIR / LABELS_FILE).is_file()
    assert load_labels(PROJECT_DIR / LABELS_FILE, LANGUAGES) == LABELS
