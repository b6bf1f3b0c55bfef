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

``deflect check`` reports the file's problems (:func:`check_subjects`).
"""
from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from deflect.search.analysis import fold, forms, informativeness, is_circumstance, words
from deflect.search.synonyms import read_file as read_vocabulary_file

#: Where the help center keeps it, beside docs/.
SUBJECTS_FILE = Path("vocabulary") / "subjects.yml"
#: The generation's model, trained on that file.
MODEL = "subjects.json"
#: Bump when the features change: a model trained on other features is trained again.
FEATURES_VERSION = 1
KINDS = ("ours", "other")
#: Letter groups of 3 to 5 letters of each word, padded with a space (scikit-learn's ``char_wb``).
GRAMS = (3, 5)
#: Inverse of the regularisation strength, and the weight below which a feature is dropped from the model.
C = 3.0
MIN_WEIGHT = 1e-3


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
            for question in entry.get(kind) or ():
                if isinstance(question, str) and question.strip():
                    found.append((lang, question, kind == "other"))
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
    path = Path(path) / SUBJECTS_FILE if Path(path).is_dir() else Path(path)
    try:
        data = read_file(path)
    except SubjectsError as exc:
        return [str(exc)]
    problems = [f"{name}: {key} is not a language of the help center ({', '.join(languages)})"
                for key in data if key not in languages]
    for lang in languages:
        entry = data.get(lang)
        if entry is None:
            continue
        if not isinstance(entry, dict) or set(entry) - set(KINDS):
            problems.append(f"{name} {lang}: expected 'ours' and 'other' lists of questions")
            continue
        seen: dict[str, str] = {}
        for kind in KINDS:
            questions = entry.get(kind) or []
            if not isinstance(questions, list):
                problems.append(f"{name} {lang} {kind}: expected a list of questions")
                continue
            for number, question in enumerate(questions, 1):
                if not isinstance(question, str) or not question.strip():
                    problems.append(f"{name} {lang} {kind} {number}: expected a question (text)")
                    continue
                key = " ".join(question.lower().split())
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
                learned: Iterable[tuple[str, str]] = ()) -> str:
    """Return what the model depends on: the two files' bytes, the learned examples, the languages and the
    features' version."""
    digest = hashlib.sha256(f"features {FEATURES_VERSION} {' '.join(languages)}\n".encode())
    for source in (path, synonyms):
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
                 learned: tuple[tuple[str, str], ...] = ()):
        self.key, self._child, self._pipe = key, None, None
        self._model: str | None = _TRAINED.get(key)
        if self._model is not None:
            return
        found = examples(_mapping(read_file, source), languages)
        if len({other for _, _, other in found}) < 2:  # both kinds are needed to learn anything
            self._model = _model_json(key, {"bias": 0.0, "weights": {}, "examples": len(found)})
            return
        found += synonym_terms(_mapping(read_vocabulary_file, synonyms), languages)
        found += [(lang, text, False) for lang, text in learned if lang in languages]
        context = multiprocessing.get_context("fork")
        self._pipe, sending = context.Pipe(duplex=False)
        self._child = context.Process(target=_train_into, args=(found, sending), daemon=True)
        self._child.start()
        sending.close()

    def result(self) -> str:
        """Return the model as JSON (with its fingerprint), waiting for the child if it is still training."""
        if self._model is None:
            try:
                answer = self._pipe.recv()
            except EOFError:
                answer = RuntimeError(f"the subjects model's training stopped (exit code {self._child.exitcode})")
            finally:
                self.cancel()
            if isinstance(answer, BaseException):
                raise answer
            self._model = _model_json(self.key, answer)
            _TRAINED[self.key] = self._model
            while len(_TRAINED) > 4:  # a service that builds again and again keeps the last few
                del _TRAINED[next(iter(_TRAINED))]
        return self._model

    def cancel(self) -> None:
        """Stop the child, if any (a build that failed does not wait for its model)."""
        if self._child is not None:
            if self._child.is_alive():
                self._child.terminate()
            self._child.join()
            self._pipe.close()
            self._child = None


