"""Whose subject is a question: the help center's, or something else's that shares its words?

Word counts cannot tell "what time does the hotline open on Saturday" from
"what time does the post office open on Saturday": the help center knows
every word of both. Authors keep examples of both kinds in
``vocabulary/subjects.yml`` beside ``docs/``, per language::

    en:
      ours:
        - the reports won't load for anyone since 8
        - how long until someone answers my ticket
      other:
        - post office opening hours saturday
        - how do I change the colour of the bars in my chart

Each build of the index trains a logistic regression on them (scikit-learn),
with every term of the synonyms file (``vocabulary/synonyms.yml``: customers'
words for the help center's subjects, "qualcuno più in alto", "Frist
verpasst") as one more example of ours, and keeps it in the generation
(``subjects.json``); a build whose two files did not change copies the
previous generation's model. A question's features are
its content words' stems (weighted by how informative each is, circumstance
words left out: "Saturday" says when, not what) and the letter groups of its
words (3 to 5 letters: they carry the model from "Italienischkurs" to
"Sprachkurs" and over typos), so one model serves every language and learns
shared words ("hotel", "Teams") once.

The search reads the model's probability that a question is about something
else (:meth:`SubjectModel.other`) through its scope rule
(:meth:`deflect.search.engine.Question.scope`): a question the model finds
very likely another subject's, or likely and with a word the help center does
not know, gets no suggestion. Measured on questions written from the topics
only, out of sample: bench/README.md, "Set T".

The same build trains a second model on the same features: which article
answers a question, learned from the questions of ``vocabulary/questions.yml``
(:mod:`.questions`: customers' questions, each under the articles that
answered it) and from each article's learned words; those questions are also
this model's examples of ours. A multinomial logistic regression, kept as one
row of weights per feature (:class:`SubjectModel`, :meth:`SubjectModel.articles`).

``deflect check`` reports the file's problems (:func:`check_subjects`).
"""
from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
from array import array
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from deflect.search.analysis import fold, forms, informativeness, is_circumstance, words
from deflect.search.questions import is_question, labelled, listed_questions, same_question
from deflect.search.questions import read_file as read_questions_file
from deflect.search.synonyms import open_for_check, read_or_empty
from deflect.search.synonyms import read_file as read_vocabulary_file

#: Where the help center keeps it, beside docs/.
SUBJECTS_FILE = Path("vocabulary") / "subjects.yml"
#: The generation's model, trained on that file.
MODEL = "subjects.json"
#: Bump when the features or the models change: a model trained otherwise is trained again.
FEATURES_VERSION = 2
KINDS = ("ours", "other")
#: Letter groups of 3 to 5 letters of each word, padded with a space (scikit-learn's ``char_wb``).
GRAMS = (3, 5)
#: Inverse of the regularisation strength, and the weight below which a feature is dropped from the model.
C = 3.0
MIN_WEIGHT = 1e-3
#: The article model's: its regularisation (the same: measured in bench/README, "Which article"), and
#: the weight below which a feature's whole row is dropped.
ARTICLES_C = 3.0
ARTICLES_MIN_WEIGHT = 0.01


class SubjectsError(ValueError):
    """The subjects file cannot be read."""


def features(text: str, lang: str) -> dict[str, float]:
    """Return a question's features: its words' stems and its letter groups (module docstring).

    >>> sorted(features("Post office", "en"))[:4]
    ['c: of', 'c: off', 'c: offi', 'c: po']
    >>> features("Saturday", "en") == {"lang:en": 1.0}
    True
    """
    stems, grams = _question(text, lang)
    found: dict[str, float] = {f"lang:{lang}": 1.0, **stems}
    if grams:
        share = 1.0 / math.sqrt(len(grams))  # the letter groups weigh one word's vector together
        found.update((gram, share) for gram in grams)
    return found


def _question(text: str, lang: str) -> tuple[dict[str, float], set[str]]:
    """Return a question's stem features (each with its word's weight) and its letter-group features."""
    stems: dict[str, float] = {}
    grams: set[str] = set()
    for word in words(text, lang):
        found = _word(word, lang)
        if found is None:
            continue
        names, weight, word_grams = found
        for name in names:
            if weight > stems.get(name, 0.0):
                stems[name] = weight
        grams |= word_grams
    return stems, grams


