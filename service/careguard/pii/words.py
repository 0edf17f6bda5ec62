"""Small word lists shared by the recognizers and the clean-up steps (plain data: importing
this module loads neither spaCy nor presidio)."""

from __future__ import annotations

import re

__all__ = ["NOT_A_NAME", "ends_are_names"]

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
