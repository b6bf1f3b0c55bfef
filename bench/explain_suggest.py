"""Show why the search answers what it answers: each candidate article and the confidence rule's inputs.

    python bench/explain_suggest.py "how do I escalate" --lang en
    python bench/explain_suggest.py --queries bench/tuning-customers.yml --features features.jsonl

With ``--queries``, writes one JSON line per question and candidate (the
features the confidence rule reads, and whether the article is a right
answer) for studying the rule; uses the project's current index.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def candidates(query: str, lang: str):
    """Return the question's words and every article it matches, with the rule's inputs."""
    from flask import current_app

    from deflect.helpcenter import current_help_center
    from deflect.search import _open_generation, engine

    help_center = current_help_center()
    opened = _open_generation(Path(current_app.config["INDEX_DIR"]), help_center.languages)
    with opened.language(lang) as index:
        question = engine.question_words(index, query, lang,
                                         help_center.default_language, opened.synonyms.get(lang, ()))
        question.other = opened.subjects.other(query, lang)
        ranked = engine.rank(index, question, lang, help_center.default_language)
    return question, ranked


def features(question, match) -> dict:
    return {"article": match.article, "words": len(question), "coverage": round(match.coverage(question), 3),
            "rule_coverage": round(match.coverage(question, confidence=True), 3), "scope": round(question.scope(), 3),
            "other": round(question.other, 3),
            "per_word": round(match.per_word(question), 3), "score": round(match.score, 3),
            "topic_hit": match.topic_hit, "confident": match.confident(question),
            "matched": {question[i].word: c for i, c in match.credits.items()},
            "question": [[q.word, sum(len(a) for a in q.alternatives.values()), q.weight] for q in question]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--queries", type=Path)
    parser.add_argument("--features", type=Path, help="write the candidates' features here (JSON lines)")
    parser.add_argument("--project", type=Path, default=HERE.parent)
    args = parser.parse_args(argv)

    from deflect import create_app

    app = create_app({"PROJECT_DIR": str(args.project), "RATELIMIT_ENABLED": False})
    with app.app_context():
        if args.text:
            question, ranked = candidates(args.text, args.lang)
            print("words:", ", ".join(
                f"{q.word}({sum(len(a) for a in q.alternatives.values())})" for q in question))
            for match in ranked:
                print(json.dumps(features(question, match), ensure_ascii=False))
            return 0
        queries = yaml.safe_load(args.queries.read_text(encoding="utf-8"))
        out = args.features.open("w", encoding="utf-8") if args.features else sys.stdout
        for lang, items in queries.items():
            for item in items:
                question, ranked = candidates(item["q"], lang)
                for position, match in enumerate(ranked):
                    row = {"lang": lang, "q": item["q"], "gold": list(item["ids"]), "rank": position,
                           "right": match.article in item["ids"], **features(question, match)}
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                if not ranked:
                    out.write(json.dumps({"lang": lang, "q": item["q"], "gold": list(item["ids"]), "rank": None,
                                          "words": len(question),
                                          "question": [[q.word, sum(len(a) for a in q.alternatives.values())]
                                                       for q in question]}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
