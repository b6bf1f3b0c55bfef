"""The search's models (deflect.search.subject): their examples, and what they do to questions they never saw.

    python bench/subjects_from_sets.py --write     # vocabulary/questions.yml and subjects.yml from the readable
                                                   # sets (authors' lines kept)
    python bench/subjects_from_sets.py             # leave one set out: what the subjects model silences, and loses
    python bench/subjects_from_sets.py --articles  # leave one set out: how the article model ranks its questions

The examples are the questions of the readable evaluation sets (written from
bench/eval/topics.md only, and read for classes), each with its translations
into the other four languages (``eval/translated/<lang>/<set>.yml``: each
language's writers thought of subjects the others did not): the out-of-scope
ones as ``other``, the others as ``ours``. The blind sets (C, E, G, H, I),
the dev set and the held-out set are never examples. A set left out takes
its translations with it; the questions decided are the sets as written. Without ``--write``, each readable set
is left out in turn: a model trained on the others decides for each of its
questions the help center answered, and the script counts the out-of-scope
answers it silences and the right answers (top 3) it loses, per threshold
triple of engine.another_subject's rule.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
#: The readable sets: file → its name in the examples' header.
SETS = {"eval/fresh-a.yml": "A", "eval/fresh-b.yml": "B", "eval/fresh-d.yml": "D", "eval/fresh-f.yml": "F",
        "eval/scope-training.yml": "T", "eval/scope-training-2.yml": "T2", "eval/scope-training-3.yml": "T3",
        "eval/scope-training-4.yml": "T4", "eval/scope-training-5.yml": "T5",
        "tuning-queries.yml": "tuning", "tuning-customers.yml": "customers",
        "tuning-terse.yml": "terse"}
HEADER = """\
# Questions about something else that shares the help center's words ("other"), per language:
# the search learns from them, and from the questions of questions.yml (the help center's own),
# when to stay silent (src/deflect/search/subject.py). Add a question a customer asked that the
# help center should have left alone under "other"; `deflect check` reads this file, `deflect
# index` learns it. First written from the evaluation sets A, B, D, F, T, T2–T5 and the tuning
# sets in bench/, each with its questions translated into the other four languages
# (bench/eval/translated/; bench/subjects_from_sets.py); the blind sets C, E, G, H and I are not here.
"""
QUESTIONS_HEADER = """\
# Customers' questions, per language, under the id of each article that answers them (a question
# two articles answer together is under both): the search learns from them which article answers
# a question, and that they are the help center's subjects (src/deflect/search/questions.py).
# Add a question a customer asked, in the customer's words, under the article that helped;
# `deflect check` reads this file, `deflect index` learns it. First written from the in-scope
# questions of the evaluation sets A, B, D, F, T, T2–T5 and the tuning sets in bench/, each with
# its questions translated into the other four languages (bench/eval/translated/;
# bench/subjects_from_sets.py); the blind sets C, E, G, H and I are not here.
"""


#: Each set's questions translated into other languages (``translated/<lang>/<set name>.yml``), each
#: translator reading only that set: they count as the set's own, so a set left out leaves with them.
TRANSLATED = HERE / "eval" / "translated"


def load_sets(translations: bool = True) -> dict[str, dict[str, list[dict]]]:
    """Return each readable set's questions per language, with their translations when ``translations``."""
    sets = {name: yaml.safe_load((HERE / path).read_text(encoding="utf-8")) for path, name in SETS.items()}
    if translations:
        for name, data in sets.items():
            for file in sorted(TRANSLATED.glob(f"*/{name}.yml")):
                for lang, items in yaml.safe_load(file.read_text(encoding="utf-8")).items():
                    data.setdefault(lang, []).extend(items)
    return sets


def grouped(sets) -> dict[str, dict[str, list[str]]]:
    """Return the questions of ``sets`` (each a file's mapping) as the subjects file has them, each once."""
    data: dict[str, dict[str, list[str]]] = {}
    for questions in sets:
        for lang, items in questions.items():
            entry = data.setdefault(lang, {"ours": [], "other": []})
            for item in items:
                kind = "ours" if item.get("ids") else "other"
                if item["q"] not in entry["ours"] and item["q"] not in entry["other"]:
                    entry[kind].append(item["q"])
    return data


