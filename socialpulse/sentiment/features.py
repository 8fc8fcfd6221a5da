"""Lexicon features of a post, computed in one pass: what the fast scorer and the classifier read.

The valences are VADER's (Hutto & Gilbert, 2014): its word and emoticon lexicon and its emoji
descriptions ship inside the `vaderSentiment` wheel, so nothing is downloaded at run time; a
small hand-made table in this package (`data/emoji_valence.tsv`) corrects common emoji. The
rules are VADER's main ones, re-implemented lean for the stream (about twice VADER's throughput):
boosters and dampeners ("very", "kinda") up to three words before a sentiment word, negation
("not", "n't", "never", ...) up to three words before it, CAPS emphasis when the rest of the
post is not shouted, "but" shifting weight to the clause after it, and "!" emphasis. Left out:
VADER's idiom tables and the "least" rule, which together move under 1 in 1,000 tweets.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

# VADER's empirically derived constants (vaderSentiment 3.3).
BOOST = 0.293
CAPS_BOOST = 0.733
NEGATION_SCALAR = -0.74
EXCLAMATION_BOOST = 0.292
NORMALIZE_ALPHA = 15.0


def _words(text: str) -> list[str]:
    return text.split()


NEGATIONS = frozenset(
    _words("""
        aint arent cannot cant couldnt darent didnt doesnt dont hadnt hasnt havent isnt mightnt
        mustnt neither neednt never none nope nor not nothing nowhere oughtnt shant shouldnt uhuh
        wasnt werent without wont wouldnt rarely seldom despite no
    """)
)
BOOSTERS: dict[str, float] = {
    **dict.fromkeys(
        _words("""
            absolutely amazingly awfully completely considerable considerably decidedly deeply
            effing enormous enormously entirely especially exceptional exceptionally extreme
            extremely fabulously flipping flippin frackin fracking fricking frickin frigging
            friggin fully fuckin fucking fuggin fugging greatly hella highly hugely incredible
            incredibly intensely major majorly more most particularly purely quite really
            remarkably so substantially thoroughly total totally tremendous tremendously uber
            unbelievably unusually utter utterly very sooo soo
        """),
        BOOST,
    ),
    **dict.fromkeys(
        _words("""
            almost barely hardly kinda kindof less little marginal marginally occasional
            occasionally partly scarce scarcely slight slightly somewhat sorta sortof
        """),
        -BOOST,
    ),
}

# Emoji get a space either side so that "great😍" is two tokens; the ranges cover pictographs,
# dingbats and symbols (variation selectors and skin tones are dropped as they carry no valence).
_EMOJI = re.compile("([\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff])|[\ufe0f\u200d]")
_STRIP = "\"'.,!?;:()[]{}<>*_~`|/\\-+=…“”\u2018\u2019«»"
FEATURE_NAMES = (
    "compound",
    "positive",
    "negative",
    "positive_words",
    "negative_words",
    "negated",
    "exclamations",
    "questions",
    "emoji_valence",
    "length",
)


@dataclass(frozen=True, slots=True)
class LexiconFeatures:
    """What the lexicon sees in one post; `compound` is VADER-style, in [-1, 1]."""

    compound: float
    positive: float  # share of the post's sentiment mass that is positive, VADER's `pos`
    negative: float
    positive_words: int
    negative_words: int
    negated: int  # sentiment words flipped by a negation
    exclamations: int
    questions: int
    emoji_valence: float
    length: int  # tokens

    def vector(self) -> tuple[float, ...]:
        return (
            self.compound,
            self.positive,
            self.negative,
            math.log1p(self.positive_words),
            math.log1p(self.negative_words),
            math.log1p(self.negated),
            math.log1p(min(self.exclamations, 4)),
            1.0 if self.questions else 0.0,
            self.emoji_valence / 4.0,
            math.log1p(self.length) / 4.0,
        )


@lru_cache(maxsize=1)
def valences() -> dict[str, float]:
    """Lower-cased word, emoticon and emoji valences, read once from the `vaderSentiment` wheel."""
    package = files("vaderSentiment")
    package_data = files("socialpulse.sentiment").joinpath("data")
    table: dict[str, float] = {}
    for line in package.joinpath("vader_lexicon.txt").read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) >= 2:
            table[fields[0].lower()] = float(fields[1])
    # An emoji's valence is that of its description ("face with tears of joy": joy + tears),
    # which is what VADER does at scoring time; done once here instead of per post.
    emoji_text = package.joinpath("emoji_utf8_lexicon.txt").read_text(encoding="utf-8")
    for line in emoji_text.splitlines():
        fields = line.split("\t")
        if len(fields) < 2 or len(fields[0]) != 1:
            continue
        words = fields[1].lower().split()
        total = sum(table.get(word, 0.0) for word in words)
        if total:
            table[fields[0]] = max(-4.0, min(4.0, total))
    # Hand-assigned overrides where a description misleads or is missing (see the file).
    overrides = package_data.joinpath("emoji_valence.tsv").read_text(encoding="utf-8")
    for line in overrides.splitlines():
        if line and not line.startswith("#"):
            emoji, valence = line.split("\t")[:2]
            table[emoji] = float(valence)
    return table


def lexicon_features(text: str) -> LexiconFeatures:
    """Score one post against the lexicon.

    >>> f = lexicon_features("I do NOT like this, but the staff were really great 😍!")
    >>> f.negated, f.positive_words, f.compound > 0.5
    (1, 2, True)
    """
    table = valences()
    raw = _EMOJI.sub(r" \1 ", text).split()
    tokens: list[str] = []
    for token in raw:
        lower = token.lower()
        if lower not in table:
            lower = lower.strip(_STRIP).replace("\u2019", "'")
        tokens.append(lower)
    shouting = any(t.isupper() for t in raw) and not all(t.isupper() for t in raw if t.isalpha())
    but_at = tokens.index("but") if "but" in tokens else -1
    total = pos_sum = neg_sum = emoji_valence = 0.0
    neutral = positive_words = negative_words = negated = 0
    for i, token in enumerate(tokens):
        valence = table.get(token)
        if valence is None or token in BOOSTERS:
            neutral += 1
            continue
        if token == "no" and i + 1 < len(tokens) and tokens[i + 1] in table:
            neutral += 1  # "no" negates the next word rather than counting by itself
            continue
        if len(token) == 1 and not token.isalnum():
            emoji_valence += valence
        if shouting and raw[i].isupper():
            valence += CAPS_BOOST if valence > 0 else -CAPS_BOOST
        flipped = False
        for distance in (1, 2, 3):
            if i < distance:
                break
            before = tokens[i - distance]
            boost = BOOSTERS.get(before)
            if boost is not None and before not in table:
                scaled = boost * (1.0, 0.95, 0.9)[distance - 1]
                valence += scaled if valence > 0 else -scaled
            if not flipped and (before in NEGATIONS or before.endswith("n't")):
                flipped = True
        if flipped:
            valence *= NEGATION_SCALAR
            negated += 1
        if but_at >= 0:
            valence *= 0.5 if i < but_at else 1.5
        total += valence
        if valence > 0:
            pos_sum += valence + 1.0
            positive_words += 1
        elif valence < 0:
            neg_sum += 1.0 - valence
            negative_words += 1
        else:
            neutral += 1
    exclamations = text.count("!")
    if total:
        emphasis = min(exclamations, 4) * EXCLAMATION_BOOST
        total += emphasis if total > 0 else -emphasis
    compound = total / math.sqrt(total * total + NORMALIZE_ALPHA)
    mass = pos_sum + neg_sum + neutral
    return LexiconFeatures(
        compound=compound,
        positive=pos_sum / mass if mass else 0.0,
        negative=neg_sum / mass if mass else 0.0,
        positive_words=positive_words,
        negative_words=negative_words,
        negated=negated,
        exclamations=exclamations,
        questions=text.count("?"),
        emoji_valence=emoji_valence,
        length=len(tokens),
    )
