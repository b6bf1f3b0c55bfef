"""The subjects model (deflect.search.subject): its examples, and what it does to questions it never saw.

    python bench/subjects_from_sets.py --write     # vocabulary/subjects.yml from the readable sets (authors' lines kept)
    python bench/subjects_from_sets.py             # leave one set out: what the model silences, and loses

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
# Questions about the help center's subjects ("ours") and about something else that shares
# its words ("other"), per language: the search learns from them when to stay silent
# (src/deflect/search/subject.py). Add a question a customer asked that the help center should
# have left alone under "other"; `deflect check` reads this file, `deflect index` learns it.
# First written from the evaluation sets A, B, D, F, T, T2–T5 and the tuning sets in bench/, each
# with its questions translated into the other four languages (bench/eval/translated/;
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


def write(target: Path, translations: bool = True) -> None:
    """Write the sets' questions to ``target``, keeping every question the file already has.

    Authors add questions to the file by hand (README, "For authors"): a
    question no set has stays, under the kind it had, so writing the file
    again never drops their work.
    """
    data = grouped(load_sets(translations).values())
    kept = 0
    existing = yaml.safe_load(target.read_text(encoding="utf-8")) if target.is_file() else None
    for lang, kinds in (existing or {}).items():
        entry = data.setdefault(lang, {"ours": [], "other": []})
        known = set(entry["ours"]) | set(entry["other"])
        for kind in ("ours", "other"):
            for question in (kinds or {}).get(kind) or ():
                if question not in known:
                    entry[kind].append(question)
                    known.add(question)
                    kept += 1
    if kept:
        print(f"{target}: kept {kept} question(s) that no set has (the authors')")
    target.write_text(HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120),
                      encoding="utf-8")
    print(f"{target}: " + ", ".join(f"{lang} {len(e['ours'])} ours / {len(e['other'])} other"
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write vocabulary/subjects.yml from the readable sets")
    parser.add_argument("--project", type=Path, default=HERE.parent)
    parser.add_argument("--verbose", action="store_true", help="show each right answer the model would lose")
    parser.add_argument("--no-translations", action="store_true", help="leave eval/translated/ out")
    args = parser.parse_args(argv)
    if args.write:
        write(args.project / "vocabulary" / "subjects.yml", not args.no_translations)
    else:
        leave_one_out(args.project, args.verbose, not args.no_translations)
    return 0


if __name__ == "__main__":
    sys.exit(main())
