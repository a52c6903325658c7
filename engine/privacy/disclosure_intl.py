"""First-person disclosures of special categories in German, French, Spanish, Italian, Portuguese
and Dutch (the English rules are in :mod:`engine.privacy.disclosure`).

The same rule as in English: a sentence discloses when it has a first-person anchor ("ich",
"mein", "je", "mon", "yo", "mi", "io", "eu", "minha", "ik", "mijn", or "my sister" in any of the
languages) *and* a category term. A sentence that asks about a topic ("Was sind Symptome einer
Depression?", "¿Qué es el asilo político?") has no anchor and passes; one that asks to be taught
("erklär mir", "explique-moi", "explícame") passes unless it also says "I have / I am".
Terms are word starts (stems) of conditions, statuses and events, not everyday words.
"""

from __future__ import annotations

import re
from functools import lru_cache

from engine.privacy.words_intl import FIRST_PERSON, MY, RELATIVES

HEALTH, IDENTITY, RELIGION = "health", "sexual orientation or gender identity", "religion or belief"
IMMIGRATION, VIOLENCE, POLITICS = "immigration status", "violence or abuse", "political opinion or union membership"
CRIME, MONEY = "criminal record", "precise finances"

TERMS: dict[str, dict[str, str]] = {
    "de": {
        HEALTH: r"depression|depressiv|krebs|tumor|chemo|diagnos|hiv|diabet|angststörung|panikattacke|burn-?out|"
                r"therapie|therapeut|psychiat|psychotherap|antidepressiv|schwanger|fehlgeburt|abtreibung|"
                r"schwangerschaftsabbruch|sucht|süchtig|alkoholi|entzug|rückfall|suizid|selbstmord|umbringen|"
                r"nicht mehr leben|ritze|selbstverletz|essstörung|magersucht|bulimie|adhs|autis|epilep|"
                r"krankgeschrieben|krankschreibung|medikament|tabletten|blutwerte|befund|behinderung|"
                r"schwerbehindert|chronisch|\d+\s?mg\b",
        IDENTITY: r"schwul|lesbisch|bisexuell|queer|transgender|trans\b|nicht-?binär|coming-?out|geoutet|outen|"
                  r"geschlechtsangleich|hormontherapie|homosexuell",
        RELIGION: r"muslim|christ(?:in)?\b|jüdisch|jude\b|hindu|buddhist|atheist|konvertiert|aus der kirche ausgetreten|"
                  r"kirchenaustritt|zeugen jehovas|mein glaube",
        IMMIGRATION: r"asyl|aufenthaltstitel|aufenthaltserlaubnis|duldung|abschiebung|abgeschoben|ausreisepflicht|"
                     r"ohne papiere|illegal hier|visum (?:abgelaufen|abgelehnt)|niederlassungserlaubnis|"
                     r"ausländerbehörde|blaue karte|geflüchtet|flüchtling",
        VIOLENCE: r"schlägt mich|geschlagen|misshandelt|missbraucht|missbrauch|vergewaltigt|häusliche gewalt|"
                  r"bedroht mich|stalkt|belästigt|nacktbilder",
        POLITICS: r"gewerkschaft|betriebsrat|ich wähle|ich habe .{0,20}gewählt|parteimitglied|mitglied der [a-zäöü ]{0,30}partei",
        CRIME: r"festgenommen|verhaftet|vorbestraft|vorstrafe|verurteilt|strafanzeige|anzeige gegen mich|gefängnis|"
               r"haftstrafe|bewährung|führungszeugnis|ermittlungsverfahren|strafbefehl|angeklagt",
        MONEY: r"schulden|verschuldet|insolvenz|privatinsolvenz|pfändung|inkasso|schufa|mein gehalt|ich verdiene|"
               r"mein kontostand|kredit (?:von|über)|dispo|überzogen|mietschulden",
    },
    "fr": {
        HEALTH: r"dépression|depression|déprim|cancer|tumeur|chimio|diagnosti|vih|séropositi|diabèt|diabet|anxiété|"
                r"crise d'angoisse|burn-?out|thérapie|therapie|psychiatr|psychologue|antidépresseur|enceinte|"
                r"grossesse|fausse couche|avortement|ivg|addiction|alcoolique|sevrage|rechute|suicid|me tuer|"
                r"en finir|scarifi|automutil|anorexi|boulimi|tdah|autis|épilep|arrêt maladie|médicament|"
                r"traitement|analyses de sang|handicap|maladie chronique|\d+\s?mg\b",
        IDENTITY: r"gay|gai\b|homo\b|homosexuel|lesbienne|bisexuel|queer|transgenre|trans\b|non-binaire|coming out|"
                  r"transition|hormones",
        RELIGION: r"musulman|chrétien|chretien|juif|juive|hindou|bouddhiste|athée|athee|converti|ma foi|"
                  r"ma religion|témoin de jéhovah",
        IMMIGRATION: r"asile|titre de séjour|titre de sejour|sans[- ]papiers|oqtf|expulsion|expulsé|récépissé|"
                     r"préfecture|visa (?:expiré|refusé)|réfugié|demandeur d'asile|carte de séjour|régularisation",
        VIOLENCE: r"me frappe|m'a frappée?|battue?|violence conjugale|violences conjugales|viol[ée]e?\b|agressée?|"
                  r"abusée?|harcèle|harcel|me menace|nudes|photos intimes",
        POLITICS: r"syndicat|syndiqué|je vote|j'ai voté|membre du parti|adhérent du parti|militant",
        CRIME: r"arrêté|arrete|garde à vue|casier judiciaire|condamné|condamne|prison|sursis|mis en examen|"
               r"plainte contre moi|convoqué au tribunal|amende pénale",
        MONEY: r"dettes?\b|endetté|surendettement|huissier|interdit bancaire|fiché banque de france|mon salaire|"
               r"je gagne|mon solde|découvert|crédit de|prêt de|loyer impayé",
    },
    "es": {
        HEALTH: r"depresi[óo]n|deprimid|c[áa]ncer|tumor|quimio|diagn[óo]stic|vih|seropositiv|diabet|ansiedad|"
                r"ataque de p[áa]nico|terapia|psiqui[áa]tr|psic[óo]log|antidepresiv|embarazada|embarazo|aborto|"
                r"adicci[óo]n|adicto|alcoh[óo]lic|reca[íi]da|suicid|quitarme la vida|matarme|autolesi|me corto|"
                r"anorexi|bulimi|tdah|autis|epilep|baja m[ée]dica|medicaci[óo]n|pastillas|an[áa]lisis de sangre|"
                r"discapacidad|enfermedad cr[óo]nica|\d+\s?mg\b",
        IDENTITY: r"gay|lesbiana|bisexual|queer|transg[ée]nero|trans\b|no binari|salir del armario|sal[íi] del armario|"
                  r"homosexual|transici[óo]n|hormonas",
        RELIGION: r"musulm[áa]n|cristian|jud[íi]o|jud[íi]a|hind[úu]|budista|ateo|atea|me convert[íi]|mi fe\b|mi religi[óo]n|"
                  r"testigo de jehov[áa]",
        IMMIGRATION: r"asilo|sin papeles|irregular|permiso de residencia|tarjeta de residencia|deportaci[óo]n|"
                     r"deportad|expulsi[óo]n|nie caducado|visado (?:caducado|denegado)|refugiad|arraigo|"
                     r"orden de expulsi[óo]n|extranjer[íi]a",
        VIOLENCE: r"me pega|me peg[óo]|maltrat|abus[óo] de m[íi]|abusad|violaci[óo]n|violad|violencia de g[ée]nero|"
                  r"violencia dom[ée]stica|me amenaza|acoso|me acosa|fotos [íi]ntimas",
        POLITICS: r"sindicato|sindicad|afiliad[oa] a|voto a|vot[ée] a|militante|miembro del partido",
        CRIME: r"detenid|arrestad|antecedentes penales|condenad|c[áa]rcel|prisi[óo]n|libertad condicional|"
               r"denuncia contra m[íi]|juicio penal|imputad",
        MONEY: r"deudas?\b|endeudad|embargo|moroso|asnef|quiebra|mi sueldo|mi salario|gano \d|mi saldo|"
               r"n[óo]mina de|pr[ée]stamo de|hipoteca de",
    },
    "it": {
        HEALTH: r"depressione|depress|cancro|tumore|chemio|diagnos|hiv|sieropositiv|diabet|ansia|attacchi di panico|"
                r"terapia|psichiatr|psicolog|antidepressiv|incinta|gravidanza|aborto|dipendenza|alcolizzat|"
                r"ricaduta|suicid|uccidermi|farla finita|autolesion|mi taglio|anoress|bulimi|adhd|autis|epiless|"
                r"in malattia|farmac|pastiglie|esami del sangue|disabilit|malattia cronica|\d+\s?mg\b",
        IDENTITY: r"gay|lesbica|bisessuale|queer|transgender|trans\b|non binari|coming out|omosessuale|"
                  r"transizione|ormoni",
        RELIGION: r"musulman|cristian|ebreo|ebrea|indù|buddist|ateo|atea|mi sono convertit|la mia fede|"
                  r"la mia religione|testimone di geova",
        IMMIGRATION: r"asilo|permesso di soggiorno|senza documenti|clandestin|irregolare|espulsione|espuls|"
                     r"rimpatrio|visto (?:scaduto|negato)|rifugiat|questura|protezione internazionale",
        VIOLENCE: r"mi picchia|mi ha picchiat|maltratt|abusat|violentat|stupr|violenza domestica|mi minaccia|"
                  r"molest|stalker|foto intime",
        POLITICS: r"sindacato|iscritt[oa] al sindacato|voto per|ho votato|militante|iscritt[oa] al partito",
        CRIME: r"arrestat|fermat[oa] dalla polizia|precedenti penali|condannat|carcere|prigione|"
               r"libertà vigilata|denuncia contro di me|indagat|casellario giudiziale",
        MONEY: r"debiti|debito\b|indebitat|pignoramento|protestat|fallimento|il mio stipendio|guadagno \d|"
               r"il mio saldo|mutuo di|prestito di|rosso sul conto",
    },
    "pt": {
        HEALTH: r"depress[ãa]o|deprimid|c[âa]ncer|cancro|tumor|quimio|diagn[óo]stic|vih|hiv|seropositiv|soropositiv|"
                r"diabet|ansiedade|ataque de p[âa]nico|terapia|psiqui[áa]tr|psic[óo]log|antidepressiv|gr[áa]vida|"
                r"gravidez|aborto|depend[êe]ncia|viciad|alco[óo]lic|reca[íi]da|suic[íi]d|me matar|matar-me|"
                r"automutila|me corto|anorexi|bulimi|tdah|autis|epilep|baixa m[ée]dica|atestado m[ée]dico|"
                r"medica[çc][ãa]o|comprimidos|an[áa]lises|exames de sangue|defici[êe]ncia|doen[çc]a cr[óo]nica|"
                r"\d+\s?mg\b",
        IDENTITY: r"gay|l[ée]sbica|bissexual|queer|transg[êe]nero|trans\b|n[ãa]o bin[áa]ri|sair do arm[áa]rio|"
                  r"sa[íi] do arm[áa]rio|homossexual|transi[çc][ãa]o|horm[ôo]nios|hormonas",
        RELIGION: r"mu[çc]ulman|crist[ãa]|cristão|judeu|judia|hindu|budista|ateu|ateia|me converti|converti-me|"
                  r"minha f[ée]\b|minha religi[ãa]o|testemunha de jeov[áa]",
        IMMIGRATION: r"asilo|sem documentos|ilegal|irregular|autoriza[çc][ãa]o de resid[êe]ncia|t[íi]tulo de resid[êe]ncia|"
                     r"sef\b|aima\b|deporta|expuls|visto (?:expirado|negado|caducado)|refugiad|manifesta[çc][ãa]o de interesse",
        VIOLENCE: r"me bate|bateu-me|me bateu|agredid|maltrat|abusad|estupr|violad|viol[êe]ncia dom[ée]stica|"
                  r"me amea[çc]a|ass[ée]dio|persegue-me|fotos [íi]ntimas|nudes",
        POLITICS: r"sindicato|sindicalizad|voto n[oa]|votei n[oa]|militante|filiad[oa] ao partido|membro do partido",
        CRIME: r"pres[oa]\b|detid[oa]|registo criminal|antecedentes criminais|condenad|cadeia|pris[ãa]o|"
               r"liberdade condicional|queixa contra mim|arguid|processo crime",
        MONEY: r"d[íi]vidas?\b|endividad|penhora|nome sujo|serasa|fal[êe]ncia|insolv[êe]ncia|meu sal[áa]rio|"
               r"o meu ordenado|ganho \d|meu saldo|empr[ée]stimo de|cr[ée]dito de",
    },
    "nl": {
        HEALTH: r"depressie|depressief|kanker|tumor|chemo|diagnose|hiv|diabet|angststoornis|paniekaanval|burn-?out|"
                r"therapie|therapeut|psychiater|psycholoog|antidepressiv|zwanger|miskraam|abortus|verslaaf|"
                r"verslaving|alcoholist|terugval|zelfmoord|suïcid|suicid|zelfbeschadig|eetstoornis|anorexia|"
                r"boulimia|adhd|autis|epilep|ziek gemeld|ziekgemeld|medicijn|medicatie|pillen|bloeduitslag|"
                r"handicap|beperking|chronisch|\d+\s?mg\b",
        IDENTITY: r"homo\b|homoseksueel|lesbisch|lesbienne|biseksueel|queer|transgender|trans\b|non-binair|"
                  r"uit de kast|transitie|hormonen",
        RELIGION: r"moslim|christen|christelijk|joods|jood\b|hindoe|boeddhist|atheïst|atheist|bekeerd|"
                  r"mijn geloof|uit de kerk gestapt|jehova",
        IMMIGRATION: r"asiel|verblijfsvergunning|ongedocumenteerd|zonder papieren|illegaal|uitzetting|uitgezet|"
                     r"ind\b|vluchteling|statushouder|visum (?:verlopen|geweigerd)",
        VIOLENCE: r"slaat me|sloeg me|mishandel|misbruikt|misbruik|verkracht|huiselijk geweld|bedreigt me|"
                  r"stalkt|lastiggevallen|naaktfoto",
        POLITICS: r"vakbond|ondernemingsraad|ik stem op|ik heb .{0,20}gestemd|partijlid|lid van de [a-z ]{0,30}partij",
        CRIME: r"gearresteerd|aangehouden|opgepakt|strafblad|veroordeeld|gevangenis|cel\b|voorwaardelijk|"
               r"taakstraf|aangifte tegen mij|verdachte|vog\b",
        MONEY: r"schulden|schuld\b|bkr|beslag|deurwaarder|incasso|failliet|schuldsanering|mijn salaris|"
               r"ik verdien|mijn saldo|rood staan|lening van",
    },
}

