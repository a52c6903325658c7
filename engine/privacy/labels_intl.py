"""Labelled secrets and reference numbers in German, French, Spanish, Italian, Portuguese and Dutch.

Neither has a checksum, so both are found only after the word that names them:

* secrets ⇒ local: a password after "Passwort", "Kennwort", "mot de passe", "contraseña",
  "clave", "parola d'ordine", "senha", "wachtwoord" (not when the word after it is an everyday
  word that describes the password: "mein Passwort ist falsch"); a PIN, TAN or one-time code
  after "PIN", "Geheimzahl", "TAN", "code de vérification", "código de verificación",
  "codice di verifica", "código de verificação", "verificatiecode" …;
* reference numbers ⇒ redacted: customer, contract, order, invoice, case, policy and account
  numbers after their labels ("Kundennummer", "Aktenzeichen", "numéro client", "numéro de
  dossier", "número de pedido", "numero pratica", "número do processo", "klantnummer", …).
"""

from __future__ import annotations

import re

from engine.privacy.allowlists import looks_like_placeholder
from engine.privacy.finding import Finding
from engine.privacy.gate import Gated

# "ist", "lautet", "est", "es", "è", "é", "is", ":" — the words between a label and its value.
_IS = r"(?:\s*(?:[:=#]|->)|\s+(?:ist|lautet|lautete|war|est|était|etait|c'est|es|era|è|é|is|was|sind|são|son|sono)(?!\w))+"
# "Passwort für das WLAN", "mot de passe du wifi", "contraseña de mi correo": up to five words.
_GAP = (r"(?:\s+(?:für|fürs|vom|von|zum|zur|des|der|de|du|des|della|del|dello|dei|da|do|das|dos|van|voor|pour|para|"
        r"per|bei|auf|sur|en|in|op|no|na|nel|nella|al|à|a|mijn|meine?[ns]?|mon|ma|mes|mi|mis|mio|mia|meu|minha)"
        r"(?:\s+[\w.@'’-]+){1,5}?)?")
_PASSWORD_WORDS = (r"password|passwort|kennwort|wlan-passwort|wlan-schlüssel|wlan-schluessel|zugangsdaten|mot de passe|mdp|"
                   r"code wifi|clé wifi|cle wifi|contraseña|contrasena|clave(?: de acceso| wifi)?|parola d'ordine|"
                   r"parola chiave|senha|palavra-passe|palavra passe|wachtwoord|wifi-wachtwoord|toegangscode")
_PASSWORD = Gated.at_labels(_PASSWORD_WORDS, r"(?<![\w])(?i:" + _PASSWORD_WORDS + r")\b" + _GAP + r"(?i:" + _IS
                           + r")\s*[\"'“«]?\s*([^\s\"',;“”«»]{4,64})")
_PIN_WORDS = (r"pin(?:-code| code|-nummer|nummer)?|code pin|código pin|codice pin|pincode|pin-code|geheimzahl|"
              r"tan|mtan|bestätigungscode|verifizierungscode|sicherheitscode|einmalcode|"
              r"code de (?:vérification|verification|confirmation|sécurité|securite)|code secret|code sms|"
              r"código de (?:verificación|verificacion|seguridad|confirmación|confirmacion|acceso)|"
              r"codice (?:di verifica|otp|di sicurezza|di conferma|segreto)|"
              r"código de (?:verificação|verificacao|segurança|seguranca|confirmação|confirmacao|acesso)|"
              r"verificatiecode|beveiligingscode|bevestigingscode|sms-code|eenmalige code|cvv|cvc")
_PIN = Gated.at_labels(_PIN_WORDS, r"(?<![\w])(?i:" + _PIN_WORDS + r")\b" + _GAP + r"(?i:" + _IS
                      + r")?\s*[\"'“«]?(\d{3,8})\b")