def _train_into(found: list[tuple[str, str, bool]], pipe) -> None:
    """In the child: send :func:`train`'s model, or the exception it raised, to the parent."""
    try:
        pipe.send(train(found))
    except BaseException as exc:  # the parent raises it
        pipe.send(exc)
    finally:
        pipe.close()


def _model_json(key: str, model: dict) -> str:
    return json.dumps({"fingerprint": key, **model}, ensure_ascii=False, sort_keys=True)


def _mapping(reader, path: Path | None) -> dict:
    """Return what ``reader`` reads in ``path``: ``{}`` when there is no file or it cannot be read."""
    try:
        return reader(path) if path is not None else {}
    except ValueError:  # SubjectsError, SynonymError
        return {}


def train(found: list[tuple[str, str, bool]]) -> dict:
    """Return the model (``bias``, ``weights``, ``examples``) learned from (language, question, is other) examples."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([features(question, lang) for lang, question, _ in found])
    fitted = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(matrix, [o for _, _, o in found])
    return {"bias": float(fitted.intercept_[0]), "examples": len(found),
            "weights": {name: round(float(weight), 5) for name, weight in zip(vectorizer.feature_names_, fitted.coef_[0])
                        if abs(weight) >= MIN_WEIGHT}}


def start(source: Path, previous: Path | None, languages: Iterable[str], synonyms: Path | None = None,
          learned: Iterable[tuple[str, str]] = ()) -> Training | None:
    """Begin the model for the subjects file ``source``, the synonyms file ``synonyms`` and ``learned``.

    ``learned`` is (language, text) examples of ours from the service's
    records (:func:`deflect.search.evidence.examples`: the words customers
    used for an article that answered them), bounded as the learned words are.
    Returns ``None`` when the ``previous`` generation's model was trained on
    the same files, examples and languages (:func:`finish` copies it), else
    the :class:`Training` under way. A missing subjects file, or one with a
    single kind of example, gives a model that finds nothing another subject's.
    """
    languages, learned = tuple(languages), tuple(sorted(learned))
    key = fingerprint(source, synonyms, languages, learned)
    if previous is not None and (previous / MODEL).is_file():
        try:
            if json.loads((previous / MODEL).read_text(encoding="utf-8")).get("fingerprint") == key:
                return None
        except (OSError, ValueError):
            pass  # a damaged model is trained again
    return Training(key, Path(source), synonyms and Path(synonyms), languages, learned)


def finish(training: Training | None, generation: Path, previous: Path | None) -> None:
    """Write ``generation``'s model: the one ``training`` gives, or ``previous``'s when :func:`start` kept it."""
    target = generation / MODEL
    if training is None:
        target.write_bytes((previous / MODEL).read_bytes())
    else:
        target.write_text(training.result(), encoding="utf-8")


def build(source: Path, generation: Path, previous: Path | None, languages: Iterable[str],
          synonyms: Path | None = None) -> None:
    """Write ``generation``'s model at once (:func:`start`, then :func:`finish`)."""
    finish(start(source, previous, languages, synonyms), generation, previous)


class SubjectModel:
    """A generation's trained model: how likely a question is about another subject than the help center's."""

    def __init__(self, bias: float = 0.0, weights: dict[str, float] | None = None):
        self.bias = bias
        self.weights = weights or {}

    @classmethod
    def load(cls, path: Path) -> "SubjectModel":
        """Return the model in ``path`` (one that finds nothing another subject's when it is missing or damaged)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(float(data.get("bias", 0.0)), dict(data.get("weights") or {}))
        except (OSError, ValueError, TypeError, AttributeError):
            return cls()

    def other(self, text: str, lang: str) -> float:
        """Return the probability that ``text`` is about another subject than the help center's (0 to 1)."""
        if not self.weights:
            return 0.0
        weights = self.weights
        stems, grams = _question(text, lang)  # features() without building its dictionary: every question asks
        score = self.bias + weights.get(f"lang:{lang}", 0.0)
        score += sum(value * weights.get(name, 0.0) for name, value in stems.items())
        if grams:
            score += sum(weights.get(gram, 0.0) for gram in grams) / math.sqrt(len(grams))
        if score < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-score)) if score < 30 else 1.0