# "Explain to me", "tell me about": a request to learn about a topic, not about the writer.
_TOPIC = {
    "de": r"erkl[äa]r(?:e|en sie)? mir|was (?:ist|sind|bedeutet)|wie (?:funktioniert|wirkt|erkennt)|erzähl mir|"
          r"ich möchte (?:mehr )?(?:wissen|lernen|verstehen)",
    "fr": r"explique(?:z)?-moi|qu'est-ce que|c'est quoi|comment (?:fonctionne|reconnaître)|parle-moi de|"
          r"je voudrais (?:comprendre|savoir|apprendre)",
    "es": r"expl[íi]ca(?:me)?|qu[ée] es|c[óo]mo (?:funciona|se reconoce)|h[áa]blame de|quiero (?:saber|entender|aprender)",
    "it": r"spiegami|che cos'è|cos'è|come (?:funziona|si riconosce)|parlami di|vorrei (?:sapere|capire|imparare)",
    "pt": r"explica(?:-me)?|o que [ée]|como (?:funciona|se reconhece)|fala-me de|quero (?:saber|entender|aprender)",
    "nl": r"leg (?:me )?uit|wat is|wat zijn|hoe (?:werkt|herken)|vertel me over|ik wil (?:weten|leren|begrijpen)",
}
# "I have / I am / I was": said about oneself even inside a question.
_SELF = {
    "de": r"ich (?:habe|hatte|bin|war|wurde|nehme)|mir wurde|bei mir",
    "fr": r"j'ai|j’ai|je suis|j'étais|on m'a|je prends",
    "es": r"tengo|ten[íi]a|estoy|estaba|soy|era|fui|he|hab[íi]a|me (?:han|dieron|diagnosticaron)|tomo|vivo|"
          r"debo|gano|perd[íi]|nac[íi]",
    # "sono" is also "they are": only with what marks the first person ("sono stata", "sono incinta")
    "it": r"ho|avevo|sono (?:stat[oa]|incinta|iscritt[oa]|nat[oa]|un|una|gay|lesbica|trans)|ero|mi hanno|prendo|vivo|"
          r"devo|guadagno|ho perso|mi sento",
    "pt": r"tenho|tinha|estou|estava|sou|era|fui|me (?:deram|diagnosticaram)|tomo|vivo|devo|ganho|perdi|nasci",
    "nl": r"ik (?:heb|had|ben|was|werd|neem)|bij mij",
}
_SENTENCE = re.compile(r"(?:[^.!?\n]|(?<=\d)\.(?=\d))+[.!?]?")


