"""Word lists of the six other languages Hearth reads (de, fr, es, it, pt, nl), in one place.

Regex fragments, lower case, matched case-insensitively by the modules that use them
(:mod:`locators_intl`, :mod:`names_intl`, :mod:`disclosure_intl`). They name kinds of words —
relatives, months, honorifics, first-person pronouns — not anything taken from a message.
"""

from __future__ import annotations


MONTHS = {
    "de": r"januar|jänner|februar|feber|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember|"
          r"jan|feb|mär|apr|jun|jul|aug|sep|sept|okt|nov|dez",
    "fr": r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
          r"decembre|janv|févr|fevr|avr|juil|sept|oct|nov|déc|dec",
    "es": r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre",
    "it": r"gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre",
    "pt": r"janeiro|fevereiro|março|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro",
    "nl": r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december",
}
WEEKDAYS = {
    "de": r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag",
    "fr": r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche",
    "es": r"lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo",
    "it": r"lunedì|lunedi|martedì|martedi|mercoledì|mercoledi|giovedì|giovedi|venerdì|venerdi|sabato|domenica",
    "pt": r"segunda|terça|terca|quarta|quinta|sexta|sábado|sabado|domingo",
    "nl": r"maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag",
}
ALL_MONTHS = "|".join(sorted({m for ms in MONTHS.values() for m in ms.split("|")}, key=len, reverse=True))

# Possessives of the first person ("my", "our").
MY = {
    "de": r"mein|meine|meinen|meinem|meiner|meines|unser|unsere|unseren|unserem|unserer",
    "fr": r"mon|ma|mes|notre|nos",
    "es": r"mi|mis|nuestro|nuestra|nuestros|nuestras",
    "it": r"mio|mia|miei|mie|il mio|la mia|i miei|le mie|nostro|nostra|nostri|nostre",
    "pt": r"meu|minha|meus|minhas|o meu|a minha|os meus|as minhas|nosso|nossa|nossos|nossas",
    "nl": r"mijn|m'n|onze|ons",
}

# People close to the writer.
RELATIVES = {
    "de": r"vater|mutter|papa|mama|sohn|tochter|kind|kinder|mann|ehemann|frau|ehefrau|partner|partnerin|freund|freundin|"
          r"bruder|schwester|oma|opa|großmutter|grossmutter|großvater|grossvater|onkel|tante|cousin|cousine|neffe|"
          r"nichte|enkel|enkelin|schwiegermutter|schwiegervater|kollege|kollegin|chef|chefin|nachbar|nachbarin|"
          r"patient|patientin|klient|klientin|mitbewohner|mitbewohnerin|verlobte|verlobter|ex|exfreund|exfreundin",
    "fr": r"père|pere|mère|mere|papa|maman|fils|fille|enfant|enfants|mari|femme|époux|epoux|épouse|epouse|conjoint|"
          r"conjointe|compagnon|compagne|copain|copine|ami|amie|frère|frere|sœur|soeur|grand-mère|grand-mere|"
          r"grand-père|grand-pere|oncle|tante|cousin|cousine|neveu|nièce|niece|petit-fils|petite-fille|belle-mère|"
          r"beau-père|collègue|collegue|chef|patron|patronne|voisin|voisine|patient|patiente|client|cliente|"
          r"colocataire|fiancé|fiancée|ex",
    "es": r"padre|madre|papá|papa|mamá|mama|hijo|hija|hijos|marido|esposo|esposa|mujer|pareja|novio|novia|amigo|amiga|"
          r"hermano|hermana|abuelo|abuela|tío|tio|tía|tia|primo|prima|sobrino|sobrina|nieto|nieta|suegra|suegro|"
          r"compañero|compañera|jefe|jefa|vecino|vecina|paciente|cliente|ex",
    "it": r"padre|madre|papà|papa|mamma|figlio|figlia|figli|marito|moglie|compagno|compagna|fidanzato|fidanzata|"
          r"ragazzo|ragazza|amico|amica|fratello|sorella|nonno|nonna|zio|zia|cugino|cugina|nipote|suocera|suocero|"
          r"collega|capo|vicino|vicina|paziente|cliente|coinquilino|coinquilina|ex",
    "pt": r"pai|mãe|mae|filho|filha|filhos|marido|esposo|esposa|mulher|companheiro|companheira|namorado|namorada|"
          r"amigo|amiga|irmão|irmao|irmã|irma|avô|avo|avó|tio|tia|primo|prima|sobrinho|sobrinha|neto|neta|sogra|"
          r"sogro|colega|chefe|vizinho|vizinha|paciente|cliente|ex",
    "nl": r"vader|moeder|papa|mama|zoon|dochter|kind|kinderen|man|echtgenoot|vrouw|echtgenote|partner|vriend|"
          r"vriendin|broer|zus|zuster|oma|opa|grootmoeder|grootvader|oom|tante|neef|nicht|kleinzoon|kleindochter|"
          r"schoonmoeder|schoonvader|collega|baas|buurman|buurvrouw|patiënt|patient|cliënt|client|huisgenoot|ex",
}

