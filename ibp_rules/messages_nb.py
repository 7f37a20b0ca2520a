"""Bokmål for the problems found in files (rule files, YAML/JSON reading).

Loading code states each problem once, in English, in a fixed form; this
catalogue renders those forms in Norwegian when the user asked for ``nb``
(the default). Keeping the translations here, as patterns over the English
forms, keeps the loaders readable and puts every Norwegian wording in one
place for a reviewer. A message with no pattern is shown in English — a test
checks that the messages a user meets most have one.
"""

from __future__ import annotations

import re

_KINDS = {
    "measure": "tiltak", "partner": "partner", "derived fact": "utledet faktum", "fact": "faktum",
    "rule": "regel", "pillar": "pilar", "measure id": "tiltak-id", "value": "verdi", "case": "case",
}


def _kind(m: re.Match[str], group: int = 1) -> str:
    return _KINDS.get(m.group(group), m.group(group))


#: what the YAML and JSON parsers and the file system say, in bokmål (their
#: own words, as the user meets them most; a form not here stays in English)
_PARSER_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^the file does not exist$"), "filen finnes ikke"),
    (re.compile(r"^it is a folder, not a file$"), "det er en mappe, ikke en fil"),
    (re.compile(r"^a part of the path is not a folder$"), "en del av stien er ikke en mappe"),
    (re.compile(r"^no permission to read it$"), "ingen tilgang til å lese den"),
    (re.compile(r"^the file name is too long$"), "filnavnet er for langt"),
    (re.compile(r"^too many symbolic links$"), "for mange symbolske lenker"),
    (re.compile(r"^did not find expected node content$"), "fant ikke en verdi der en var ventet"),
    (re.compile(r"^mapping values are not allowed (here|in this context)$"),
     "et kolon (nøkkel: verdi) er ikke tillatt her; sett teksten i anførselstegn eller sjekk innrykket"),
    (re.compile(r"^could not find expected ':'$"), "fant ikke ventet ':' (nøkkel: verdi)"),
    (re.compile(r"^did not find expected key$"), "fant ikke ventet nøkkel; sjekk innrykket"),
    (re.compile(r"^did not find expected '-' indicator$"), "fant ikke ventet '-' (et listepunkt); sjekk innrykket"),
    (re.compile(r"^did not find expected ',' or '(.)'$"), r"fant ikke ventet ',' eller '\1'"),
    (re.compile(r"^found character that cannot start any token$"), "fant et tegn som ikke kan starte en verdi (tabulator?)"),
    (re.compile(r"^found character '(.*)' that cannot start any token$"), r"fant tegnet '\1', som ikke kan starte en verdi"),
    (re.compile(r"^found unexpected end of stream$"), "filen slutter midt i en verdi"),
    (re.compile(r"^found unknown escape character.*$"), "ukjent escape-tegn etter '\\'"),
    (re.compile(r"^found undefined alias.*$"), "fant et alias (*navn) som ikke er definert"),
    (re.compile(r"^found unexpected ':'$"), "fant et uventet ':'"),
    (re.compile(r"^expected (.*), but found (.*)$"), r"ventet \1, men fant \2"),
    (re.compile(r"^while scanning (.*)$"), r"under lesing av \1"),
    (re.compile(r"^while parsing (.*)$"), r"under lesing av \1"),
    (re.compile(r"^syntax error$"), "syntaksfeil"),
    (re.compile(r"^Expecting value$"), "ventet en verdi"),
    (re.compile(r"^Expecting property name enclosed in double quotes$"), "ventet et nøkkelnavn i doble anførselstegn"),
    (re.compile(r"^Expecting '(.)' delimiter$"), r"ventet skilletegnet '\1'"),
    (re.compile(r"^Extra data$"), "mer tekst etter slutten av verdien"),
    (re.compile(r"^Unterminated string starting at$"), "teksten mangler avsluttende anførselstegn"),
    (re.compile(r"^Invalid control character at$"), "ugyldig kontrolltegn i teksten"),
    (re.compile(r"^Invalid \\escape$"), "ugyldig escape-tegn etter '\\'"),
]