@lru_cache(maxsize=8)
def _compiled(lang: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    # "j'ai" and "m'a" are one word with their pronoun; Spanish, Italian and Portuguese drop the
    # pronoun, so a verb in the first person ("estoy", "ho", "tenho") anchors too.
    anchor = re.compile(r"(?<![\w'’])(?:" + FIRST_PERSON[lang] + r")(?=\W|$|(?<=['’]))|\b(?:" + MY[lang] + r")\s+(?:"
                        + RELATIVES[lang] + r")\b|\b(?:" + _SELF[lang] + r")(?!\w)", re.I)
    # One pattern for all categories (one scan per sentence); the group that matched names the category.
    terms = re.compile("|".join(f"(?P<c{i}>(?<![\\w])(?:{rx}))" for i, rx in enumerate(TERMS[lang].values())), re.I)
    return anchor, terms, re.compile(r"\b(?:" + _TOPIC[lang] + r")", re.I), re.compile(r"\b(?:" + _SELF[lang] + r")",
                                                                                        re.I)


def find_disclosures_intl(text: str, lang: str) -> list[str]:
    """Categories the writer discloses about themselves or someone close, in ``lang``."""
    if lang not in TERMS:
        return []
    anchor, terms, topic, said_of_self = _compiled(lang)
    categories = list(TERMS[lang])
    found: list[str] = []
    for sentence in _SENTENCE.findall(text):
        if not anchor.search(sentence):
            continue
        if topic.search(sentence) and not said_of_self.search(sentence):
            continue
        for m in terms.finditer(sentence):
            assert m.lastgroup is not None  # an alternation of named groups: a match is in one
            cat = categories[int(m.lastgroup[1:])]
            if cat not in found:
                found.append(cat)
    return found