# First-person words: pronouns and possessives.
FIRST_PERSON = {
    "de": r"ich|mich|mir|mein|meine|meinen|meinem|meiner|meines|wir|uns|unser|unsere|unseren|unserem|unserer",
    "fr": r"je|j'|j’|moi|me|m'|m’|mon|ma|mes|nous|notre|nos",
    "es": r"yo|me|mi|mis|conmigo|nosotros|nosotras|nos|nuestro|nuestra|nuestros|nuestras",
    "it": r"io|mi|me|mio|mia|miei|mie|noi|ci|nostro|nostra|nostri|nostre",
    "pt": r"eu|me|mim|comigo|meu|minha|meus|minhas|nós|nos|nosso|nossa|nossos|nossas",
    "nl": r"ik|me|mij|mijn|m'n|wij|we|ons|onze",
}

# Honorifics before a surname (or a full name).
HONORIFICS = {
    "de": r"herr|herrn|frau|fräulein|dr\.|prof\.|dipl\.-ing\.",
    "fr": r"monsieur|madame|mademoiselle|m\.|mme\.?|mlle\.?|me\.?|dr\.?|pr\.?|docteur|maître|maitre",
    "es": r"señor|señora|señorita|sr\.|sra\.|srta\.|d\.|dña\.|don|doña|dr\.|dra\.|lic\.|ing\.",
    "it": r"signor|signore|signora|signorina|sig\.|sig\.ra|sig\.na|dott\.|dott\.ssa|dottor|dottoressa|"
          r"prof\.|prof\.ssa|avv\.|ing\.",
    "pt": r"senhor|senhora|sr\.|sra\.|srª|dr\.|dra\.|dr\.ª|drª|dona|d\.|prof\.|eng\.",
    "nl": r"meneer|mevrouw|juffrouw|dhr\.?|mevr\.?|mw\.|mr\.|dr\.|ir\.|drs\.|prof\.",
}

# Openings of letters and messages: a name follows.
SALUTATIONS = {
    "de": r"sehr geehrte(?:r)?(?: frau| herr)?|liebe(?:r)?|hallo|hi|hey|moin|servus|grüß dich|gruss dich|guten tag(?: frau| herr)?|"
          r"guten morgen|guten abend",
    "fr": r"cher|chère|chere|bonjour|bonsoir|salut|coucou|madame|monsieur",
    "es": r"estimado|estimada|querido|querida|hola|buenos días|buenas tardes|buenas noches|señor|señora",
    "it": r"caro|cara|gentile|gentilissimo|gentilissima|egregio|egregia|ciao|buongiorno|buonasera|salve",
    "pt": r"caro|cara|prezado|prezada|estimado|estimada|querido|querida|olá|ola|oi|bom dia|boa tarde|boa noite",
    "nl": r"beste|geachte(?: heer| mevrouw)?|lieve|hallo|hoi|hey|dag|goedemorgen|goedemiddag|goedenavond",
}

# Closings of letters: the writer's name follows, on the same line or the next.
SIGN_OFFS = {
    "de": r"mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|viele grüße|liebe grüße|beste grüße|"
          r"herzliche grüße|schöne grüße|lg|vg|mfg|gruß|grüße|dein|deine|euer|eure|bis bald",
    "fr": r"cordialement|bien cordialement|bien à vous|bien a vous|amicalement|bises|bisous|à bientôt|a bientot|"
          r"salutations distinguées|sincères salutations|meilleures salutations|merci d'avance|merci",
    "es": r"saludos|un saludo|saludos cordiales|atentamente|un abrazo|abrazos|besos|un beso|gracias|muchas gracias|"
          r"hasta pronto",
    "it": r"cordiali saluti|distinti saluti|saluti|un saluto|un abbraccio|baci|a presto|grazie|grazie mille|"
          r"un caro saluto",
    "pt": r"atenciosamente|cumprimentos|melhores cumprimentos|com os melhores cumprimentos|abraços|abraço|"
          r"um abraço|beijos|beijinhos|obrigado|obrigada|até breve|saudações|cordialmente",
    "nl": r"met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|met hartelijke groet(?:en)?|hartelijke groeten|"
          r"groetjes|groeten|groet|mvg|liefs|tot snel|bedankt|dank je wel|dank u wel",
}