@lru_cache(maxsize=50_000)
def _word(word: str, lang: str) -> tuple[tuple[str, ...], float, frozenset[str]] | None:
    """Return one word's stem features, its weight and its letter-group features (None: a circumstance word)."""
    if is_circumstance(word, lang):
        return None
    low, high = GRAMS
    padded = f" {fold(word)} "
    grams = frozenset(f"c:{padded[start:start + size]}" for size in range(low, high + 1)
                      for start in range(len(padded) - size + 1))
    return tuple(f"w:{lang}:{form}" for form in sorted(forms(word, lang))), informativeness(word, lang), grams


def read_file(path: Path) -> dict:
    """Return the file's mapping of language → {"ours": [...], "other": [...]} (``{}`` when there is none)."""
    return read_vocabulary_file(path, SubjectsError, "its 'ours' and 'other' questions")


def examples(data: dict, languages: Iterable[str]) -> list[tuple[str, str, bool]]:
    """Return (language, question, is other) for every well-formed example of ``data``."""
    found = []
    for lang in languages:
        entry = data.get(lang)
        if not isinstance(entry, dict):
            continue
        for kind in KINDS:
            found += [(lang, question, kind == "other") for question in filter(is_question, entry.get(kind) or ())]
    return found


def check_subjects(path: Path, languages: Iterable[str]) -> list[str]:
    """Return the problems of the subjects file, one sentence each (none when it is fine or absent).

    ``path`` is the file, or the help center's folder that holds ``vocabulary/subjects.yml``.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
    ...     _ = f.write("en:\\n  ours: [a case]\\n  other: [a case, 3]\\nxx: {}\\nfr: [x]\\n")
    >>> check_subjects(f.name, ["en", "fr"])  # doctest: +NORMALIZE_WHITESPACE
    ['subjects.yml: xx is not a language of the help center (en, fr)',
     "subjects.yml en other 1: 'a case' is also listed under ours",
     'subjects.yml en other 2: expected a question (text)',
     "subjects.yml fr: expected 'ours' and 'other' lists of questions"]
    >>> os.unlink(f.name)
    """
    languages = list(languages)
    name = SUBJECTS_FILE.name
    data, problems = open_for_check(path, SUBJECTS_FILE, read_file, SubjectsError, languages)
    for lang in languages:
        entry = data.get(lang)
        if entry is None:
            continue
        if not isinstance(entry, dict) or set(entry) - set(KINDS):
            problems.append(f"{name} {lang}: expected 'ours' and 'other' lists of questions")
            continue
        seen: dict[str, str] = {}
        for kind in KINDS:
            for number, question in listed_questions(entry.get(kind) or [], f"{name} {lang} {kind}", problems):
                key = same_question(question)
                if seen.get(key, kind) != kind:
                    problems.append(f"{name} {lang} {kind} {number}: {question!r} is also listed under {seen[key]}")
                seen.setdefault(key, kind)
    return problems


def synonym_terms(data: dict, languages: Iterable[str]) -> list[tuple[str, str, bool]]:
    """Return (language, term, False) for every term of the synonyms file's ``data``: each names one of ours.

    >>> synonym_terms({"en": ["ticket, request => case"], "xx": ["a"]}, ["en"])
    [('en', 'ticket', False), ('en', 'request', False), ('en', 'case', False)]
    """
    found = []
    for lang in languages:
        lines = data.get(lang) if isinstance(data, dict) else None
        for line in lines if isinstance(lines, list) else ():
            if isinstance(line, str):
                found.extend((lang, term.strip(), False) for term in line.replace("=>", ",").split(",")
                             if term.strip())
    return found