def by_article(sets) -> dict[str, dict[str, list[str]]]:
    """Return the in-scope questions of ``sets`` as the questions file has them: per language, per article id."""
    data: dict[str, dict[str, list[str]]] = {}
    for questions in sets:
        for lang, items in questions.items():
            for item in items:
                for article in item.get("ids") or ():
                    listed = data.setdefault(lang, {}).setdefault(article, [])
                    if item["q"] not in listed:
                        listed.append(item["q"])
    return {lang: dict(sorted(articles.items())) for lang, articles in data.items()}


def write(project: Path, translations: bool = True) -> None:
    """Write the sets' questions to the questions file (in scope, by article) and the subjects file (the rest).

    Authors add questions to both files by hand (README, "For authors"): a
    question no set has stays where it was, so writing the files again never
    drops their work.
    """
    sets = list(load_sets(translations).values())
    answered = by_article(sets)
    questions_file = project / "vocabulary" / "questions.yml"
    kept = 0
    existing = yaml.safe_load(questions_file.read_text(encoding="utf-8")) if questions_file.is_file() else None
    for lang, articles in (existing or {}).items():
        for article, questions in (articles or {}).items():
            listed = answered.setdefault(lang, {}).setdefault(article, [])
            for question in questions or ():
                if question not in listed:
                    listed.append(question)
                    kept += 1
    if kept:
        print(f"{questions_file}: kept {kept} question(s) that no set has (the authors')")
    questions_file.write_text(QUESTIONS_HEADER + yaml.safe_dump(answered, allow_unicode=True, sort_keys=False,
                                                                width=120), encoding="utf-8")
    print(f"{questions_file}: " + ", ".join(f"{lang} {len({q for qs in a.values() for q in qs})} questions"
                                            for lang, a in answered.items()))
    target = project / "vocabulary" / "subjects.yml"
    data = grouped(sets)
    for entry in data.values():
        entry["ours"] = []  # the questions file holds them
    kept = 0
    existing = yaml.safe_load(target.read_text(encoding="utf-8")) if target.is_file() else None
    for lang, kinds in (existing or {}).items():
        entry = data.setdefault(lang, {"ours": [], "other": []})
        known = set(entry["other"]) | {q for qs in answered.get(lang, {}).values() for q in qs}
        for kind in ("ours", "other"):
            for question in (kinds or {}).get(kind) or ():
                if question not in known:
                    entry[kind].append(question)
                    known.add(question)
                    kept += 1
    if kept:
        print(f"{target}: kept {kept} question(s) that no set has (the authors')")
    data = {lang: {kind: entry[kind] for kind in ("ours", "other") if entry[kind]} for lang, entry in data.items()}
    target.write_text(HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120),
                      encoding="utf-8")
    print(f"{target}: " + ", ".join(f"{lang} {len(e.get('ours', []))} ours / {len(e.get('other', []))} other"
                                     for lang, e in data.items()))