# "I am called X" / "my name is X".
SELF_INTRO = {
    "de": r"ich heiße|ich heisse|ich bin (?:der|die)|mein name ist|mein vorname ist|ich nenne mich",
    "fr": r"je m'appelle|je m’appelle|je me nomme|mon nom est|mon prénom est|moi c'est|moi, c'est",
    "es": r"me llamo|mi nombre es|soy",
    "it": r"mi chiamo|il mio nome è|il mio nome e|sono",
    "pt": r"chamo-me|me chamo|o meu nome é|meu nome é|o meu nome e|meu nome e|sou (?:o|a)",
    "nl": r"ik heet|mijn naam is|ik ben|mijn voornaam is",
}

# First-person phrases that say nothing about the writer's life (see
# engine.privacy.impersonal.without_impersonal_first_person): a how-to ("how can I ..."), a request
# to the assistant ("explain to me"), wanting to know or learn, a taste, a hypothetical ("if I
# ..."), the writer's code or formula and the error it gives.
IMPERSONAL_FIRST_PERSON = {
    "de": r"wie (?:kann|könnte|soll|sollte|muss|mache|schreibe|berechne|löse|finde|bekomme|erstelle|teste) ich|"
          r"(?:kann|könnte|soll|sollte|muss|darf) ich|(?:erklär|erkläre|erklären sie|zeig|zeige|sag|sage|gib|hilf|"
          r"schreib|schreibe|nenn|nenne) mir|(?:kannst du|können sie|könntest du) mir|"
          r"ich (?:möchte|will|würde gern|würde gerne) (?:gern |gerne )?(?:wissen|verstehen|lernen)|ich lerne|"
          r"ich mag|ich liebe|wenn ich|angenommen,? ich|(?:mein|meine|meinen|meinem) (?:[\w+#.]+-)?(?:code|skript|script|"
          r"programm|funktion|abfrage|schleife|klasse|formel|regex|test|tests|rechnung|lösung)|"
          r"ich (?:bekomme|erhalte|kriege) (?:einen|diesen|den|folgenden|immer) (?:fehler|error)",
    "fr": r"comment (?:puis-je|je peux|est-ce que je (?:peux|dois)|faire pour|je fais|dois-je|j['’]écris|je calcule)|"
          r"puis-je|est-ce que je peux|dois-je|(?:explique|expliquez|montre|montrez|dis|dites|donne|donnez|aide|"
          r"aidez|écris|écrivez)-moi|(?:peux-tu|pouvez-vous|tu peux|vous pouvez|pourrais-tu|pourriez-vous) m['’]|"
          r"je (?:voudrais|veux|souhaite|aimerais) (?:savoir|comprendre|apprendre)|j['’]apprends|j['’]aime|"
          r"j['’]adore|si je|(?:mon|ma) (?:code|script|programme|fonction|requête|boucle|classe|formule|regex|"
          r"calcul|solution)|j['’]ai (?:une|cette|l['’]|toujours une) erreur",
    "es": r"¿?cómo (?:puedo|hago|debo|se)|¿?puedo|¿?debo|explícame|dime|muéstrame|ayúdame|dame|escríbeme|"
          r"¿?(?:me puedes|me podrías|puedes|podrías) (?:explicar|decir|ayudar|mostrar|escribir)(?:me)?|"
          r"(?:quiero|quisiera|me gustaría) (?:saber|entender|aprender)|estoy aprendiendo|me gusta|me gustan|"
          r"me encanta|si (?:yo|tengo|quiero)|mi (?:código|script|programa|función|consulta|bucle|clase|fórmula|"
          r"regex|cálculo|solución)|me (?:sale|da|aparece) (?:un|este|el|siempre un) error",
    "it": r"come (?:posso|faccio|devo|si)|posso|devo|spiegami|dimmi|mostrami|aiutami|dammi|scrivimi|"
          r"(?:mi puoi|mi potresti|puoi|potresti) (?:spiegare|dire|aiutare|mostrare|scrivere)|"
          r"mi (?:spieghi|dici|aiuti|mostri|scrivi)|vorrei (?:sapere|capire|imparare)|sto imparando|mi piace|"
          r"mi piacciono|se io|(?:il mio|la mia|mio|mia) (?:codice|script|programma|funzione|query|ciclo|classe|"
          r"formula|regex|calcolo|soluzione)|(?:ho|mi dà|mi da|ricevo) (?:un|questo|l['’]|sempre un) errore",
    "pt": r"como (?:posso|faço|devo|se)|posso|devo|explica-me|me explica|me explique|me diga|diga-me|me mostra|"
          r"me mostre|mostra-me|me ajuda|me ajude|ajuda-me|me dá|dá-me|(?:pode|podes|poderia) me "
          r"(?:explicar|dizer|ajudar|mostrar)|(?:quero|gostaria de) (?:saber|entender|aprender)|"
          r"estou (?:aprendendo|a aprender)|gosto de|adoro|se eu|(?:meu|minha|o meu|a minha) (?:código|script|"
          r"programa|função|consulta|laço|loop|classe|fórmula|regex|cálculo|solução)|"
          r"(?:recebo|dá|aparece|tenho) (?:um|este|o|sempre um) erro",
    "nl": r"hoe (?:kan|moet|doe|schrijf|bereken|maak|test) ik|kan ik|moet ik|mag ik|(?:leg|vertel|laat|help|geef|"
          r"toon|schrijf) (?:me|mij)(?: uit| zien)?|(?:kun je|kunt u|kan je) (?:me|mij)|ik wil (?:graag )?(?:weten|begrijpen|leren)|ik zou graag (?:willen )?(?:weten|begrijpen|leren)|"
          r"ik (?:leer|hou van|houd van)|als ik|stel dat ik|mijn (?:[\w+#.]+-)?(?:code|script|programma|functie|query|lus|klasse|"
          r"formule|regex|berekening|oplossing)|ik krijg (?:een|deze|de|steeds een) (?:fout|foutmelding|error)",
}
# The same kinds as English has beyond those (engine.privacy.impersonal._FIRST_PERSON_NO_ONE): an
# interest, a trip to a public place being planned, and a generic "what should we ..." question.
# Whatever else in the message is first person ("meine Schwester", "mon mari") still counts.
for _lang, _words in {
    "de": r"ich interessiere mich (?:sehr )?für|wir interessieren uns (?:sehr )?für|"
          r"(?:ich|wir) (?:plane|planen|mache|machen) (?:eine|einen) (?:reise|urlaub|ausflug|trip|städtereise) nach|"
          r"(?:ich|wir) (?:will|wollen|möchte|möchten|würde gern|würden gern|würde gerne|würden gerne) "
          r"(?:gern |gerne )?nach (?-i:[A-ZÄÖÜ])\w+ (?:reisen|fahren|fliegen)|"
          r"(?:was|wie|wo|wann|welche[rsnm]?) (?:\w+ )?(?:sollten|sollen|können|könnten|müssen) wir",
    "fr": r"je m['’]intéresse (?:à|a|aux|au)|nous nous intéressons (?:à|a|aux|au)|"
          r"(?:je|nous) (?:prévois|prévoyons|planifie|planifions|organise|organisons|prépare|préparons) "
          r"un (?:voyage|séjour|week-end) (?:à|a|en|au|aux)|"
          r"(?:je veux|nous voulons|je voudrais|nous voudrions|j['’]aimerais|nous aimerions|je souhaite|"
          r"nous souhaitons) (?:visiter|voyager (?:à|a|en|au)|aller (?:à|a|en|au))|"
          r"(?:que|où|quand|comment) (?:devrions|pouvons|devons)-nous|devrions-nous|pouvons-nous",
    "es": r"me interesa(?:n)?|(?:estoy|estamos) (?:planeando|organizando|preparando) un viaje (?:a|por)|"
          r"(?:planeo|planeamos) (?:un viaje a|viajar a|visitar)|(?:quiero|queremos|quisiera|quisiéramos|"
          r"me gustaría|nos gustaría) (?:visitar|viajar a|conocer|ir a)|"
          r"¿?(?:qué|cómo|dónde|cuándo) (?:debería|deberíamos|podemos)",
    "it": r"ci (?:sono|vuole|vogliono|si|sarà|saranno|sarebbe|sarebbero|era|erano|fu|furono|mette|mettono)|"
          r"c['’](?:è|era|erano)|mi interessa(?:no)?|(?:sto|stiamo) (?:pianificando|organizzando|programmando) un viaggio (?:a|in)|"
          r"(?:voglio|vogliamo|vorrei|vorremmo) (?:visitare|andare a|andare in|viaggiare in|viaggiare a)|"
          r"(?:cosa|come|dove|quando) (?:dovremmo|possiamo)",
    "pt": r"(?:me interesso|interesso-me|tenho interesse) (?:por|em)|"
          r"(?:estou|estamos) (?:planejando|planeando|a planear|organizando) uma viagem (?:a|para|ao|à)|"
          r"(?:quero|queremos|gostaria de|gostaríamos de) (?:visitar|viajar para|ir a|ir para|conhecer)|"
          r"(?:o que|como|onde|quando) (?:devemos|podemos|deveríamos)",
    "nl": r"ik ben geïnteresseerd in|ik interesseer me voor|"
          r"(?:we|wij|ik) (?:plannen|plan|maken|maak) een (?:reis|trip|vakantie|stedentrip) naar|"
          r"(?:we|wij|ik) (?:willen|wil) (?:graag )?(?:naar (?-i:[A-Z])\w+ (?:reizen|gaan)|(?-i:[A-Z])\w+ bezoeken)|"
          r"(?:wat|hoe|waar|wanneer) (?:moeten|kunnen|zouden) we",
}.items():
    IMPERSONAL_FIRST_PERSON[_lang] += "|" + _words
