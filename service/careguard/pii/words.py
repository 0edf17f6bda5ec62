"""Small word lists shared by the recognizers and the clean-up steps (plain data: importing
this module loads neither spaCy nor presidio)."""

from __future__ import annotations

import re

__all__ = ["NOT_A_NAME", "NOT_A_NAME_AFTER_CUE", "ends_are_names"]

# Words that follow "my name is", "call me", "I'm in" and similar phrases without being a name
# or a place ("call me back", "I'm in Pain", "my friend Who"). Compared in lower case.
NOT_A_NAME = frozenset(
    """
    a an the this that these those it its i me my mine you your he him his she her we us our
    they them their who what when where why how which whoever here there now then today
    tomorrow tonight yesterday later soon back again anytime sometime maybe please just so very
    not no yes ok okay crazy stupid weird names name whatever anything something nothing
    everything everyone someone nobody anybody somebody love pain hell trouble bed therapy
    class school work college uni university hospital rehab jail prison debt danger tears
    shock denial mourning crisis bits pieces charge control touch town bad good fine great
    lonely alone sad happy tired depressed anxious scared afraid sorry sure ready done all
    one two three four five six seven eight nine ten and or but if because with for from to
    of on in at by about as like out up down over under into onto upon
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def ends_are_names(value: str) -> bool:
    """Whether neither the first nor the last word of ``value`` is a common word that a
    capitalised-name pattern catches by mistake ("Worry", "Today")."""
    words = re.split(r"\s+", value)
    return words[0].lower() not in NOT_A_NAME and words[-1].lower() not in NOT_A_NAME


# Words that follow "I'm", "thanks," or "my name is" in chat without being a name: states,
# feelings, nationalities, farewells and the verbs and particles of "my name is written on …".
# Checked on top of NOT_A_NAME by the cue patterns of careguard.pii.recognizers.person_context.
NOT_A_NAME_AFTER_CUE = NOT_A_NAME | frozenset(
    """
    is am are was were be been being have has had do does did will would can could should
    shall might must also too still even only really actually literally honestly basically
    going gonna trying feeling getting having doing being living dying struggling finally
    glad sick ill unwell worried nervous upset angry mad furious hurt broken lost stuck
    confused overwhelmed exhausted drained numb empty hopeless helpless worthless useless
    ashamed embarrassed guilty desperate suicidal fucked screwed scared terrified okay ok fine
    alright safe well better worse worst best free busy bored new old young single married
    pregnant gay straight trans bi lesbian queer autistic disabled deaf blind sober clean
    american british english irish scottish welsh canadian australian indian german french
    spanish italian dutch chinese japanese korean african asian european mexican brazilian
    christian muslim jewish catholic hindu buddhist atheist black white brown
    everyone everybody anyone guys team all folks mate man bro dude sir madam maam miss
    doc doctor nurse love dear darling hun honey babe anyway anyways though tho lol lmao
    xx xxx x bye goodbye cheers thanks thank again much lots loads heaps tons advance
    written spelled spelt listed mentioned called used known missing wrong right correct
    important long short common unusual rare spelt printed there here afraid sorry back
    home away out off over done finished through always forever ever soon later
    well oh ah um hmm yeah yep nope sure wow damn god lord jesus christ look listen seriously
    lately recently sometimes also plus guess anyhow btw omg idk tbh ugh sigh cool nice
    awesome perfect sweet gotcha true exactly absolutely indeed agreed congrats wait hold
    hi hello helloo hellooo hey heya hiya yo yea ya first second third once twice next
    noted received understood appreciated acknowledged buddy pal
    finally lastly firstly secondly thirdly mom mum mommy mama dad daddy papa mother father
    sister brother wife husband son daughter aunt uncle grandma grandpa nan nana granny
    monday tuesday wednesday thursday friday saturday sunday january february march june
    july august september october november december seriously really right lol haha
    """.split()  # noqa: SIM905 - a word list reads better as text
)
