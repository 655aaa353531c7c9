"""Word lists the readers share, French and English: data, kept apart from the rules that use them.

Every list is lower case and folded as `folding.normalize` folds (’ is '). A word missing here
makes a reader silent, never wrong in the other direction: a cue not listed is a claim credited
to the outlet or a hedge not seen, which the quality benchmark counts.
"""

from __future__ import annotations

# The typographic apostrophes, each with the one the lists are written with (’ is ').
APOSTROPHES = (("’", "'"), ("ʼ", "'"))


def straight_apostrophes(text: str, also: tuple[tuple[str, str], ...] = ()) -> str:
    """`text` with its `APOSTROPHES` (and the replacements `also`) as the lists write them, one
    `str.replace` each: `str.translate` looks every character of a text that is not ASCII up in
    its table, 13 µs for a sentence of 200 characters, against 0.3."""
    for typographic, written in APOSTROPHES + also:
        text = text.replace(typographic, written)
    return text


# --- reporting: who says it ----------------------------------------------------------------

OUTLET = "the outlet"
"""The speaker of what the article says in its own voice (here, not in `attribution`, so that the
support check names it without loading the attribution reader's patterns)."""

# Past participles of French reporting verbs, as they follow "a", "ont", "avait"... ("a déclaré").
FR_REPORTING_PARTICIPLES = (
    "déclaré déclarée affirmé affirmée estimé estimée averti avertie indiqué indiquée annoncé "
    "annoncée assuré assurée expliqué expliquée précisé précisée souligné soulignée confirmé "
    "confirmée démenti démentie nié niée reconnu reconnue dénoncé dénoncée accusé accusée révélé "
    "révélée rapporté rapportée jugé jugée prévenu prévenue ajouté ajoutée déploré déplorée martelé "
    "martelée admis admise signalé signalée soutenu soutenue prétendu prétendue rappelé rappelée "
    "insisté prédit prédite écrit écrite dit dite raconté racontée lancé lancée plaidé assuré "
    "constaté constatée évalué évaluée chiffré chiffrée calculé calculée relevé relevée noté notée "
    "pointé pointée répondu répondue préconisé recommandé suggéré réclamé exigé"
).split()
FR_REPORTING_PHRASES = ("fait savoir", "pointé du doigt", "mis en garde")

# Present-tense French reporting verbs, third person ("Kiev affirme", "estime le ministre").
FR_REPORTING_PRESENT = (
    "déclare déclarent affirme affirment estime estiment avertit avertissent indique indiquent "
    "annonce annoncent assure assurent explique expliquent précise précisent souligne soulignent "
    "confirme confirment dément démentent nie nient reconnaît reconnaissent dénonce dénoncent "
    "accuse accusent révèle révèlent rapporte rapportent juge jugent prévient préviennent ajoute "
    "ajoutent déplore déplorent martèle martèlent admet admettent signale signalent soutient "
    "soutiennent prétend prétendent rappelle rappellent insiste insistent prédit prédisent écrit "
    "écrivent dit disent raconte racontent constate constatent relève relèvent note notent "
    "répond répondent conteste contestent préconise préconisent recommande "
    "recommandent suggère suggèrent réclame réclament exige exigent"
).split()

FR_AUXILIARIES = "a ont avait avaient aura auront aurait auraient".split()

# What may sit between an auxiliary and its participle: "a d'ailleurs averti", "avait quant à
# lui estimé", "a pointé du doigt samedi" (the last after the participle, read with it).
FR_INSERTS = (
    "d'ailleurs également aussi notamment encore déjà ainsi même toutefois cependant bien pourtant "
    "publiquement officiellement récemment alors enfin lui-même elle-même eux-mêmes"
).split()
FR_INSERT_PHRASES = (
    "quant à lui",
    "quant à elle",
    "quant à eux",
    "pour sa part",
    "de son côté",
    "de leur côté",
)