_REF_WORDS = (
    # German
    r"kundennummer|kunden-?nr\.?|kd\.?-?nr\.?|aktenzeichen|az\.|vertragsnummer|vertrags-?nr\.?|rechnungsnummer|"
    r"rechnungs-?nr\.?|bestellnummer|bestell-?nr\.?|auftragsnummer|auftrags-?nr\.?|versicherungsnummer|"
    r"versicherungsscheinnummer|policennummer|mitgliedsnummer|personalnummer|matrikelnummer|kontonummer|"
    r"konto-?nr\.?|vorgangsnummer|sendungsnummer|ticketnummer|fallnummer|schadennummer|zählernummer|"
    r"buchungsnummer|referenznummer|patientennummer|kassenzeichen|"
    # French
    r"num[ée]ro (?:de )?client|n[°º] ?(?:de )?client|num[ée]ro (?:de |d')(?:dossier|commande|contrat|facture|"
    r"adh[ée]rent|compte|suivi|r[ée]servation|police|sinistre|ticket|allocataire|[ée]tudiant|colis)|"
    r"n[°º] ?(?:de |d')(?:dossier|commande|contrat|facture|compte|suivi|r[ée]servation|police|sinistre)|"
    r"r[ée]f[ée]rence (?:client|dossier)|matricule|"
    # Spanish and Portuguese
    r"(?:n[úu]mero|n[º°]|n\.º) (?:de|del|do|da) (?:pedido|cliente|expediente|cuenta|conta|factura|fatura|p[óo]liza|"
    r"ap[óo]lice|contrato|socio|s[óo]cio|seguimiento|reserva|referencia|refer[êe]ncia|siniestro|sinistro|caso|"
    r"ticket|empleado|funcion[áa]rio|historia cl[íi]nica|processo|encomenda|protocolo|matr[íi]cula|utente)|"
    r"localizador|expediente|"
    # Italian
    r"numero (?:di )?(?:pratica|cliente|ordine|conto|fattura|polizza|contratto|tessera|protocollo|prenotazione|"
    r"spedizione|sinistro|matricola|ticket)|codice cliente|n\. ?(?:pratica|ordine|cliente|protocollo)|protocollo|"
    # Dutch
    r"klantnummer|klantnr\.?|dossiernummer|dossiernr\.?|ordernummer|bestelnummer|factuurnummer|polisnummer|"
    r"rekeningnummer|zaaknummer|referentienummer|lidnummer|personeelsnummer|ticketnummer|trackingnummer|"
    r"volgnummer|contractnummer|boekingsnummer|studentnummer|patiëntnummer|kenmerk")
# Every label has one of these in it: the gate for the pattern below.
_REF_STEMS = ("nummer", "nr", "num", "núm", "n°", "nº", "n.º", "n.", "aktenzeichen", "az.", "matricul", "localizador",
              "expediente", "protocol", "kenmerk", "codice cliente", "référence", "reference", "kassenzeichen")
_REFERENCE = Gated(re.compile(r"(?<![\w])(?i:" + _REF_WORDS + r")(?![\w])(?i:" + _IS + r")?\s*"
                        # a court file number ("12 O 345/21"), or one run with a digit and digit groups after it
                        r"(\d{1,3}\s?[A-Z]{1,3}[a-z]{0,2}\s?\d{1,6}/\d{2,4}|"
                        r"(?=[\w/.-]*\d)[A-Za-z0-9][\w/.-]*(?:\s\d[\d-]*)*)"), _REF_STEMS)


def _everyday_word(value: str) -> bool:
    """"falsch", "incorrect", "segura": a word of one of the languages describes the password."""
    from engine.privacy.language import COVERED, zipf

    v = value.rstrip(".!?").lower()
    return v.isalpha() and max(zipf(v, lang) for lang in COVERED) >= 3.5


def _reads_from_elsewhere(value: str) -> bool:
    """"password = os.environ['DB_PASSWORD']": code that reads the password holds none."""
    from engine.privacy.detectors import _READ_FROM_ENV

    return bool(_READ_FROM_ENV.match(value))


def find_secrets_intl(text: str) -> list[Finding]:
    out = []
    for m in _PASSWORD.finditer(text):
        value = m.group(1).rstrip(".,;:!?)»”")
        # "needs a password: ingestion must …" is prose: a plain word after a colon the sentence goes on from.
        prose = value.isalpha() and ":" in m.group(0) and bool(re.match(r" [a-z]", text[m.end():]))
        if len(value) >= 4 and not prose and not _everyday_word(value) and not looks_like_placeholder(value) \
                and not _reads_from_elsewhere(value):
            out.append(Finding("SECRET", m.start(1), m.start(1) + len(value), value, True, "contains a password"))
    for m in _PIN.finditer(text):
        out.append(Finding("SECRET", m.start(1), m.end(1), m.group(1), True, "contains a PIN or one-time code"))
    return out


def find_references_intl(text: str) -> list[Finding]:
    out = []
    for m in _REFERENCE.finditer(text):
        value = m.group(1).rstrip(".,;:-/")
        if len(re.sub(r"\W", "", value)) >= 4:  # "Aktenzeichen 3" is a count, not a file number
            s = m.start(1)
            out.append(Finding("ACCOUNT", s, s + len(value), value, False, "contains an account or reference number"))
    return out