def leave_one_out(project: Path, verbose: bool = False, translations: bool = True) -> None:
    import tempfile

    from deflect import create_app
    from deflect.search import engine, subject

    sys.path.insert(0, str(HERE))
    from explain_suggest import candidates

    sets = load_sets(translations)  # the examples
    app = create_app({"PROJECT_DIR": str(project), "RATELIMIT_ENABLED": False})
    rows = []  # the questions decided: the sets as written, not their translations
    with app.app_context():
        for name, data in load_sets(translations=False).items():
            for lang, items in data.items():
                for item in items:
                    question, ranked = candidates(item["q"], lang)
                    question.other = 0.0  # the search without a model
                    answered = [m.article for m in ranked if m.confident(question)][:3]
                    if answered:  # the model only matters where the search answers
                        rows.append({"set": name, "lang": lang, "q": item["q"], "ids": item["ids"],
                                     "answers": answered, "share": question._known_share(),
                                     "ours": any(entry.ours for entry in question)})
    # (with an unknown word, not naming ours, alone); 1.01: never
    rules = [(0.6, 1.01, 0.9), (0.6, 0.7, 0.9), (0.6, 0.65, 0.9), (0.6, 0.75, 0.9), (0.6, 0.6, 0.9),
             (0.5, 0.7, 0.9), (0.6, 0.7, 0.85), (0.6, 0.7, 0.95)]
    totals = {rule: [0, 0] for rule in rules}
    kept = (engine.OTHER_WITH_UNKNOWN, engine.OTHER_NOT_OURS, engine.OTHER_ALONE)
    by_language = {lang: [0, 0, 0] for lang in dict.fromkeys(row["lang"] for row in rows)}  # silenced, lost, leaks
    with tempfile.TemporaryDirectory() as tmp:
        for name in sets:
            examples = grouped(data for other_name, data in sets.items() if other_name != name)
            generation = Path(tmp) / name
            generation.mkdir()
            source = generation / "subjects.yml"
            source.write_text(yaml.safe_dump(examples, allow_unicode=True), encoding="utf-8")
            subject.build(source, generation, None, tuple(examples), project / "vocabulary" / "synonyms.yml")
            model = subject.SubjectModel.load(generation / subject.MODEL)
            line = []
            for rule in rules:
                low, middle, alone = rule
                silenced = lost = 0
                for row in (r for r in rows if r["set"] == name):
                    other = model.other(row["q"], row["lang"])
                    if engine.another_subject(other, row["share"], row["ours"], alone, middle, low):
                        if not row["ids"]:
                            silenced += 1
                            by_language[row["lang"]][0] += rule == kept
                            if verbose:
                                print(f"  silenced at {'/'.join(map(str, rule))}: {row['lang']} {other:.2f} {row['q']}")
                        elif set(row["answers"]) & set(row["ids"]):
                            lost += 1
                            by_language[row["lang"]][1] += rule == kept
                            if verbose:
                                print(f"  lost at {'/'.join(map(str, rule))}: {row['lang']} {other:.2f} {row['q']}")
                totals[rule][0] += silenced
                totals[rule][1] += lost
                line.append(f"{'/'.join(map(str, rule))}: +{silenced} -{lost}")
            leaks = sum(1 for r in rows if r["set"] == name and not r["ids"])
            if verbose:
                for row in rows:
                    if row["set"] == name and not row["ids"]:
                        print(f"  out of scope, answered: {row['lang']} {row['q']}")
            print(f"{name:10} {leaks:3} answered out of scope   " + "   ".join(line))
    print("all        " + "   ".join(f"{'/'.join(map(str, rule))}: +{s} -{l}" for rule, (s, l) in totals.items()))
    for row in rows:
        by_language[row["lang"]][2] += not row["ids"]
    print(f"at {'/'.join(map(str, kept))}, per language (silenced of answered out of scope, lost): " + ", ".join(
        f"{lang} +{s}/{leaks} -{lost}" for lang, (s, lost, leaks) in by_language.items()))
    print(f"(rules: with an unknown word / not naming ours / alone; now engine.OTHER_WITH_UNKNOWN "
          f"{engine.OTHER_WITH_UNKNOWN}, OTHER_NOT_OURS {engine.OTHER_NOT_OURS}, OTHER_ALONE {engine.OTHER_ALONE})")


#: Readable sets that are never examples: checks of the article model trained on every example set.
CHECKS = {"eval/fresh-j.yml": "J", "eval/scope-training-6.yml": "T6", "eval/scope-training-7.yml": "T7",
          "eval/scope-training-8.yml": "T8"}


