"""Latency of the pattern, name and disclosure layers on messages in seven languages.

Messages of 100 to 1,500 characters are built from paragraphs written for this benchmark (one
ordinary request per language) with 0–2 personal details appended. Per message it times
``language.detect``, ``detectors.run_detectors``, ``names_intl.find_names`` for each language
seen and ``disclosure.find_disclosures``, in CPU time (load from other processes inflates wall
time, not CPU time) and wall time. As a yardstick in the same run: one pass of the raw
``phonenumbers.PhoneNumberMatcher`` (region US) over the same text. Writes
bench/out/privacy_detectors_intl.json; the last stdout line is one JSON object.

    python bench/privacy_detectors_intl.py [--messages 350]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PARAS = {
    "de": "Hallo, ich brauche Hilfe bei einem Schreiben an meine Hausverwaltung. Seit drei Wochen funktioniert die "
          "Heizung in unserer Wohnung nicht mehr, und trotz mehrerer Anrufe ist niemand gekommen. Die "
          "Nebenkostenabrechnung für das letzte Jahr ist außerdem deutlich höher als erwartet. Bitte formuliere den "
          "Brief so, dass er sachlich bleibt und die rechtlichen Grundlagen kurz erwähnt. ",
    "fr": "Bonjour, pourriez-vous m'aider à préparer un courriel pour mon employeur ? Je voudrais demander un passage "
          "à temps partiel à partir de septembre, parce que je dois m'occuper davantage de mes enfants. Le ton doit "
          "être professionnel mais chaleureux, et le message ne doit pas dépasser une page. ",
    "es": "Hola, estoy organizando una cena para el cumpleaños de mi madre y necesito ideas para el menú. Seremos unas "
          "doce personas, dos de ellas vegetarianas. Me gustaría preparar algo casero que se pueda adelantar por la "
          "mañana, y también agradecería una lista de la compra ordenada por secciones. ",
    "it": "Ciao, sto scrivendo una lettera di presentazione per un tirocinio in uno studio di architettura. Ho finito "
          "la laurea triennale quest'anno e ho lavorato a due progetti di ristrutturazione. Puoi aiutarmi a rendere il "
          "testo più scorrevole e convincente, senza esagerare con i complimenti? ",
    "pt": "Olá, preciso de ajuda para planear uma viagem de dez dias pelo norte de Portugal com a minha família. "
          "Queremos visitar cidades pequenas, fazer caminhadas leves e provar a comida regional. Podes sugerir um "
          "itinerário com distâncias razoáveis entre as paragens? ",
    "nl": "Hoi, kun je me helpen met een e-mail aan de school van mijn dochter? Ik wil de mentor vragen om een gesprek "
          "en afspreken hoe ze de gemiste stof kan inhalen zonder dat het te zwaar wordt. De toon moet vriendelijk en "
          "open zijn, en de mail mag niet te lang worden. ",
    "en": "Hi, I'm putting together a short guide for new volunteers at our community garden. It should explain where "
          "the tools are kept, how the watering rota works, and what to do with compost. Could you also suggest a "
          "title and a two-sentence welcome message for the first page? ",
}
DETAILS = {
    "de": ["Meine Adresse ist Lindenallee 14, 50667 Köln.", "Ihr erreicht mich unter 0176 4823 9911.",
           "Meine Kundennummer lautet 88231-4471.", "Mit freundlichen Grüßen\nKatrin Albers"],
    "fr": ["Mon numéro est le 06 47 82 19 33.", "J'habite au 8 rue des Tanneurs, 67000 Strasbourg.",
           "Cordialement,\nNathalie Perrin", "Mon numéro de dossier est 2024-55817."],
    "es": ["Mi móvil es 622 418 907.", "Vivo en Calle del Pez 21, 28004 Madrid.", "Un saludo,\nBeatriz Lozano"],
    "it": ["Il mio cellulare è 349 882 1170.", "Abito in Via Garibaldi 41, 10122 Torino.", "Cordiali saluti,\nChiara Fontana"],
    "pt": ["O meu telemóvel é 936 552 108.", "Moro na Rua do Carmo 52, 4050-164 Porto.", "Atenciosamente,\nInês Rocha"],
    "nl": ["Mijn nummer is 06 4183 2277.", "Ik woon op Dorpsstraat 8, 3581 KD Utrecht.", "Met vriendelijke groet,\nFemke Visser"],
    "en": ["Call me on +44 7911 482 336.", "I live at 18 Mill Lane, Bristol BS3 4QE.", "My account number is 40081192."],
}


def messages(n: int) -> list[str]:
    rng = random.Random(3)
    out = []
    for _ in range(n):
        lang = rng.choice(sorted(PARAS))
        body = (PARAS[lang] * 6)[:rng.choice([100, 300, 600, 1000, 1500])]
        body = body[:body.rfind(". ") + 1] or body
        out.append(" ".join([body, *rng.sample(DETAILS[lang], k=rng.randint(0, 2))])[:1500])
    return out


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> int:
    import phonenumbers

    from engine.privacy import detectors as d
    from engine.privacy.disclosure import find_disclosures
    from engine.privacy.language import detect
    from engine.privacy.names_intl import find_names

    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=350)
    args = ap.parse_args()
    msgs = messages(args.messages)

    def layers(m: str) -> None:
        guess = detect(m)
        d.run_detectors(m)
        for lang in guess.languages:
            if lang != "en":
                find_names(m, lang)
        find_disclosures(m, guess.code)

    def raw(m: str) -> None:
        list(phonenumbers.PhoneNumberMatcher(m, "US"))

    for m in msgs:  # load word lists, number metadata and name lists outside the timing
        layers(m)
        raw(m)
    timings: dict[str, dict[str, list[float]]] = {k: {"cpu": [], "wall": []} for k in ("detectors", "all", "raw")}
    for m in msgs:
        for key, fn in (("detectors", d.run_detectors), ("all", layers), ("raw", raw)):
            w0, c0 = time.perf_counter(), time.process_time()
            fn(m)
            timings[key]["cpu"].append((time.process_time() - c0) * 1e3)
            timings[key]["wall"].append((time.perf_counter() - w0) * 1e3)
    long = [i for i, m in enumerate(msgs) if len(m) >= 1300]
    result: dict[str, object] = {"messages": len(msgs), "mean_chars": round(statistics.mean(map(len, msgs))),
                                 "long_messages": len(long)}
    for key, t in timings.items():
        result[key] = {"cpu_p50_ms": round(pct(t["cpu"], .5), 2), "cpu_p95_ms": round(pct(t["cpu"], .95), 2),
                       "wall_p95_ms": round(pct(t["wall"], .95), 2),
                       "long_cpu_p95_ms": round(pct([t["cpu"][i] for i in long], .95), 2)}
        print(f"{key:10s} cpu p50 {result[key]['cpu_p50_ms']:6.2f} ms  p95 {result[key]['cpu_p95_ms']:6.2f} ms  "
              f"(>=1300 chars p95 {result[key]['long_cpu_p95_ms']:6.2f} ms)  wall p95 {result[key]['wall_p95_ms']:6.2f} ms")
    raw_p50 = max(result["raw"]["cpu_p50_ms"], 1e-6)
    result["ratio_detectors_to_raw_phonenumbers_p50"] = round(result["detectors"]["cpu_p50_ms"] / raw_p50, 2)
    result["ratio_all_to_raw_phonenumbers_p50"] = round(result["all"]["cpu_p50_ms"] / raw_p50, 2)
    out = ROOT / "bench" / "out" / "privacy_detectors_intl.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
