"""Score a suggest engine on a query file: hit@1, hit@3, MRR, silence, latency.

The query file is a YAML mapping ``lang → [{q, ids}]``; ``ids: []`` marks an
out-of-scope question, for which the right answer is no suggestion.

    python bench/score_suggest.py --url http://127.0.0.1:8011 --queries QUERIES.yml
    python bench/score_suggest.py --engine material --site site/ --queries QUERIES.yml
    python bench/score_suggest.py --engine app --queries QUERIES.yml   # in process, no server

``--engine app`` asks ``GET /api/suggest`` through Flask's test client on the
project's current index (``deflect index`` first), rate limit off: the same
view and ranking as the running service, without HTTP, so a 460-question
file does not meet the API's 120 requests/minute limit.

``--engine material`` asks Material for MkDocs' own search (its web worker,
run under Node by bench/material_search.mjs on the built site's
search/search_index.json) the same questions, keeping the results of the
question's language. Material always answers something when any word
matches, so its "silence" is the share of out-of-scope questions with no
result at all.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def ask_http(url: str, query: str, lang: str) -> tuple[list[str], float]:
    """Return the suggested article ids and the round-trip time in ms."""
    params = urllib.parse.urlencode({"q": query, "lang": lang, "limit": 5})
    started = time.perf_counter()
    with urllib.request.urlopen(f"{url.rstrip('/')}/api/suggest?{params}", timeout=10) as response:
        body = json.load(response)
    elapsed = (time.perf_counter() - started) * 1000
    return [r["id"] for r in body["results"]], elapsed


def ask_app(project: Path, questions: list[tuple[str, str]]) -> list[tuple[list[str], float]]:
    """Ask every question through the API view of an app on ``project``'s index, in process."""
    from deflect import create_app

    client = create_app({"PROJECT_DIR": str(project), "RATELIMIT_ENABLED": False}).test_client()
    client.get("/api/suggest", query_string={"q": "warm up", "lang": "en"})
    answers = []
    for lang, query in questions:
        started = time.perf_counter()
        body = client.get("/api/suggest", query_string={"q": query, "lang": lang, "limit": 5}).get_json()
        answers.append(([r["id"] for r in body["results"]], (time.perf_counter() - started) * 1000))
    return answers


def ask_material(site: Path, questions: list[tuple[str, str]]) -> list[tuple[list[str], float]]:
    """Run every question through Material's search worker under Node, in one process."""
    script = HERE / "material_search.mjs"
    payload = json.dumps([{"q": q, "lang": lang} for lang, q in questions])
    done = subprocess.run(["node", str(script), str(site)], input=payload, capture_output=True,
                          text=True, check=True)
    return [(answer["ids"], answer["ms"]) for answer in json.loads(done.stdout)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else 0.0


def summarize(rows: list[dict]) -> dict:
    """Return the figures of a list of answered questions."""
    scoped = [r for r in rows if r["ids"]]
    out_of_scope = [r for r in rows if not r["ids"]]

    def rank(row):
        return next((n for n, got in enumerate(row["got"], 1) if got in row["ids"]), None)

    ranks = [rank(r) for r in scoped]
    latencies = [r["ms"] for r in rows]
    return {
        "questions": len(rows),
        "hit@1": sum(1 for r in ranks if r == 1) / len(scoped) if scoped else None,
        "hit@3": sum(1 for r in ranks if r and r <= 3) / len(scoped) if scoped else None,
        "mrr": sum(1 / r for r in ranks if r) / len(scoped) if scoped else None,
        "silence": (sum(1 for r in out_of_scope if not r["got"]) / len(out_of_scope)
                    if out_of_scope else None),
        "p50_ms": statistics.median(latencies) if latencies else 0.0,
        "p95_ms": percentile(latencies, 0.95),
    }


def fmt(value) -> str:
    return "   -  " if value is None else f"{value:6.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", required=True, type=Path)
    parser.add_argument("--engine", choices=("deflect", "app", "material"), default="deflect")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running deflect service")
    parser.add_argument("--project", type=Path, default=HERE.parent, help="the project (app)")
    parser.add_argument("--site", type=Path, default=Path("site"), help="the built site (material)")
    parser.add_argument("--show", action="store_true", help="print every question and its answer")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    queries = yaml.safe_load(args.queries.read_text(encoding="utf-8"))
    questions = [(lang, item["q"], list(item["ids"])) for lang, items in queries.items() for item in items]
    if args.engine == "material":
        answers = ask_material(args.site, [(lang, q) for lang, q, _ in questions])
    elif args.engine == "app":
        answers = ask_app(args.project, [(lang, q) for lang, q, _ in questions])
    else:
        ask_http(args.url, "warm up", "en")
        answers = [ask_http(args.url, q, lang) for lang, q, _ in questions]
    rows = [{"lang": lang, "q": q, "ids": ids, "got": got, "ms": ms}
            for (lang, q, ids), (got, ms) in zip(questions, answers)]
    if args.show:
        for row in rows:
            if not row["ids"]:
                ok = "ok  " if not row["got"] else "MISS"
            elif row["got"][:1] and row["got"][0] in row["ids"]:
                ok = "ok  "
            else:
                ok = "ok@3" if set(row["got"][:3]) & set(row["ids"]) else "MISS"
            print(f"{ok} {row['lang']} {row['q']!r}: {row['got'][:3]} (want {row['ids'] or 'silence'})")
    figures = {lang: summarize([r for r in rows if r["lang"] == lang]) for lang in queries}
    figures["all"] = summarize(rows)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"engine: {args.engine}")
    print(f"{'lang':5} {'n':>3} {'hit@1':>6} {'hit@3':>6} {'MRR':>6} {'silent':>6} {'p50ms':>6} {'p95ms':>6}")
    for lang, f in figures.items():
        print(f"{lang:5} {f['questions']:3d} {fmt(f['hit@1'])} {fmt(f['hit@3'])} {fmt(f['mrr'])} "
              f"{fmt(f['silence'])} {f['p50_ms']:6.1f} {f['p95_ms']:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