def articles_left_out(project: Path, translations: bool = True, weights: tuple[float, ...] = (1.0, 3.0, 5.0)) -> None:
    """Leave each readable set out of the article model's examples: how the held-out questions rank.

    For each in-scope question as written, the search's order (``words``: the
    confidence rule's articles by score) against the order blended with a
    model trained on the other sets and their translations, for each weight of
    the model (``engine.EXAMPLES_WEIGHT``). A question the search leaves
    silent is a miss in both. The sets that are never examples (J, T6–T8)
    are decided by the model of every set.
    """
    from deflect import create_app
    from deflect.helpcenter import current_help_center
    from deflect.search import _open_generation, engine, questions, subject

    def judge(found: list[str], ids: list[str]) -> tuple[int, int, float]:
        rank = next((number for number, article in enumerate(found) if article in ids), None)
        return int(rank == 0), int(rank is not None and rank < 3), 1 / (rank + 1) if rank is not None else 0.0

    examples = load_sets(translations)
    decided = {**load_sets(translations=False),
               **{name: yaml.safe_load((HERE / path).read_text(encoding="utf-8")) for path, name in CHECKS.items()}}
    everything = None
    app = create_app({"PROJECT_DIR": str(project), "RATELIMIT_ENABLED": False})
    kept = engine.EXAMPLES_WEIGHT
    totals: dict[str, dict[str, list]] = {}
    try:
        with app.app_context():
            help_center = current_help_center()
            default = help_center.default_language
            opened = _open_generation(Path(app.config["INDEX_DIR"]), help_center.languages)
            for name, data in decided.items():
                if name in examples or everything is None:
                    left = [sets for other, sets in examples.items() if other != name]
                    trained = subject.train_articles(questions.labelled(by_article(left), help_center.languages))
                    if name not in examples:
                        everything = trained
                model = subject.SubjectModel(opened.subjects.bias, opened.subjects.weights,
                                             trained if name in examples else everything)
                group = "left out" if name in examples else "never examples"
                rows: dict[str, list] = {}
                for lang, items in data.items():
                    for item in items:
                        if not item.get("ids"):
                            continue
                        with opened.language(lang) as index:
                            question = engine.question_words(index, item["q"], lang, default,
                                                             opened.synonyms.get(lang, ()))
                            question.other, likely = model.read(item["q"], lang)
                            ranked = engine.rank(index, question, lang, default) \
                                if question.scope() >= engine.MIN_SCOPE else []
                            answers = {"words": [m.article for m in engine.confident(ranked, question)]}
                            for weight in weights:
                                engine.EXAMPLES_WEIGHT = weight
                                answers[f"x{weight:g}"] = [m.article for m in
                                                           engine.blend(index, ranked, question, likely, lang, default)]
                        for arm, found in answers.items():
                            judged = (lang, *judge(found, item["ids"]))
                            rows.setdefault(arm, []).append(judged)
                            totals.setdefault(group, {}).setdefault(arm, []).append(judged)
                print(f"{name:10} {len(rows['words']):4}  " + "   ".join(
                    f"{arm} {_figures(judged)}" for arm, judged in rows.items()))
    finally:
        engine.EXAMPLES_WEIGHT = kept
    for group, arms in totals.items():
        print(f"{group}:")
        for arm, judged in arms.items():
            per_language = " ".join(f"{lang} {sum(r[2] for r in judged if r[0] == lang) / max(1, sum(1 for r in judged if r[0] == lang)):.3f}"
                                    for lang in dict.fromkeys(r[0] for r in judged))
            print(f"  {arm:6} {len(judged):5} questions  hit@1/hit@3/MRR {_figures(judged)}   hit@3 {per_language}")
    print(f"(weights: the model's probability times the weight, plus the score over the best one's; "
          f"now engine.EXAMPLES_WEIGHT {kept:g})")


def _figures(judged: list) -> str:
    count = max(1, len(judged))
    return "/".join(f"{sum(row[k] for row in judged) / count:.3f}" for k in (1, 2, 3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write vocabulary/questions.yml and subjects.yml from the readable sets")
    parser.add_argument("--project", type=Path, default=HERE.parent)
    parser.add_argument("--verbose", action="store_true", help="show each right answer the model would lose")
    parser.add_argument("--no-translations", action="store_true", help="leave eval/translated/ out")
    parser.add_argument("--articles", action="store_true",
                        help="leave one set out of the article model instead: how its questions rank")
    args = parser.parse_args(argv)
    if args.articles:
        articles_left_out(args.project, not args.no_translations)
    elif args.write:
        write(args.project, not args.no_translations)
    else:
        leave_one_out(args.project, args.verbose, not args.no_translations)
    return 0


if __name__ == "__main__":
    sys.exit(main())