# A request to the assistant with "me" as its object: "peux-tu me donner", "¿me recomiendas",
# "mi consigli", "me recomenda", "empfiehl mir" (English: "give me", "recommend me").
for _lang, _words in {
    "de": r"(?:empfiehl|empfehlen sie|schlag|schlagen sie|übersetz|übersetze|übersetzen sie) mir",
    "fr": r"(?:peux-tu|pouvez-vous|tu peux|vous pouvez|pourrais-tu|pourriez-vous) me (?:donner|dire|expliquer|"
          r"montrer|recommander|conseiller|suggérer|proposer|traduire)|(?:recommande|recommandez|conseille|"
          r"conseillez|suggère|suggérez|propose|proposez|traduis|traduisez)-moi",
    "es": r"¿?me (?:recomiendas|recomienda|recomiendan|sugieres|sugiere|aconsejas|aconseja|explicas|explica|"
          r"traduces|traduce)|recomiéndame|sugiéreme|aconséjame|tradúceme",
    "it": r"mi (?:consigli|consiglia|consigliate|suggerisci|suggerisce|raccomandi|traduci|traduce)|"
          r"consigliami|suggeriscimi|traducimi",
    "pt": r"me (?:recomenda|recomendas|sugere|sugeres|aconselha|aconselhas|indica|indicas|traduz|traduzes)|"
          r"recomenda-me|sugere-me|aconselha-me|indica-me|traduz-me",
    "nl": r"(?:raad|beveel) (?:me|mij)|(?:kun je|kunt u|kan je) (?:me|mij) (?:\w+ ){0,4}?aanraden",
}.items():
    IMPERSONAL_FIRST_PERSON[_lang] += "|" + _words

