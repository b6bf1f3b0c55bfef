"""Benchmark the deflection search on a large synthetic help center.

Generates ``--articles`` articles in each language of mkdocs.yml (default
10,000 × 5) from the real articles' vocabulary, builds the index as
``deflect index`` does, and prints: full build time and peak memory, index
size, the time to index one edited article again (incremental generation),
suggest latency (p50/p95/p99) through the search function alone, the same
questions' raw Whoosh query (the same terms, ``Or``, 30 sections, Whoosh's
own matcher) and the ratio, the process's memory, and ``GET /api/suggest``
on a real HTTP server. Not part of the tests.

    python bench/bench_search.py [--articles 10000] [--queries 500] [--keep DIR] [--reuse]
"""
from __future__ import annotations

import argparse
import random
import re
import resource
import shutil
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import logging

from werkzeug.serving import make_server

from deflect import create_app
from deflect.content import split_front_matter
import deflect.search
from deflect.search import _open_generation, engine, rebuild_index, suggest
from deflect.search.scorer import whoosh_top

PROJECT_DIR = Path(__file__).resolve().parents[1]
WORD = re.compile(r"[^\W\d_]{3,}")


def vocabulary(lang: str) -> list[str]:
    """Return the words of the real articles of ``lang`` (with repeats: their frequencies)."""
    found = []
    for path in sorted((PROJECT_DIR / "docs" / lang).rglob("*.md")):
        found += WORD.findall(split_front_matter(path.read_text(encoding="utf-8"))[1])
    return found or ["support"]


