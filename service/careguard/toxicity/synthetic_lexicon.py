"""Word lists for the synthetic toxicity set (:mod:`careguard.toxicity.synthetic`).

Content warning: slurs and abuse, unmasked, because the model must learn them.

Written by the careguard team for this purpose (not copied from any dataset); licensed with
the rest of careguard. Each protected group has plural/singular/adjective forms, and slurs
where common ones exist. ``TRAIN`` and ``VALID`` lists of fillers are disjoint, so the
validation half of the set uses words the training half never shows.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GROUPS", "TRAIN", "VALID", "Fillers", "Group", "singular_slur"]


@dataclass(frozen=True, slots=True)
class Group:
    """A protected group: ``plural`` ("muslims"), ``singular``, ``adjective``, ``slurs``."""

    category: str
    plural: str
    singular: str
    adjective: str
    slurs: tuple[str, ...] = ()


GROUPS: tuple[Group, ...] = (
    Group("religion", "muslims", "muslim", "muslim", ("muzzies", "muzrats", "ragheads")),
    Group("religion", "jews", "jew", "jewish", ("kikes", "yids")),
    Group("religion", "christians", "christian", "christian", ("bible thumpers",)),
    Group("religion", "hindus", "hindu", "hindu", ("cow worshippers",)),
    Group("religion", "sikhs", "sikh", "sikh", ("towelheads",)),
    Group("religion", "catholics", "catholic", "catholic", ("papists",)),
    Group("race", "black people", "black person", "black", ("niggers", "coons", "jigaboos")),
    Group("race", "white people", "white person", "white", ("crackers", "honkies")),
    Group("race", "asians", "asian", "asian", ("chinks", "gooks", "slant eyes")),
    Group("ethnicity", "arabs", "arab", "arab", ("sand niggers", "camel jockeys")),
    Group("ethnicity", "mexicans", "mexican", "mexican", ("beaners", "wetbacks", "spics")),
    Group("ethnicity", "latinos", "latino", "latino", ("spics",)),
    Group("ethnicity", "gypsies", "roma person", "romani", ("gyppos",)),
    Group("ethnicity", "native americans", "native american", "native", ("redskins",)),
    Group("nationality", "africans", "african", "african", ("jungle bunnies",)),
    Group("nationality", "somalis", "somali", "somali"),
    Group("nationality", "pakistanis", "pakistani", "pakistani", ("pakis",)),
    Group("nationality", "indians", "indian", "indian", ("pajeets", "curry munchers")),
    Group("nationality", "chinese people", "chinese person", "chinese", ("chinks",)),
    Group("nationality", "syrians", "syrian", "syrian"),
    Group("nationality", "haitians", "haitian", "haitian"),
    Group("nationality", "poles", "pole", "polish", ("polacks",)),
    Group("nationality", "irish people", "irish person", "irish", ("micks",)),
    Group("migration", "immigrants", "immigrant", "immigrant", ("invaders",)),
    Group("migration", "refugees", "refugee", "refugee", ("rapefugees",)),
    Group("migration", "migrants", "migrant", "migrant", ("illegals",)),
    Group("gender", "women", "woman", "female", ("bitches", "whores", "sluts", "hoes")),
    Group("gender", "feminists", "feminist", "feminist", ("feminazis",)),
    Group("gender", "men", "man", "male"),
    Group("orientation", "gay people", "gay man", "gay", ("faggots", "fags", "queers")),
    Group("orientation", "lesbians", "lesbian", "lesbian", ("dykes", "lezzies")),
    Group("orientation", "bisexuals", "bisexual", "bisexual"),
    Group("orientation", "homosexuals", "homosexual", "homosexual", ("homos", "poofs")),
    Group("gender_identity", "trans people", "trans woman", "trans", ("trannies", "shemales")),
    Group("gender_identity", "nonbinary people", "nonbinary person", "nonbinary", ("its",)),
    Group("disability", "disabled people", "disabled person", "disabled", ("cripples",)),
    Group("disability", "autistic people", "autistic person", "autistic", ("retards", "tards")),
    Group("disability", "deaf people", "deaf person", "deaf"),
    Group("disability", "mentally ill people", "mentally ill person", "mentally ill", ("psychos",)),
    Group("age", "old people", "old person", "elderly", ("boomers",)),
)


def singular_slur(plural: str) -> str:
    """ "kikes" -> "kike", "bitches" -> "bitch", "trannies" -> "tranny"."""
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    if plural.endswith(("ches", "shes")):
        return plural[:-2]
    return plural[:-1] if plural.endswith("s") else plural


@dataclass(frozen=True, slots=True)
class Fillers:
    """Words slotted into templates; one set for training, a disjoint one for validation."""

    contempt: tuple[str, ...]  # derogatory traits
    vermin: tuple[str, ...]  # dehumanising comparisons
    fates: tuple[str, ...]  # calls for violence or exclusion (passive)
    kill_verbs: tuple[str, ...]
    insults: tuple[str, ...]  # nouns thrown at a person
    insult_adjs: tuple[str, ...]
    threats: tuple[str, ...]
    places: tuple[str, ...]
    praise: tuple[str, ...]  # positive traits
    activities: tuple[str, ...]
    topics: tuple[str, ...]  # neutral news / policy topics
    cities: tuple[str, ...]
    names: tuple[str, ...]
    swears: tuple[str, ...]  # profanity not aimed at anyone
    things: tuple[str, ...]  # what untargeted profanity is about
    self_hate: tuple[str, ...]  # first-person self-hostility (distress)
    powers: tuple[str, ...]  # institutions and political camps: criticised, not abused
    complaints: tuple[str, ...]  # harsh but civil criticism
    controls: tuple[str, ...]  # what a conspiracy claims a group controls
    evils: tuple[str, ...]  # what a conspiracy blames a group for


TRAIN = Fillers(
    contempt=(
        "filthy",
        "disgusting",
        "subhuman",
        "savages",
        "parasites",
        "criminals",
        "worthless",
        "stupid",
        "lazy",
        "dirty",
        "evil",
        "degenerate",
        "inbred",
        "primitive",
        "rapists",
        "terrorists",
        "a plague",
        "trash",
        "scum",
        "animals",
        "freaks",
        "mentally defective",
    ),
    vermin=(
        "rats",
        "cockroaches",
        "vermin",
        "monkeys",
        "apes",
        "pigs",
        "a cancer",
        "a virus",
        "leeches",
        "maggots",
        "dogs",
        "a disease",
    ),
    fates=(
        "deported",
        "wiped out",
        "gassed",
        "shot",
        "hanged",
        "locked up",
        "exterminated",
        "kicked out",
        "sterilized",
        "burned",
    ),
    kill_verbs=("kill", "exterminate", "get rid of", "wipe out", "shoot", "hang", "purge"),
    insults=(
        "idiot",
        "moron",
        "loser",
        "bitch",
        "asshole",
        "retard",
        "piece of shit",
        "dumbass",
        "cunt",
        "whore",
        "clown",
        "scumbag",
        "waste of space",
        "dickhead",
        "slut",
        "bastard",
        "twat",
        "fuckwit",
    ),
    insult_adjs=(
        "stupid",
        "fucking",
        "worthless",
        "pathetic",
        "ugly",
        "fat",
        "dumb",
        "disgusting",
        "brainless",
        "useless",
    ),
    threats=(
        "find you and kill you",
        "break your legs",
        "beat the shit out of you",
        "make you regret this",
        "burn your house down",
        "put a bullet in you",
    ),
    places=(
        "this country",
        "our neighborhood",
        "europe",
        "america",
        "our schools",
        "the west",
        "our cities",
        "britain",
    ),
    praise=(
        "kind",
        "hardworking",
        "welcoming",
        "talented",
        "generous",
        "funny",
        "brave",
        "smart",
        "family oriented",
        "good neighbours",
    ),
    activities=(
        "go to the mosque on friday",
        "volunteer at the food bank",
        "coach football",
        "teach maths",
        "run a small bakery",
        "love hiking",
        "work as a nurse",
        "study law",
        "cook for my family",
        "play in a band",
    ),
    topics=(
        "housing",
        "healthcare",
        "voting rights",
        "employment",
        "education",
        "hate crimes",
        "asylum policy",
        "representation on tv",
        "pay gaps",
        "policing",
    ),
    cities=("london", "chicago", "berlin", "toronto", "paris", "sydney", "houston", "madrid"),
    names=("john", "sarah", "mike", "jessica", "kevin", "emma", "tom", "lisa"),
    swears=("fucking", "goddamn", "shitty", "damn", "bloody"),
    things=(
        "traffic",
        "monday",
        "weather",
        "printer",
        "exam",
        "game last night",
        "wifi",
        "bus",
        "queue",
        "hangover",
    ),
    powers=(
        "the government",
        "congress",
        "the media",
        "the banks",
        "big tech",
        "the eu",
        "the democrats",
        "the republicans",
        "the police union",
        "the mayor",
    ),
    complaints=(
        "is lying to us about",
        "has completely failed on",
        "does not care about",
        "keeps making a mess of",
        "should be ashamed of its record on",
        "is wrong about",
    ),
    controls=("the media", "the banks", "hollywood", "the government", "our schools"),
    evils=("every war", "the crime wave", "the drug trade", "the housing crisis", "the riots"),
    self_hate=(
        "i hate myself",
        "i am such a worthless piece of shit",
        "i am a failure at everything",
        "i am so stupid i ruin everything",
        "i want to die",
        "i am a burden to everyone",
        "i am disgusting",
        "i am such a loser",
        "why am i such an idiot",
        "i deserve to be alone",
    ),
)

VALID = Fillers(
    contempt=(
        "vile",
        "backwards",
        "diseased",
        "barbaric",
        "useless",
        "nasty",
        "thieves",
        "morons",
        "a disgrace",
        "filth",
        "sick in the head",
        "uncivilized",
    ),
    vermin=(
        "roaches",
        "lice",
        "baboons",
        "swine",
        "termites",
        "an infestation",
        "a tumor",
        "hyenas",
        "ticks",
    ),
    fates=("rounded up", "lynched", "put down", "thrown out", "eradicated", "castrated"),
    kill_verbs=("eliminate", "slaughter", "lynch", "eradicate", "execute"),
    insults=(
        "imbecile",
        "dipshit",
        "prick",
        "skank",
        "jackass",
        "douchebag",
        "halfwit",
        "cocksucker",
        "degenerate",
    ),
    insult_adjs=("braindead", "miserable", "dense", "hideous", "spineless", "clueless"),
    threats=("hunt you down", "smash your face in", "end you", "cut you"),
    places=("our country", "this town", "the uk", "australia", "our streets", "canada"),
    praise=("honest", "creative", "caring", "hard working", "loyal", "respectful"),
    activities=(
        "run a charity",
        "work at the hospital",
        "write poetry",
        "own a garage",
        "sing in the choir",
        "care for my parents",
    ),
    topics=(
        "wages",
        "immigration law",
        "discrimination at work",
        "school funding",
        "public transport",
        "census data",
    ),
    cities=("manchester", "dallas", "lyon", "melbourne", "denver", "dublin"),
    names=("dave", "amy", "chris", "nina", "paul", "rachel"),
    swears=("freaking", "fucking", "shit", "crappy"),
    things=("alarm clock", "homework", "commute", "meeting", "rain", "deadline"),
    powers=(
        "parliament",
        "the president",
        "the press",
        "wall street",
        "the un",
        "the liberals",
        "the conservatives",
    ),
    complaints=(
        "has no plan for",
        "betrayed voters on",
        "keeps ignoring the facts on",
        "is a total disaster on",
    ),
    controls=("the courts", "wall street", "the universities", "big pharma"),
    evils=("the recession", "the pandemic", "all the rapes", "the opioid crisis"),
    self_hate=(
        "i despise myself",
        "i am nothing but a fuck up",
        "i wish i was dead",
        "i am a pathetic excuse for a person",
        "what is wrong with me, i am useless",
        "i am worthless and everyone knows it",
    ),
)