EN_REPORTING_VERBS = (
    "said says say told tells tell estimated estimates estimate warned warns warn announced "
    "announces announce added adds claimed claims claim denied denies deny confirmed confirms "
    "confirm reported reports stated states noted notes argued argues insisted insists "
    "acknowledged acknowledges admitted admits predicted predicts wrote writes explained explains "
    "revealed reveals alleged alleges testified testifies projected projects forecast forecasts "
    "calculated calculates disclosed discloses expect expects expected predicted defended defends "
    "asserted asserts"
).split()
# Reporting verbs as participles after a comma ("…, saying that", "…, arguant que"): the speaker
# is the subject of the sentence's main clause.
REPORTING_PARTICIPLES_ING = (
    "saying adding noting warning arguing asserting insisting claiming stating explaining "
    "arguant affirmant estimant assurant expliquant précisant soulignant ajoutant rappelant "
    "indiquant déclarant"
).split()
# Words that open a clause before its subject: "yet Nissan says", "mais le ministre a dit".
LEADING_CONJUNCTIONS = frozenset(
    "yet but and so while whereas or however mais et or pourtant cependant donc ainsi".split()
)
# Words that end a subject read forward from a clause's start ("Le gouvernement se défend").
SUBJECT_ENDS = frozenset(
    "se s' a ont est sont était étaient avait avaient va vont peut peuvent doit doivent reste "
    "is are was were has have had will would can could should may might".split()
)
# Possessives of the first person: "d'après nos données" is the quoted speaker's own source.
FIRST_PERSON_POSSESSIVES = frozenset("nos notre mes mon ma our my".split())
# Forms that are nouns as often as verbs ("inspection reports from 2019"): a verb only when no
# preposition follows.
EN_AMBIGUOUS_FORMS = frozenset("reports claims estimates notes states forecasts projects warns".split())
PREPOSITIONS_AFTER_NOUN = frozenset("from of in on about by for to with at over under into".split())
EN_INSERTS = "also later earlier previously recently publicly officially again further then".split()

# Cues followed by who says it: "selon le GUR", "d'après Kiev", "according to the council".
SOURCE_PREPOSITIONS = ("selon", "d'après", "according to", "as reported by", "de source")

# Passive reports: "révélée par les services de renseignement", "confirmed by officials".
FR_PASSIVE_PARTICIPLES = (
    "révélé révélée révélés révélées confirmé confirmée confirmés confirmées annoncé annoncée "
    "annoncés annoncées rapporté rapportée rapportés rapportées publié publiée publiés publiées "
    "estimé estimée estimés estimées avancé avancée avancés avancées"
).split()
EN_PASSIVE_PARTICIPLES = (
    "revealed confirmed announced reported published estimated released disclosed".split()
)

# Where the noun phrase of an inverted speaker ends ("a précisé la préfète lors d'un point presse").
# Time words between a reporting verb and an inverted speaker ("a déclaré jeudi le ministre").
TIME_ADVERBS = frozenset(
    "lundi mardi mercredi jeudi vendredi samedi dimanche hier aujourd'hui matin soir "
    "monday tuesday wednesday thursday friday saturday sunday yesterday today".split()
)
AFTER_SPEAKER = (
    "lors devant dans pendant après avant depuis sur pour au aux en à mardi lundi mercredi jeudi "
    "vendredi samedi dimanche hier on at in during after before to from for with while last this"
).split()
# Auxiliaries and negations that end a subject read backward from its verb ("it didn't say").
TRAILING_AUXILIARIES = frozenset(
    "didn't did does doesn't don't do will would could can has have had n'a ne n' also still "
    "continues continue to".split()
)
# A speaker never opens on these ("given the pattern of data…", "with April's GDP…").
NOT_A_SPEAKER_START = frozenset(
    "given with without after before in on at for from during since as by amid despite "
    "dans avec sans après avant pendant depuis par pour lors malgré".split()
)

# Relative pronouns that may stand as a verb's subject: the speaker is the phrase before them.
RELATIVE_SUBJECTS = frozenset("qui who which that".split())
# Passive auxiliaries: "repairs are estimated at", "sont estimés à" is no report.
PASSIVE_AUXILIARIES = frozenset("is are was were be been being est sont était étaient été être".split())

# A speaker that is a pronoun: who it is must be read in an earlier sentence.
SPEAKER_PRONOUNS = frozenset(
    "eux lui elle elles il ils on celui-ci celle-ci ceux-ci celles-ci he she they it him them we nous".split()
)

# --- standalone: openings that refer back ------------------------------------------------------

# A statement opening on one of these refers to something an earlier sentence says.
OPENING_PRONOUNS = frozenset(
    "il elle ils elles celui-ci celle-ci ceux-ci celles-ci cela ceci ça he she they it this these "
    "those its his her their them".split()
)
OPENING_PHRASES = (
    "ce dernier",
    "cette dernière",
    "ces derniers",
    "ces dernières",
    "selon eux",
    "selon lui",
    "selon elle",
    "selon elles",
    "d'après eux",
    "d'après lui",
    "d'après elle",
    "d'après elles",
    "according to them",
    "according to him",
    "according to her",
    "the latter",
    "the former",
)
# Demonstratives always point back ("cette mesure", "ces pertes", "this plan").
DEMONSTRATIVES = frozenset("ce cet cette ces".split())
# After a definite article, nouns that name something said before ("le pacte", "the measure").
BACK_REFERRING_NOUNS = frozenset(
    (
        "mesure mesures décision décisions projet projets loi lois accord accords pacte traité plan "
        "plans entreprise société groupe rapport étude chiffre chiffres bilan pertes information "
        "informations allégations annonce initiative opération attaque incident affaire dossier "
        "texte réforme proposition mouvement "
        "measure measures decision decisions move plan plans bill law laws deal agreement pact "
        "treaty company firm group report study figure figures number numbers losses information "
        "allegations announcement initiative operation attack incident case text reform proposal "
        "latter former move"
    ).split()
)
DEFINITE_ARTICLES = frozenset("le la les l' the".split())
# After such a noun, words that say which one it is: "le pacte de défense", "the deal between".
QUALIFIERS = frozenset(
    "de d' du des entre avec sur pour signé signée conclu conclue of between with on for signed struck reached".split()
)
# A noun phrase opening on these, followed by a relative pronoun, is a fragment: "Un pacte qui
# prévoit…" continues the sentence before it.
INDEFINITE_ARTICLES = frozenset("un une des du de a an some".split())
RELATIVE_PRONOUNS = frozenset(
    "qui que qu' dont lequel laquelle lesquels lesquelles which who whom whose that".split()
)

