"""Stopwords: the function words that fill every post and tell nothing about its topic.

Small hand-made lists for the languages the watch lists are written in (English, Spanish,
French, German, Portuguese, Italian), plus Twitter noise ("rt", "via", "amp"). Sentiment-bearing
words ("not", "no", "never", "good") are deliberately absent: the phrase statistics need them.
Languages are chosen per call because lists collide: German "die" is a stopword, English "die"
is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache


def _words(text: str) -> list[str]:
    return text.split()


STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        _words("""
            a about above after again all also am an and any are as at be because been before being
            below between both but by can could did do does doing down during each few for from
            further had has have having he her here hers herself him himself his how i i'm if in
            into is it it's its itself just let's me more most my myself of off on once only or
            other our ours ourselves out over own same she should so some such than that that's the
            their theirs them themselves then there these they this those through to too under until
            up us very was we were what when where which while who whom why will with would you
            you're your yours yourself yourselves im u ur gonna got get
        """)
    ),
    "es": frozenset(
        _words("""
            a al algo algunos ante antes como con contra cual cuando de del desde donde durante e el
            ella ellas ellos en entre era es esa ese eso esta estaba estas este esto estos fue ha
            hay la las le les lo los me mi mis mucho muy más nos o os otra otro para pero poco por
            porque que quien se ser si sin sobre su sus también te tiene todo tu tus un una uno unos
            y ya yo
        """)
    ),
    "fr": frozenset(
        _words("""
            à au aux avec ce ces c'est cette dans de des du elle elles en est et eux il ils je j'ai
            la le les leur leurs lui ma mais me même mes moi mon nos notre nous on ou où par pas
            pour qu que qui sa se ses son sont sur ta te tes toi ton tu un une vos votre vous y été
            être avoir fait
        """)
    ),
    "de": frozenset(
        _words("""
            aber als am an auch auf aus bei bin bis bist da das dass dem den der des die dies diese
            dieser du durch ein eine einem einen einer er es für hat hatte ich ihr im in ist ja kann
            mit man mein mich mir nach noch nur oder sich sie sind so über um und uns von vor war
            was wie wir wird zu zum zur
        """)
    ),
    "pt": frozenset(
        _words("""
            a ao aos as com como da das de do dos e ela ele eles em entre era essa esse esta este eu
            foi há isso isto já lhe mais mas me meu minha muito na nas no nos o os ou para pela pelo
            por que quando se sem seu sua são também te tem um uma você
        """)
    ),
    "it": frozenset(
        _words("""
            a al alla alle anche che chi ci come con da dal dalla degli dei del della di e è gli ha
            ho i il in io la le lei lo loro lui ma mi mio nel nella noi per più quando questa questo
            se si sono su sua suo ti tu un una uno voi
        """)
    ),
}
TWITTER_NOISE = frozenset({"rt", "via", "amp", "http", "https"})


@lru_cache(maxsize=32)
def stopwords_for(languages: tuple[str, ...] = ("en",)) -> frozenset[str]:
    """The union of the lists for `languages` (ISO 639-1 codes), with Twitter noise."""
    unknown = [code for code in languages if code not in STOPWORDS]
    if unknown:
        raise ValueError(f"no stopword list for {unknown}; available: {sorted(STOPWORDS)}")
    return TWITTER_NOISE.union(*(STOPWORDS[code] for code in languages))


def remove_stopwords(tokens: Iterable[str], languages: Sequence[str] = ("en",)) -> list[str]:
    """Tokens (lower-cased, from `tokenize`) without stopwords or one-Latin-letter debris.

    Hashtags are never stopwords ("#the" is a topic), nor are numbers; one-character words of
    other scripts stay (in Chinese or Japanese a character is often a whole word).

    >>> remove_stopwords(["rt", "the", "new", "#the", "phone", "is", "not", "good", "x"])
    ['new', '#the', 'phone', 'not', 'good']
    """
    stop = stopwords_for(tuple(languages))
    return [
        t for t in tokens if t not in stop and not (len(t) == 1 and t.isascii() and t.isalpha())
    ]