def fingerprint(path: Path, synonyms: Path | None = None, languages: Iterable[str] = (),
                learned: Iterable[tuple[str, str, str]] = (), questions: Path | None = None) -> str:
    """Return what the models depend on: the three files' bytes, the learned examples, the languages and the
    features' version."""
    digest = hashlib.sha256(f"features {FEATURES_VERSION} {' '.join(languages)}\n".encode())
    for source in (path, synonyms, questions):
        digest.update(b"\0")
        if source is not None and Path(source).is_file():
            digest.update(Path(source).read_bytes())
    digest.update(json.dumps(sorted(learned), ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


#: Models trained in this process, by :func:`fingerprint` (JSON): a second build of the same files,
#: as in the tests, does not train again.
_TRAINED: dict[str, str] = {}


class Training:
    """A model being trained in a child process while the index is built; :meth:`result` waits for it.

    The child trains while the parent indexes the articles (a full build's
    last wave of languages leaves a core idle; the training takes a few
    seconds). Running it in a child also keeps scikit-learn, SciPy and NumPy
    (about 100 MB, and BLAS threads) out of every process that serves
    questions, and an incremental build started by the service light. A bare
    forked process and a pipe, not a ``Pool``: a pool's threads would be
    in the parent when the build forks its own workers.
    """

    def __init__(self, key: str, source: Path, synonyms: Path | None, languages: tuple[str, ...],
                 learned: tuple[tuple[str, str, str], ...] = (), questions: Path | None = None):
        self.key, self._children = key, []
        self._model: str | None = _TRAINED.get(key)
        if self._model is not None:
            return
        answered = labelled(read_or_empty(read_questions_file, questions), languages)
        answered += [(lang, text, (article,)) for lang, article, text in learned if lang in languages]
        found = examples(read_or_empty(read_file, source), languages)
        found += [(lang, text, False) for lang, text, _ in answered]
        if len({other for _, _, other in found}) < 2:  # both kinds are needed to learn the subjects
            found = []
        else:
            found += synonym_terms(read_or_empty(read_vocabulary_file, synonyms), languages)
        if len({article for _, _, ids in answered for article in ids}) < 2:
            answered = []
        # One child per model with something to learn: on two cores the two take the time of the longer one.
        # A model with nothing to learn is known at once, without a child (train([]), train_articles([])).
        self._results: dict[str, dict | None] = {"subjects": None if found else train([]),
                                                 "articles": None if answered else {}}
        context = multiprocessing.get_context("fork")
        for name, function, data in (("subjects", train, found), ("articles", train_articles, answered)):
            if not data:
                continue
            receiving, sending = context.Pipe(duplex=False)
            child = context.Process(target=_train_into, args=(function, data, sending), daemon=True)
            child.start()
            sending.close()
            self._children.append((name, child, receiving))

    def result(self) -> str:
        """Return the models as JSON (with their fingerprint), waiting for the children still training."""
        if self._model is None:
            try:
                for name, child, receiving in self._children:
                    try:
                        self._results[name] = receiving.recv()
                    except EOFError:
                        self._results[name] = RuntimeError(f"the search models' training stopped "
                                                           f"(exit code {child.exitcode})")
            finally:
                self.cancel()
            for answer in self._results.values():
                if isinstance(answer, BaseException):
                    raise answer
            self._model = _model_json(self.key, {**self._results["subjects"], "articles": self._results["articles"]})
            _TRAINED[self.key] = self._model
            while len(_TRAINED) > 4:  # a service that builds again and again keeps the last few
                del _TRAINED[next(iter(_TRAINED))]
        return self._model

    def cancel(self) -> None:
        """Stop the children, if any (a build that failed does not wait for its models)."""
        for _, child, receiving in self._children:
            if child.is_alive():
                child.terminate()
            child.join()
            receiving.close()
        self._children = []


class Kept:
    """The previous generation's models, kept because they were trained on the same files (:func:`start`).

    It holds the text :func:`start` read to compare fingerprints, so :func:`finish`
    writes it without reading the file again.
    """

    def __init__(self, text: str):
        self._text = text

    def result(self) -> str:
        return self._text

    def cancel(self) -> None:
        pass


def _train_into(function, data: list, pipe) -> None:
    """In a child: send what ``function`` learns from ``data``, or the exception it raised, to the parent.

    One BLAS and OpenMP thread each: two children with two threads each on two
    cores took twice as long as with one (measured: 14.0 s against 7.8 s).
    """
    try:
        import sklearn.linear_model  # noqa: F401  (loads the libraries whose threads are limited)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            pipe.send(function(data))
    except BaseException as exc:  # the parent raises it
        pipe.send(exc)
    finally:
        pipe.close()


def _model_json(key: str, model: dict) -> str:
    return json.dumps({"fingerprint": key, **model}, ensure_ascii=False, sort_keys=True)


def train(found: list[tuple[str, str, bool]]) -> dict:
    """Return the model (``bias``, ``weights``, ``examples``) learned from (language, question, is other) examples.

    Without both kinds of example, a model that finds nothing another subject's.
    """
    if len({other for _, _, other in found}) < 2:
        return {"bias": 0.0, "weights": {}, "examples": len(found)}
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([features(question, lang) for lang, question, _ in found])
    fitted = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(matrix, [o for _, _, o in found])
    return {"bias": float(fitted.intercept_[0]), "examples": len(found),
            "weights": {name: round(float(weight), 5) for name, weight in zip(vectorizer.feature_names_, fitted.coef_[0])
                        if abs(weight) >= MIN_WEIGHT}}


def train_articles(answered: list[tuple[str, str, tuple[str, ...]]]) -> dict:
    """Return the article model (``classes``, ``bias``, ``weights``: one row per feature) learned from
    (language, question, answering article ids) examples; a question two articles answer weighs half for each.

    Fewer than two articles: no model (``{}``).
    """
    if len({article for _, _, ids in answered for article in ids}) < 2:
        return {}
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    rows, labels, weights = [], [], []
    for lang, question, ids in answered:
        found = features(question, lang)
        for article in ids:
            rows.append(found)
            labels.append(article)
            weights.append(1.0 / len(ids))
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(rows)
    # A looser tolerance than scikit-learn's 1e-4 halves the time; the rankings it gives are the same
    # (bench/README.md, "Which article").
    fitted = LogisticRegression(C=ARTICLES_C, tol=1e-3, max_iter=3000).fit(matrix, labels, sample_weight=weights)
    classes = [str(name) for name in fitted.classes_]
    coef = fitted.coef_ if len(classes) > 2 else [-fitted.coef_[0] / 2, fitted.coef_[0] / 2]
    bias = fitted.intercept_ if len(classes) > 2 else [-fitted.intercept_[0] / 2, fitted.intercept_[0] / 2]
    columns = list(zip(*coef))  # one row of weights (one per class) per feature
    return {"classes": classes, "bias": [round(float(b), 5) for b in bias], "examples": len(answered),
            "weights": {name: [round(float(w), 4) for w in column]
                        for name, column in zip(vectorizer.feature_names_, columns)
                        if max(abs(w) for w in column) >= ARTICLES_MIN_WEIGHT}}


def start(source: Path, previous: Path | None, languages: Iterable[str], synonyms: Path | None = None,
          learned: Iterable[tuple[str, str, str]] = (), questions: Path | None = None) -> Training | Kept:
    """Begin the models for the subjects file ``source``, the synonyms file ``synonyms``, the questions file
    ``questions`` (:mod:`.questions`) and ``learned``.

    ``learned`` is (language, article id, text) examples from the service's
    records (:func:`deflect.search.evidence.examples`: the words customers
    used for an article that answered them), bounded as the learned words are:
    each is one more example of ours, and of its article.
    Returns the previous generation's models (:class:`Kept`) when they were trained
    on the same files, examples and languages, else
    the :class:`Training` under way. A missing subjects file, or one with a
    single kind of example, gives a model that finds nothing another subject's.
    """
    languages, learned = tuple(languages), tuple(sorted(learned))
    key = fingerprint(source, synonyms, languages, learned, questions)
    if previous is not None and (previous / MODEL).is_file():
        try:
            text = (previous / MODEL).read_text(encoding="utf-8")
            if json.loads(text).get("fingerprint") == key:
                return Kept(text)
        except (OSError, ValueError):
            pass  # a damaged model is trained again
    return Training(key, Path(source), synonyms and Path(synonyms), languages, learned,
                    questions and Path(questions))


def finish(training: Training | Kept, generation: Path) -> None:
    """Write ``generation``'s models: those ``training`` gives (trained, or kept by :func:`start`)."""
    (generation / MODEL).write_text(training.result(), encoding="utf-8")


def build(source: Path, generation: Path, previous: Path | None, languages: Iterable[str],
          synonyms: Path | None = None, questions: Path | None = None) -> None:
    """Write ``generation``'s model at once (:func:`start`, then :func:`finish`)."""
    finish(start(source, previous, languages, synonyms, questions=questions), generation)


class SubjectModel:
    """A generation's trained models: how likely a question is about another subject than the help center's,
    and which article answers it."""

    def __init__(self, bias: float = 0.0, weights: dict[str, float] | None = None, articles: dict | None = None):
        self.bias = bias
        self.weights = weights or {}
        articles = articles or {}
        self.classes: tuple[str, ...] = tuple(articles.get("classes") or ())
        self.class_bias = tuple(float(b) for b in articles.get("bias") or ())
        # One flat array of the rows, and each feature's offset: a few MB where a dict of lists takes tens.
        self.rows: dict[str, int] = {}
        self.matrix = array("f")
        width = len(self.classes)
        if width and len(self.class_bias) == width:
            for name, row in (articles.get("weights") or {}).items():
                if len(row) == width:
                    self.rows[name] = len(self.matrix)
                    self.matrix.extend(row)
        else:
            self.classes = ()

    @classmethod
    def load(cls, path: Path) -> "SubjectModel":
        """Return the models in ``path`` (ones that find nothing when the file is missing or damaged)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(float(data.get("bias", 0.0)), dict(data.get("weights") or {}), data.get("articles") or {})
        except (OSError, ValueError, TypeError, AttributeError):
            return cls()

    def other(self, text: str, lang: str) -> float:
        """Return the probability that ``text`` is about another subject than the help center's (0 to 1)."""
        return self._other(lang, *self._features(text, lang)) if self.weights else 0.0

    def articles(self, text: str, lang: str) -> dict[str, float]:
        """Return each article's probability of answering ``text`` (``{}`` without a model): they add up to 1."""
        return self._articles(lang, *self._features(text, lang)) if self.classes else {}

    def read(self, text: str, lang: str) -> tuple[float, dict[str, float]]:
        """Return :meth:`other` and :meth:`articles` together: the question's features are found once."""
        if not self.weights and not self.classes:
            return 0.0, {}
        found = self._features(text, lang)
        return self._other(lang, *found), self._articles(lang, *found)

    @staticmethod
    def _features(text: str, lang: str) -> tuple[dict[str, float], set[str], float]:
        """Return the question's stems, letter groups and the weight each letter group has."""
        stems, grams = _question(text, lang)  # features() without building its dictionary: every question asks
        return stems, grams, 1.0 / math.sqrt(len(grams)) if grams else 0.0

    def _other(self, lang: str, stems: dict[str, float], grams: set[str], share: float) -> float:
        weights = self.weights
        if not weights:
            return 0.0
        score = self.bias + weights.get(f"lang:{lang}", 0.0)
        score += sum(value * weights.get(name, 0.0) for name, value in stems.items())
        score += sum(weights.get(gram, 0.0) for gram in grams) * share
        if score < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-score)) if score < 30 else 1.0

    def _articles(self, lang: str, stems: dict[str, float], grams: set[str], share: float) -> dict[str, float]:
        if not self.classes:
            return {}
        width, rows, matrix = len(self.classes), self.rows, self.matrix
        # The rows are added column by column in C (zip, sum): a question has about a hundred letter
        # groups, which all weigh ``share``, and a few words, each with its own weight.
        word_rows = []
        for name, value in ((f"lang:{lang}", 1.0), *stems.items()):
            offset = rows.get(name)
            if offset is not None:
                row = matrix[offset:offset + width]
                word_rows.append(row if value == 1.0 else [value * weight for weight in row])
        gram_rows = [matrix[offset:offset + width] for offset in map(rows.get, grams) if offset is not None]
        scores = list(self.class_bias)
        if word_rows:
            scores = [score + added for score, added in zip(scores, map(sum, zip(*word_rows)))]
        if gram_rows:
            scores = [score + share * added for score, added in zip(scores, map(sum, zip(*gram_rows)))]
        top = max(scores)
        exps = [math.exp(score - top) for score in scores]
        total = sum(exps)
        return {article: value / total for article, value in zip(self.classes, exps)}
