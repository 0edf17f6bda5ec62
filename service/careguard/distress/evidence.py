"""Crisis-content evidence: does a message say anything about death, suicide or self-harm?

``high`` means suicidal ideation. The learned model also calls plain, first-person sadness
``high`` ("I feel really sad and lonely"), because short negative posts look like the
training set's ``high`` rows. So the model alone may call a message ``high`` only when the
text holds *some* death / suicide / self-harm content — this deliberately broad lexicon —
or when it is confident enough to clear a penalty (see :mod:`careguard.distress.message`).

The lexicon is a *gate*, not a trigger: matching it never raises a level by itself (the
rules in :mod:`careguard.distress.rules` do that for explicit language). It is broad on
purpose — negated, idiomatic and third-party mentions count too — because a miss here
lowers a crisis call, and a false match merely leaves the model's decision as it was.

Groups (all case-insensitive, whole words, over normalised text):

- death and dying: die, dying, dead, death, suicide, kill, kms, unalive;
- ending: "end it (all)", "end my life", "end the pain", "the end", "make it stop",
  "get it over with", "take my life";
- not being here: "not be here anymore", "won't be around much longer", "still alive",
  "disappear", "be gone", "if I was gone", "sleep forever", "never wake up", "never born";
- no reason: "no reason to live", "no point in going on", "life isn't worth it",
  "better off without me", "nobody would miss me", "tired of living", "give up on life",
  "can't go on", "can't do this anymore", "no way out";
- self-harm and means: self-harm, cut myself / my wrists, razor, blade, knife, gun,
  overdose, pills, noose, rope, hang, jump off, "around my neck", "want out (of life)";
- farewells: goodbye, "last message", "last night alive".

All patterns are linear-time (alternations of fixed phrases, no nested quantifiers).
"""

from __future__ import annotations

import re

__all__ = ["CRISIS_WORDS", "has_crisis_words"]

CRISIS_WORDS = re.compile(
    r"""\b(?:
    die|dies|dying|died|dead|death\w*|suicid\w*|kill(?:ing|ed|s)?|kms|unalive\w*
    |end(?:ing|ed)?\ (?:it|it\ all|my\ life|my\ own\ life|everything|things|this|the\ pain
        |my\ suffering|my\ pain)|the\ end|take\ my\ (?:own\ )?life
    |(?:make|want|need)\ (?:it|everything|this|the\ pain)\ (?:all\ )?(?:to\ )?(?:end|stop)
    |get\ it\ over\ with|won'?t\ last
    |(?:not|never|no\ longer)\ (?:be\ )?(?:here|around|alive)\ (?:anymore|any\ more
        |tomorrow|much\ longer)
    |still\ (?:here|alive)|alive|(?:disappear|vanish)\w*|be\ gone|if\ i\ (?:was|were)\ gone
    |sleep\ forever|never\ wake\ up|not\ wake\ up|never\ (?:been\ )?born
    |(?:reason|point|purpose)\ (?:to|in|for)\ (?:live|living|stay\w*|go\ on|going\ on
        |keep\ going|being\ alive|life|exist\w*|me)
    |(?:don'?t|do\ not|dont)\ (?:want|wanna)\ (?:to\ )?(?:live|exist|be\ alive|be\ here
        |wake\ up|go\ on)
    |better\ off\ (?:without\ me|dead|gone)|(?:nobody|no\ one|no-one)\ would\ (?:miss|care)
    |(?:life|living)\ (?:is|isn'?t|is\ not|s)\ (?:not\ )?worth
    |(?:tired|sick)\ of\ (?:living|life|being\ alive|existing)
    |(?:give|giving|gave)\ up\ on\ (?:life|living|everything)|ready\ to\ give\ up
    |(?:can'?t|cannot|cant)\ (?:go\ on|do\ this\ anymore|take\ (?:it|this)\ anymore
        |keep\ going|live\ like\ this)|no\ way\ out
    |self[-\ ]?harm\w*|cut(?:ting|s)?\ (?:myself|my\ (?:wrists?|arms?|legs?|thighs?|skin))
    |around\ my\ neck|out\ of\ (?:life|this\ world)|want\ out
    |razors?|blades?|knife|knives|guns?|overdos\w*|pills|noose|rope|hang\w*|jump(?:ing)?\ off
    |goodbye|last\ (?:stand|message|post|night|day|time)
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)


def has_crisis_words(text: str) -> bool:
    """Whether ``text`` (normalised) mentions death, suicide or self-harm in any way."""
    return CRISIS_WORDS.search(text) is not None
