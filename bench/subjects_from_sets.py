"""The subjects model (deflect.search.subject): its examples, and what it does to questions it never saw.

    python bench/subjects_from_sets.py --write     # vocabulary/subjects.yml from the readable sets
    python bench/subjects_from_sets.py             # leave one set out: what the model silences, and loses

The examples are the questions of the readable evaluation sets (written from
bench/eval/topics.md only, and read for classes): the out-of-scope ones as
``other``, the others as ``ours``. The blind sets (C, E, G), the dev set and
the held-out set are never examples. Without ``--write``, each readable set
is left out in turn: a model trained on the others decides for each of its
questions the help center answered, and the script counts the out-of-scope
answers it silences and the right answers (top 3) it loses, per threshold
pair of engine.Question.scope's rule.
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
# First written from the evaluation sets A, B, D, F, T, T2–T5 and the tuning sets in bench/
# (bench/subjects_from_sets.py); the blind sets C, E and G are not here.
"""


def load_sets() -> dict[str, dict[str, list[dict]]]:
    return {name: yaml.safe_load((HERE / path).read_text(encoding="utf-8")) for path, name in SETS.items()}


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


def write(target: Path) -> None:
    data = grouped(load_sets().values())
    target.write_text(HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120),
                      encoding="utf-8")
    print(f"{target}: " + ", ".join(f"{lang} {len(e['ours'])} ours / {len(e['other'])} other"
                                     for lang, e in data.items()))


def leave_one_out(project: Path, verbose: bool = False) -> None:
    import tempfile

    from deflect import create_app
    from deflect.search import engine, subject

    sys.path.insert(0, str(HERE))
    from explain_suggest import candidates

    sets = load_sets()
    app = create_app({"PROJECT_DIR": str(project), "RATELIMIT_ENABLED": False})
    rows = []
    with app.app_context():
        for name, data in sets.items():
            for lang, items in data.items():
                for item in items:
                    question, ranked = candidates(item["q"], lang)
                    question.other = 0.0  # the search without a model
                    answered = [m.article for m in ranked if m.confident(question)][:3]
                    if answered:  # the model only matters where the search answers
                        rows.append({"set": name, "lang": lang, "q": item["q"], "ids": item["ids"],
                                     "answers": answered, "share": question._known_share(),
                                     "ours": any(entry.ours for entry in question)})
    pairs = [(0.5, 0.9), (0.6, 0.85), (0.6, 0.9), (0.7, 0.9), (0.6, 0.95), (0.6, 1.01)]
    totals = {pair: [0, 0] for pair in pairs}
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
            for low, alone in pairs:
                silenced = lost = 0
                for row in (r for r in rows if r["set"] == name):
                    other = model.other(row["q"], row["lang"])
                    if engine.another_subject(other, row["share"], row["ours"], alone, low):
                        if not row["ids"]:
                            silenced += 1
                            if verbose:
                                print(f"  silenced at {low}/{alone}: {row['lang']} {other:.2f} {row['q']}")
                        elif set(row["answers"]) & set(row["ids"]):
                            lost += 1
                            if verbose:
                                print(f"  lost at {low}/{alone}: {row['lang']} {other:.2f} {row['q']}")
                totals[(low, alone)][0] += silenced
                totals[(low, alone)][1] += lost
                line.append(f"{low}/{alone}: +{silenced} -{lost}")
            leaks = sum(1 for r in rows if r["set"] == name and not r["ids"])
            if verbose:
                for row in rows:
                    if row["set"] == name and not row["ids"]:
                        print(f"  out of scope, answered: {row['lang']} {row['q']}")
            print(f"{name:10} {leaks:3} answered out of scope   " + "   ".join(line))
    print("all        " + "   ".join(f"{low}/{alone}: +{s} -{l}" for (low, alone), (s, l) in totals.items()))
    print(f"(now: engine.OTHER_WITH_UNKNOWN {engine.OTHER_WITH_UNKNOWN}, engine.OTHER_ALONE {engine.OTHER_ALONE})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write vocabulary/subjects.yml from the readable sets")
    parser.add_argument("--project", type=Path, default=HERE.parent)
    parser.add_argument("--verbose", action="store_true", help="show each right answer the model would lose")
    args = parser.parse_args(argv)
    if args.write:
        write(args.project / "vocabulary" / "subjects.yml")
    else:
        leave_one_out(args.project, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