# --- content words -----------------------------------------------------------------------------

# Function words and the connectives a restatement may add or drop without changing what it says.
STOP_WORDS = frozenset(
    (
        # French
        "a à au aux avec ce ces cet cette c' d' de des du dans elle elles en entre est et eux il "
        "ils je j' l' la le les leur leurs lui ma mais me même mes moi mon ne n' ni nos notre nous "
        "on ou où par pas pour qu' que qui sa se s' ses son sur ta te tes toi ton tu un une vos "
        "votre vous y été être était étaient sont ont avait avaient aurait auraient serait "
        "seraient sera seront fait faire plus moins très tout tous toute toutes aussi ainsi alors "
        "donc or car comme si sans sous selon d'après après avant depuis pendant lors également "
        "encore déjà toujours jamais cependant pourtant toutefois notamment quant part côté cas "
        "afin lorsque puisque dont celui celle ceux celles ici là "
        # English
        "a an the and or but if of to in on at by for from with as into about over after before "
        "since during than then that this these those there here it its is are was were be been "
        "being has have had do does did will would shall should can could may might must not no "
        "nor so such also too very more most less least just only own same other another each "
        "both all any some he she they them his her their we us our you your i me my who whom "
        "whose which what when where why how according says said"
    ).split()
)

# Which language a text is in, by the function words it uses most.
FRENCH_MARKERS = frozenset("le la les des du une est et que qui dans pour sur au aux ces selon".split())
ENGLISH_MARKERS = frozenset("the and of to in that is was for on with by from said has have".split())

# --- hedging -----------------------------------------------------------------------------------

DENIAL_CUES = (
    "se défend",
    "se défendent",
    "rejette",
    "rejettent",
    "récuse",
    "récusent",
    "a démenti",
    "ont démenti",
    "dément",
    "démentent",
    "a nié",
    "ont nié",
    "nie ",
    "nient",
    "conteste",
    "contestent",
    "a rejeté",
    "ont rejeté",
    "denied",
    "denies",
    "deny",
    "rejected the claim",
    "rejected claims",
    "dismissed the claim",
    "refuted",
    "disputed",
    "disputes",
)
ALLEGATION_CUES = (
    "présumé",
    "présumée",
    "présumés",
    "présumées",
    "prétendu",
    "prétendue",
    "prétendus",
    "prétendues",
    "supposé",
    "supposée",
    "accusé d",
    "accusée d",
    "accusés d",
    "soupçonné",
    "soupçonnée",
    "soupçonnés",
    "allegedly",
    "alleged",
    "accused of",
    "suspected of",
    "purported",
    "purportedly",
)
HYPOTHETICAL_CUES = (
    "pourrait",
    "pourraient",
    "risque de",
    "risquent de",
    "could",
    "might",
    "may ",
    "would be",
    "if ",
    "s'il",
    "si les",
    "si le",
    "si la",
    "would",
)
REPORTED_CUES = (
    "selon",
    "d'après",
    "according to",
    "reportedly",
    "is said to",
    "are said to",
    "claimed",
    "sources say",
    "sources said",
)

# --- check-worthiness --------------------------------------------------------------------------

OPINION_CUES = (
    "à mon avis",
    "selon moi",
    "je pense",
    "je crois",
    "nous pensons",
    "il faut",
    "il faudrait",
    "doit",
    "doivent",
    "devrait",
    "devraient",
    "scandale",
    "scandaleux",
    "honte",
    "choc",
    "inacceptable",
    "formidable",
    "magnifique",
    "terrible",
    "in my view",
    "i think",
    "i believe",
    "we believe",
    "should",
    "must",
    "ought",
    "outrageous",
    "shocking",
    "disgrace",
    "unacceptable",
    "wonderful",
    "terrible",
    "betrayal",
    "trahison",
)