def sentence(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def generate(project: Path, articles: int, seed: int = 7, write: bool = True) -> list[tuple[str, str]]:
    """Write the synthetic help center under ``project``; return (lang, question) samples."""
    rng = random.Random(seed)
    if write:
        (project / "overrides").symlink_to(PROJECT_DIR / "overrides")
        # the authors' examples (other subjects, customers' questions): each build trains both models, each
        # question asks them (the questions' article ids are the real help center's: the ones the synthetic
        # one lacks are skipped when they are ranked)
        (project / "vocabulary").mkdir()
        for name in ("subjects.yml", "questions.yml"):
            (project / "vocabulary" / name).symlink_to(PROJECT_DIR / "vocabulary" / name)
        config = (PROJECT_DIR / "mkdocs.yml").read_text(encoding="utf-8")
        config = config.replace("src/deflect/", str(PROJECT_DIR / "src/deflect") + "/")
        (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    questions = []
    for lang in ("en", "de", "fr", "it", "es"):
        words = vocabulary(lang)
        # Invented product words make titles distinct, as in a real large help center.
        invented = [f"{rng.choice(words)[:5].lower()}{rng.choice(words)[-4:].lower()}" for _ in range(3000)]
        for number in range(articles):
            folder = project / "docs" / lang / f"area-{number // 500:02d}"
            topic = rng.sample(invented, 2)
            title = f"{topic[0].capitalize()} {sentence(rng, words, 3)[:-1]}"
            sections = "\n\n".join(
                f"## {sentence(rng, words, 3)[:-1]} {rng.choice(topic)}\n\n"
                + " ".join(sentence(rng, words, rng.randint(8, 16)) for _ in range(3))
                for _ in range(rng.randint(2, 4)))
            keywords = ", ".join(topic + rng.sample(words, 3))
            text = (f"---\ntitle: \"{title}\"\nkeywords: [{keywords}]\n---\n\n# {title}\n\n"
                    f"{sentence(rng, words, 20)}\n\n{sections}\n")
            if write:
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"article-{number}.md").write_text(text, encoding="utf-8")
            if number % 50 == 0:
                questions.append((lang, f"{rng.choice(topic)} {' '.join(rng.sample(words, 3))}"))
    return questions


def resident_mb() -> tuple[float, float]:
    """Return this process's resident memory: all of it, and the private (anonymous) part, in MB."""
    found = {}
    with open("/proc/self/smaps_rollup", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in {"Rss", "Anonymous"}:
                found[name] = int(value.split()[0]) / 1024
    return found.get("Rss", 0.0), found.get("Anonymous", 0.0)


def edit_one_article(project: Path) -> None:
    """Change one English article's text (an author's edit), as the incremental build sees it."""
    path = next((project / "docs" / "en").rglob("article-1.md"))
    path.write_text(path.read_text(encoding="utf-8") + "\nEdited: the zorgblatt wobbleframe.\n", encoding="utf-8")


def raw_whoosh_ms(app, sample) -> list[float]:
    """Return the time of Whoosh's own Or search on each question's scoring terms (no analysis, no rule)."""
    help_center = app.extensions["deflect.help_center"]
    opened = _open_generation(Path(app.config["INDEX_DIR"]), help_center.languages)
    timings = []
    for lang, question in sample:
        with opened.language(lang) as index:
            words = engine.question_words(index, question, lang, help_center.default_language,
                                          opened.synonyms.get(lang, ()))
            terms = engine.scoring_terms(index, words, lang)
            t0 = time.perf_counter()
            whoosh_top(index.searcher, terms, engine.SECTIONS_SCANNED)
            timings.append((time.perf_counter() - t0) * 1000)
    return timings


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def at(share):
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return f"p50 {statistics.median(ordered):6.1f} ms  p95 {at(0.95):6.1f} ms  p99 {at(0.99):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles per language")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--procs", type=int, default=None, help="index writer processes (default: per CPU)")
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="measure searches on the index kept in --keep")
    parser.add_argument("--cache", type=int, default=0,
                        help="answers kept per process (deflect.search.ANSWER_CACHE_SIZE; default 0: every "
                             "question searched, as the targets are stated)")
    args = parser.parse_args()
    deflect.search.ANSWER_CACHE_SIZE = args.cache

    root = args.keep or Path(tempfile.mkdtemp(prefix="deflect-bench-"))
    project = root / "project"
    if args.reuse:
        questions = generate(project, args.articles, write=False)
    else:
        if project.exists():
            shutil.rmtree(project)
        project.mkdir(parents=True)
        started = time.perf_counter()
        questions = generate(project, args.articles)
        print(f"generated {args.articles} articles × 5 languages in {time.perf_counter() - started:.0f} s")
    app = create_app({"PROJECT_DIR": str(project), "VAR_DIR": str(root / "var"), "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False})
    if not args.reuse:
        started = time.perf_counter()
        generation = rebuild_index(app, echo=print, procs=args.procs, evidence=[])  # a synthetic center: no records
        build_s = time.perf_counter() - started
        peak_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        size_mb = sum(p.stat().st_size for p in generation.rglob("*") if p.is_file()) / 2**20
        print(f"index build: {build_s:.1f} s, peak memory {peak_mb:.0f} MB (largest process), "
              f"index size {size_mb:.0f} MB")
        edit_one_article(project)
        started = time.perf_counter()
        rebuild_index(app, echo=lambda *a, **k: None, evidence=[])
        print(f"one article edited: indexed again in {time.perf_counter() - started:.2f} s "
              f"(a new incremental generation, swapped in)")

    rng = random.Random(3)
    sample = [rng.choice(questions) for _ in range(args.queries)]
    with app.app_context():
        for lang in app.extensions["deflect.help_center"].languages:
            suggest("warm up", lang)
        timings, answered = [], []
        for lang, question in sample:
            t0 = time.perf_counter()
            found = suggest(question, lang)
            timings.append((time.perf_counter() - t0) * 1000)
            if found:
                answered.append(timings[-1])
        again = []  # the same questions once more: the searchers' remembered terms and postings are warm
        for lang, question in sample:
            t0 = time.perf_counter()
            suggest(question, lang)
            again.append((time.perf_counter() - t0) * 1000)
        raw = raw_whoosh_ms(app, sample)
    rss, private = resident_mb()
    ordered, ordered_raw = sorted(timings), sorted(raw)
    ratio = ordered[int(0.95 * len(ordered))] / max(ordered_raw[int(0.95 * len(ordered_raw))], 1e-9)
    print(f"suggest():         {percentiles(timings)}  ({len(answered)}/{len(sample)} answered; first time)")
    # A question out of scope returns before the ranking is read; the synthetic questions (an invented
    # product word and three of the articles' words) are not real ones, so how many the subjects model
    # silences says little: the answered ones alone are the figure that cannot be flattered by it.
    print(f"  answered only:   {percentiles(answered or [0.0])}  (the ranking read to the end)")
    print(f"suggest() again:   {percentiles(again)}  (the same questions, warm)")
    print(f"raw Whoosh query:  {percentiles(raw)}  (same terms, Whoosh's Or; suggest()/raw at p95: {ratio:.2f})")
    print(f"memory after the questions: {rss:.0f} MB resident, of which {private:.0f} MB private "
          f"(the rest: the index files' shared memory maps)")

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/api/suggest?"
    try:
        urllib.request.urlopen(base + "q=warm", timeout=30).read()
        timings = []
        for lang, question in sample:
            url = base + urllib.parse.urlencode({"q": question, "lang": lang})
            t0 = time.perf_counter()
            urllib.request.urlopen(url, timeout=30).read()
            timings.append((time.perf_counter() - t0) * 1000)
    finally:
        server.shutdown()
    print(f"GET /api/suggest:  {percentiles(timings)}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