# Asking for a story, tale or poem ("écris une nouvelle", "schreib eine Geschichte"): its
# characters are invented (engine.privacy.impersonal.made_up_people).
FICTION_REQUEST = (
    r"(?:schreib|schreibe|schreiben sie|erzähl|erzähle|erfinde)\w*\s+(?:mir\s+)?(?:eine?n?\s+)?(?:\w+\s+)?"
    r"(?:geschichte|kurzgeschichte|erzählung|märchen|fabel|gedicht|szene|dialog)|"
    r"(?:écris|écrivez|raconte|racontez|invente|inventez)(?:-moi)?\s+(?:une?\s+)?(?:\w+\s+)?"
    r"(?:histoire|nouvelle|conte|fable|poème|scène|dialogue|récit)|"
    r"(?:escribe|escriba|escríbeme|cuenta|cuéntame|inventa)\s+(?:una?\s+)?(?:\w+\s+)?"
    r"(?:historia|cuento|relato|fábula|poema|escena|diálogo)|"
    r"(?:scrivi|scriva|scrivimi|racconta|raccontami|inventa)\s+(?:una?\s+|un['’])?(?:\w+\s+)?"
    r"(?:storia|racconto|favola|fiaba|poesia|scena|dialogo|novella)|"
    r"(?:escreve|escreva|conta|conte|inventa|invente)(?:-me)?\s+(?:uma?\s+)?(?:\w+\s+)?"
    r"(?:história|historia|conto|fábula|poema|cena|diálogo)|"
    r"(?:schrijf|vertel|verzin)\s+(?:me\s+)?(?:een\s+)?(?:\w+\s+)?(?:verhaal|sprookje|fabel|gedicht|scène|dialoog)"
)