def _words(text: str) -> str:
    """A parser's or the file system's words in bokmål, when known."""
    for pattern, replacement in _PARSER_WORDS:
        m = pattern.match(text)
        if m:
            return m.expand(replacement)
    return text


_PATTERNS: list[tuple[re.Pattern[str], str | object]] = [
    (re.compile(r"^unknown (measure id|measure|partner|derived fact|fact) '(.*?)'[.;](.*)$"),
     lambda m: f"ukjent {_kind(m)} '{m.group(2)}'.{m.group(3)}"),
    (re.compile(r"^unknown (measure|partner|derived fact|fact) (.*?); declare it in a facts catalogue\.(.*)$"),
     lambda m: f"ukjent {_kind(m)} {m.group(2)}; det må stå i en faktakatalog.{m.group(3)}"),
    (re.compile(r"^unknown value (.*) for '(.*)'; allowed: (.*)$"), r"ukjent verdi \1 for '\2'; tillatt: \3"),
    (re.compile(r"^duplicate (\w+(?: \w+)?) id '(.*)' \(also defined at (.*)\)$"),
     lambda m: f"{_kind(m).capitalize()}-id-en '{m.group(2)}' er brukt to ganger (også i {m.group(3)})"),
    (re.compile(r"^(\w+(?: \w+)?) id '(.*)' is also defined at (.*); to replace one with the other, mark the replacing one 'override: true'$"),
     lambda m: f"{_kind(m)}-id-en '{m.group(2)}' finnes også i {m.group(3)}; for å erstatte den ene med den andre, "
               "merk den som erstatter med 'override: true'"),
    (re.compile(r"^(\w+(?: \w+)?) '(.*)' is marked override, but no other folder defines it$"),
     lambda m: f"{_kind(m)} '{m.group(2)}' er merket override, men ingen annen mappe har den"),
    (re.compile(r"^prerequisite cycle: (.*)$"), r"forutsetningene går i ring: \1"),
    (re.compile(r"^a measure cannot require itself$"), "et tiltak kan ikke kreve seg selv"),
    (re.compile(r"^'(.*)' is a barrier; a prerequisite names a resource$"), r"'\1' er en barriere; en forutsetning må være en ressurs"),
    (re.compile(r"^'(.*)' is a barrier; a measure provides a resource$"), r"'\1' er en barriere; et tiltak gir en ressurs"),
    (re.compile(r"^'(.*)' is a measure of its own; only a former id can be replaced$"),
     r"'\1' er et eget tiltak; bare en tidligere id kan erstattes"),
    (re.compile(r"^'(.*)' is already replaced by '(.*)'$"), r"'\1' er allerede erstattet av '\2'"),
    (re.compile(r"^unknown fact '(.*)'\.(.*)$"), r"ukjent faktum '\1'.\2"),
    (re.compile(r"^operator '(.*)' does not apply to (\w+) fact '(.*)'; use one of: (.*)$"),
     r"operatoren '\1' passer ikke for faktumet '\3'; bruk en av: \4"),
    (re.compile(r"^'(.*)' is true/false; got (.*)$"), r"'\1' er ja/nei (true/false); fikk \2"),
    (re.compile(r"^'(.*)' is a number between (.*) and (.*); got (.*)$"), r"'\1' er et tall mellom \2 og \3; fikk \4"),
    (re.compile(r"^'(all|any)' takes a non-empty list of conditions$"), r"'\1' tar en liste med minst én betingelse"),
    (re.compile(r"^'(.*)' takes a non-empty list$"), r"'\1' tar en liste med minst ett element"),
    (re.compile(r"^'(.*)' takes true or false$"), r"'\1' tar true eller false"),
    (re.compile(r"^a condition is a mapping with exactly one key: (.*)$"), r"en betingelse har nøyaktig én nøkkel: \1"),
    (re.compile(r"^give exactly one operator: (.*)$"), r"oppgi nøyaktig én operator: \1"),
    (re.compile(r"^the condition expands to more than (\d+) alternatives; split the rule$"),
     r"betingelsen gir mer enn \1 alternativer; del regelen"),
    (re.compile(r"^the rule reads (.*) facts but acts in (.*): declare the pillar relation it crosses (.*)$"),
     r"regelen leser fakta fra \1, men virker i \2: oppgi pilarrelasjonen den krysser \3"),
    (re.compile(r"^the relation starts in '(.*)', but the rule reads no fact of that pillar \(it reads: (.*)\)$"),
     r"relasjonen starter i '\1', men regelen leser ingen fakta fra den pilaren (den leser: \2)"),
    (re.compile(r"^the relation ends in '(.*)', but the rule's actions are in: (.*)$"),
     r"relasjonen ender i '\1', men regelens handlinger er i: \2"),
    (re.compile(r"^the rule depends on the absence of a fact that it derives itself .*$"),
     "regelen krever at et faktum mangler som den selv (via andre regler) utleder; bryt ringen"),
    (re.compile(r"^partner '(.*)' with form '(.*)' is listed twice$"), r"partner '\1' med formen '\2' står to ganger"),
    (re.compile(r"^relation (.*) is defined twice$"), r"relasjonen \1 er definert to ganger"),
    (re.compile(r"^the four pillars must all be defined; missing: (.*)$"), r"alle fire pilarer må være definert; mangler: \1"),
    (re.compile(r"^expected the six pillar relations, found (\d+)$"), r"forventet de seks pilarrelasjonene, fant \1"),
    (re.compile(r"^no 'kind: ruleset' manifest found .*$"), "fant ingen fil med 'kind: ruleset' (id, versjon, tittel)"),
    (re.compile(r"^a rule file starts with 'kind:' — one of (.*)$"), r"en regelfil starter med 'kind:' – en av \1"),
    (re.compile(r"^unknown kind (.*); expected one of (.*?)\.(.*)$"), r"ukjent kind \1; forventet en av \2.\3"),
    (re.compile(r"^'(.*)' must be a list$"), r"'\1' må være en liste"),
    (re.compile(r"^unknown key; a '(.*)' file has 'kind' and '(.*)'$"), r"ukjent nøkkel; en '\1'-fil har 'kind' og '\2'"),
    (re.compile(r"^a real source reference is required .*$"),
     "en ekte kildehenvisning kreves (f.eks. 'veileder §4.1.1'), ikke en plassholder"),
    (re.compile(r"^no such file or folder$"), "filen eller mappen finnes ikke"),
    (re.compile(r"^cannot read the file: (.*)$"), lambda m: f"kan ikke lese filen: {_words(m.group(1))}"),
    (re.compile(r"^not valid YAML/JSON: (.*)$"), lambda m: f"ikke gyldig YAML/JSON: {_words(m.group(1))}"),
    (re.compile(r"^not valid JSON: (.*)$"), lambda m: f"ikke gyldig JSON: {_words(m.group(1))}"),
    (re.compile(r"^the tag '(.*)' is not allowed; .*$"), r"taggen '\1' er ikke tillatt; bare vanlige data (tekst, tall, true/false, lister, nøkler) leses"),
    (re.compile(r"^nested more than (\d+) levels deep$"), r"nøstet dypere enn \1 nivåer"),
    (re.compile(r"^too many values \(more than (\d+)\).*$"), r"for mange verdier (mer enn \1)"),
    (re.compile(r"^the key '(.*)' appears twice in the same mapping$"), r"nøkkelen '\1' står to ganger i samme seksjon"),
    (re.compile(r"^merge keys \('<<'\) are not allowed$"), "flettenøkler ('<<') er ikke tillatt"),
    (re.compile(r"^a key must be plain text$"), "en nøkkel må være vanlig tekst"),
    (re.compile(r"^file is larger than (\d+) MiB$"), r"filen er større enn \1 MiB"),
    (re.compile(r"^the line is longer than (\d+) MiB$"), r"linjen er lengre enn \1 MiB"),
    (re.compile(r"^the file is not valid UTF-8 text$"), "filen er ikke gyldig UTF-8-tekst"),
    (re.compile(r"^cannot read this value: (.*)$"), r"kan ikke lese denne verdien: \1"),
]


def to_nb(message: str) -> str:
    """The Norwegian form of an English problem message (unchanged if unknown)."""
    for pattern, replacement in _PATTERNS:
        m = pattern.match(message)
        if m:
            text = replacement(m) if callable(replacement) else m.expand(str(replacement))
            return text.replace(" Did you mean: ", " Mente du: ")
    return message
