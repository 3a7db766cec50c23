"""Unwrapping forwarded mail bodies written by any mail client, in many languages.

Interface (stable, used by parsers.mail):
    split_forward(text: str, subject: str = "") -> Forward
    forward_subject(subject: str) -> str    # the subject without "Fwd:" when it says forward,
                                            # else unchanged

Mail clients mark a forward in three ways, from most to least certain:

* a separator line ("---------- Forwarded message ---------", "Begin forwarded message:",
  "-------- Weitergeleitete Nachricht --------"), possibly quoted with "> ";
* a rule or "-----Original Message-----" line followed by a header block (Outlook);
* a bare header block ("From: / Sent: / To: / Subject:") or an attribution line
  ('On <date>, "Name" <addr> wrote:') that replies use too.

The less certain the marker, the more the outer subject's prefix ("FW:", "WG:", "Re:") decides:
a reply is never taken for a forward. Everything here works line by line with small, anchored
regexes on length-capped lines, so hostile input cannot make it backtrack for long.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field

from parsers.model import Address, ForwardedMessage


@dataclass(slots=True)
class Forward:
    """The forwarder's own note (None if empty) and the forwarded originals, outermost first.

    A reply is no forward (`messages` stays empty, `note` None), but what it quotes may still
    be a recruiter's mail: `reply` is that quoted original and `reply_note` the replier's own
    words above it, so postings can be read from it and credited to the replier."""

    note: str | None = None
    messages: list[ForwardedMessage] = field(default_factory=list)
    reply: ForwardedMessage | None = None
    reply_note: str | None = None


def _words(spec: str) -> tuple[str, ...]:
    """Vocabulary is written "a|b c|d": labels may contain spaces, never "|"."""
    return tuple(x for x in spec.split("|") if x)


# ---------------------------------------------------------------------------------------------
# Vocabulary. Header labels as clients print them, per field (Apple Mail, Gmail, Outlook,
# Thunderbird, Yahoo, HubSpot... in ~30 languages). Matching is case-insensitive.

_FROM_LABELS = _words(
    "From|Sender|Od|Odesílatel|Odosielateľ|Fra|Afsender|Avsender|Von|Absender|De|De la|"
    "Lähettäjä|Šalje|Pošiljatelj|Feladó|Da|Mittente|Van|Afzender|Expeditorul|Expeditor|"
    "Отправитель|От кого|От|Від кого|Від|Відправник|Från|Avsändare|Kimden|Gönderen|Saatja|Nadawca|"
    "Remitente|Remetente|Expéditeur|送信元|差出人|发件人|寄件者|寄件人|보낸 사람|보낸사람|Από|Αποστολέας|Từ|Dari|"
    "Pengirim|Nuo|Kellelt"
)
_TO_LABELS = _words(
    "To|Komu|Til|An|Para|Vastaanottaja|À|A|Prima|Címzett|Aan|Do|Destinatarul|Către|Кому|"
    "Pre|Till|Kime|Pour|Adresat|Saaja|Empfänger|Destinataire|Destinatario|Destinatário|"
    "Ontvanger|Mottagare|Modtager|Mottaker|Příjemce|Adresát|Получатель|Отримувач|Alıcı|送信先|"
    "宛先|收件人|收件者|받는 사람|받는사람|Προς|Đến|Kepada|Kellele"
)
_CC_LABELS = _words(
    "Cc|Kopie|Kopie (CC)|Kopie an|Kopio|Másolat|Másolatot kap|Kopi|Dw|Копия|Kopia|Bilgi|"
    "Копія|Kópia|Copie à|Copie|Copia|Cópia|Copia a|Kopija|Koopia|Kopya|抄送|副本|참조|Κοιν|Κοιν.|"
    "Tembusan"
)
_DATE_LABELS = _words(
    "Date|Datum|Dato|Fecha|Päivämäärä|Päiväys|Dátum|Data|Dată|Дата|Tarih|Sent|Sendt|"
    "Gesendet|Enviado|Enviado el|Enviado em|Envoyé|Envoyé le|Lähetetty|Elküldve|Inviato|"
    "Inviato il|Verzonden|Verstuurd|Wysłano|Wysłane|Data wysłania|Trimis|Отправлено|"
    "Отправлено в|Odoslané|Odesláno|Skickat|Gönderilen|Gönderildi|Відправлено|Надіслано|"
    "Kuupäev|Saadetud|Poslano|Poslato|日付|送信日時|日期|发送时间|時間|寄件日期|날짜|보낸 날짜|Ημερομηνία|Στάλθηκε|"
    "Ngày|Tanggal|Dikirim|Išsiųsta"
)
_SUBJECT_LABELS = _words(
    "Subject|Předmět|Emne|Betreff|Asunto|Aihe|Objet|Predmet|Tárgy|Oggetto|Onderwerp|Temat|"
    "Assunto|Subiectul|Subiect|Тема|Ämne|Konu|Sujet|Naslov|Teema|件名|主题|主旨|제목|Θέμα|Chủ đề|"
    "Perihal|Subjek|Tema|Aiheesta"
)
_OTHER_LABELS = _words(
    "Reply-To|Odgovori na|Odpověď na|Svar til|Antwoord aan|Vastaus|Répondre à|Antwort an|"
    "Válaszcím|Rispondi a|Odpowiedź-do|Responder A|Responder a|Răspuns către|Ответ-Кому|"
    "Odpovedať-Pre|Svara till|Yanıt Adresi|Кому відповісти|Bcc|Bcc (blind copy)|Blindkopie|"
    "Cco|Cci|Importance|Priority|Wichtigkeit|Priorité|Attachments|Anlagen|Anhänge|"
    "Pièces jointes|Allegati|Adjuntos|Bijlagen|Bilagor|Załączniki"
)

_FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "from": _FROM_LABELS,
    "to": _TO_LABELS,
    "cc": _CC_LABELS,
    "date": _DATE_LABELS,
    "subject": _SUBJECT_LABELS,
    "other": _OTHER_LABELS,
}
_LABEL_FIELD: dict[str, str] = {
    label.casefold(): name for name, labels in _FIELD_LABELS.items() for label in labels
}


def _alternation(labels: Iterable[str]) -> str:
    """Longest first, so "De la" wins over "De" and "Kopie (CC)" over "Kopie"."""
    return "|".join(re.escape(x) for x in sorted(set(labels), key=len, reverse=True))


_ALL_LABELS = [label for labels in _FIELD_LABELS.values() for label in labels]
# "*From:* value" (Outlook bold), "De : value" (French spacing), "件名：value" (full-width colon).
_LABEL_LINE = re.compile(
    r"[ \t]*+(?:(?P<lead>\*{1,2})[ \t]*+)?(?P<label>"
    + _alternation(_ALL_LABELS)
    + r")[ \t\u00a0]*+"
    r"\*{0,2}+[ \t\u00a0]*+[:：](?P<trail>\*{0,2})[ \t\u00a0]*(?P<value>.*)",
    re.IGNORECASE,
)
# Yahoo glues the whole header onto one line ("...<a@b.c>To: ...Subject: ..."): labels must be
# found mid-line, so they are matched case-sensitively as printed to avoid hits inside words.
_INLINE_LABELS = _ALL_LABELS + [x.upper() for x in _ALL_LABELS if len(x) <= 3]
_INLINE_LABEL = re.compile(
    r"(?P<label>" + _alternation(_INLINE_LABELS) + r")\s?[:：]"
    # Yahoo (pl) even drops a colon: "...<b@c.d>Dw Walter <w@c.d>" - trust a label right after ">".
    r"|(?<=>)(?P<bare>" + _alternation(_INLINE_LABELS) + r")\s(?=\S)"
)
_INLINE_SUBJECT_NO_COLON = re.compile(
    r"(?P<label>" + _alternation(_SUBJECT_LABELS) + r")\s(?P<value>\S.*)$"
)

# Words in separator lines that say "this is a forward" (lowercase stems, any language).
_FORWARD_STEMS = _words(
    "forward|fwd|weitergeleitet|transféré|transfere|transmis|réexpédié|reexpedie|reenviado|"
    "přeposílan|przekazyw|ileti başlangıcı|inoltrat|doorgestuurd|vidarebefordra|videresend|"
    "edelleenlähetetty|välitetty|přeposlan|preposlan|przekazan|przesłana dalej|továbbított|"
    "encaminhad|reencaminhad|redirecționat|redirecţionat|redirectionat|переслан|пересыла|"
    "переадрес|перенаправ|пересила|iletil|yönlendiril|転送|转发|轉寄|轉發|전달|προωθ|proslijeđen|"
    "posredovan|chuyển tiếp|diteruskan|terusan"
)
# Words that say "the original message follows" (Outlook, IONOS): a forward or a reply.
_ORIGINAL_STEMS = _words(
    "original|ursprüngliche|d'origine|oorspronkelijk|oprindelig|opprinnelig|ursprungligt|"
    "alkuperäinen|oryginaln|původní|pôvodn|eredeti|исходное|оригінал|orijinal|özgün|"
    "元のメッセージ|原始邮件|原始郵件|원본|αρχικό|izvorna|izvorno"
)

_DASH_SEPARATOR = re.compile(
    r"[ \t]*+[-=_*~—–─]{2,}+[ \t]*+(?P<phrase>[^-=_*~—–─\n]{3,80}?)[ \t]*+[-=_*~—–─]{2,}(?P<rest>.*)"
)
_RULE_LINE = re.compile(r"[ \t]*(?:[-_=─—━]{10,}|[*]{10,})[ \t]*")
_COLON_PHRASE = re.compile(r"[ \t]*+(?P<phrase>[^:：\s][^:：\n]{2,69}?)[ \t\u00a0]*+[:：][ \t]*")

# Verbs that close a reply attribution line ("On ..., X <x@y> wrote:").
_ATTRIBUTION = re.compile(
    r"(?:wrote|writes|schrieb|schreef|a écrit|escribió|escribio|escreveu|ha scritto|"
    r"napsal\(a\)|napsala?|napísal\(a\)|napísala?|napisał\(a\)|napisała?|napisal|"
    r"написал\(а\)|написала?|написав\(ла\)|написав|geschreven|skrev|följande|kirjoitti|"
    r"ezt írta|írta|şunu yazdı|yazdı|a scris|έγραψε|kirjutas|rašė|pisze|写道|寫道|"
    r"が書きました|작성|đã viết|menulis|kirjoitti)[^\n]{0,160}?[:：][ \t]*$",
    re.IGNORECASE,
)
_ATTRIBUTION_FILLER = re.compile(
    r"\b(?:on|am|le|el|il giorno|em|dne|op|dnia|w dniu|den|d\.|kl\.|at|um|à|a las|às|alle|om|"
    r"о|в|у|wrote|schrieb|schreef|a écrit|escribió|escreveu|ha scritto|napsal\(a\)|napsal|"
    r"napísal|napisał|написал|написала|написав|heeft|geschreven|skrev følgende den|skrev|użytkownik|"
    r"följande|kirjoitti|időpontban|ezt írta|tarihinde|şunu yazdı|používateľ|пользователь|"
    r"користувач|user)\b",
    re.IGNORECASE,
)
# An attribution names an address or a date/time; "Bob wrote about 2 roles:" is just prose.
_ATTRIBUTION_EVIDENCE = re.compile(
    r"@|\d{1,2}[:.]\d{2}|\b(?:19|20)\d{2}\b|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}年"
)
#: A date or a time, without which an "<addr>:" line is no attribution.
_DATE_EVIDENCE = re.compile(
    r"\d{1,2}[:.]\d{2}|\b(?:19|20)\d{2}\b|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}\s?[年년]"
)
#: Gmail in Japanese, Russian and a few more names no verb: "<date> Jane <jane@x.jp>:".
_ADDRESS_END = re.compile(
    r"[<\[(]\s*(?:mailto:)?[^\s<>\[\]()@]{1,64}@[^\s<>\[\]()]{1,255}\s*[>\])]\s*[:：]\s*$"
)
#: How attributions open ("On", "Le", "Am", ...): a wrapped attribution's first line.
_OPENER = re.compile(
    r"(?:>\s*)*(?:on|le|am|el|il giorno|w dniu|dnia|op|em|den|dne|på|vào|d\.)\s", re.IGNORECASE
)
_ANDROID_VERB = re.compile(r"\b(?:wrote|schrieb|a écrit|escribió|ha scritto|escreveu)\s*$", re.I)
#: Nouns for "message" in announcements ("Begin forwarded message:", "Forwarded message:").
_MESSAGE_STEMS = _words(
    "message|nachricht|mensaje|mensagem|messaggio|bericht|meddelande|besked|melding|mejl|"
    "wiadomo|zpráv|správ|üzenet|levél|viesti|poruk|mesaj|ileti|сообщени|повідомлен|листа|"
    "mail|メッセージ|邮件|郵件|메일|μήνυμα"
)
_NAME_CONNECTOR = re.compile(
    r".*(?:\bpoužívateľ|\bпользователь|\bкористувач|\bużytkownik|\bheeft|\bidőpontban|\bskrev|"
    r"\buser)\s+",
    re.IGNORECASE,
)
_TIME_TOKEN = re.compile(r".*\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s*(?:AM|PM|am|pm|a\.m\.|p\.m\.))?")

# Subject prefixes: the first one decides whether the mail is a forward or a reply.
_FORWARD_PREFIXES = frozenset(
    _words(
        "fwd|fw|fwrd|tr|wg|rv|i|vs|vb|vl|pd|enc|doorst|redir|redir.|videresend|ilt|i̇lt|tov|pr|"
        "prsn|prsl|edasi|posr|proslijedi|转发|轉寄|轉發|転送|전달|πρθ"
    )
)
_REPLY_PREFIXES = frozenset(
    _words(
        "re|aw|sv|antw|r|ris|rif|res|ré|odp|odg|v|vá|ynt|отв|ответ|на|відп|vast|va|atb|回复|回覆|"
        "答复|返信|답장|απ|σχετ"
    )
)
_PREFIX = re.compile(
    r"\s*+(?:\[[^\]\n]{0,40}\]\s*+)?(?P<p>[^\s:：\[\]]{1,12})\s*+(?:\[\d{1,3}\]|\(\d{1,3}\))?"
    r"\s*+[:：]\s*"
)

_EMAIL = re.compile(r"[^\s<>\[\]()\"',;:@]+@[^\s<>\[\]()\"',;:@]+\.[^\s<>\[\]()\"',;:@]+")
_BRACKETED = re.compile(r"[<\[]\s*(?:mailto:)?\s*(?P<addr>[^<>\[\]\s]*@[^<>\[\]\s]*)\s*[>\]]")
_ATTACHED_MAILTO = re.compile(
    r"(?P<addr>[^\s<>\[\]\"]+@[^\s<>\[\]\"]+)[<\[]mailto:[^<>\[\]\s]*[>\]]"
)
_MAILTO = re.compile(r"([<\[])mailto:", re.IGNORECASE)
_ON_BEHALF = re.compile(
    r"\s+(?:on behalf of|im auftrag von|de la part de|en nombre de|per conto di|namens|"
    r"w imieniu|em nome de|på vegne af|på vegne av|jménem|v mene)\b.*$",
    re.IGNORECASE,
)
_QUOTES = "\"'«»„“”‘’*_ \t\u00a0"  # also Markdown-ish emphasis from HTML-to-text

_MAX_LINE = 1000
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)


def find_url(text: str) -> bool:
    """Whether a line holds a link: wrapped subjects never do, bodies often start with one."""
    return bool(_URL.search(text))


_MAX_BLOCK_LINES = 40
_MAX_LEVELS = 20
#: Header-like lines ("From: x", "Date: ...") that open no forward, after which the search
#: for a forward marker stops: a body of 100,000 of them cost 1.5 s, each read as a
#: candidate header block. Real mail has a few; past the cap the rest is the mail's own text.
MAX_CANDIDATES = 1000

# ---------------------------------------------------------------------------------------------
# Subject hints


def _subject_hint(subject: str) -> str | None:
    """'fwd' or 'reply' from the first known prefix of a subject, else None."""
    match = _PREFIX.match(subject or "")
    if not match:
        return None
    prefix = match.group("p").casefold()
    if prefix in _FORWARD_PREFIXES:
        return "fwd"
    if prefix in _REPLY_PREFIXES:
        return "reply"
    return None


def forward_subject(subject: str) -> str:
    """'Fwd: RE: Analyst' -> 'Analyst' when the first prefix says forward; else unchanged."""
    return _strip_prefixes(subject) if _subject_hint(subject) == "fwd" else subject.strip()


def _strip_prefixes(subject: str) -> str:
    """The subject without any stack of "Fwd: RE: TR:" prefixes."""
    rest = (subject or "").strip()
    for _ in range(10):
        match = _PREFIX.match(rest)
        if not match:
            break
        prefix = match.group("p").casefold()
        if prefix not in _FORWARD_PREFIXES and prefix not in _REPLY_PREFIXES:
            break
        rest = rest[match.end() :]
    return rest.strip()


# ---------------------------------------------------------------------------------------------
# Quoting


_QUOTE_LEAD = (" ", "\t", ">")


def _quote_depth(line: str) -> int:
    """How many "> " levels a line is quoted with."""
    if line[:1] not in _QUOTE_LEAD:  # most lines: no slicing and counting needed
        return 0
    head = line[:200]
    return head[: len(head) - len(head.lstrip(" \t>"))].count(">")


def _unquote(line: str, levels: int) -> str:
    """Removes `levels` quote markers (and the space after each) from the start of a line."""
    i = 0
    for _ in range(levels):
        j = line.find(">", i, i + 200)
        if j < 0 or line[i:j].strip(" \t"):
            break
        i = j + 2 if line[j + 1 : j + 2] == " " else j + 1
    return line[i:]


def _quoted_region(lines: list[str], start: int, depth: int, limit: int = 0) -> list[str]:
    """The run of lines from `start` quoted at least `depth` deep, with that quoting removed."""
    out: list[str] = []
    i = start
    end = min(len(lines), start + limit) if limit else len(lines)
    while i < end:
        line = lines[i]
        if _quote_depth(line) >= depth:
            out.append(_unquote(line, depth))
        elif _lazy_continuation(lines, i, depth):
            out.append(line)
        elif not line.strip():
            nxt = _next_nonblank(lines, i)
            if nxt is None or _quote_depth(lines[nxt]) < depth:
                break
            out.append("")
        else:
            break
        i += 1
    return out


def _lazy_continuation(lines: list[str], i: int, depth: int) -> bool:
    """A wrapped quoted line that lost its ">" (MailMate), between two quoted lines."""
    if not lines[i].strip() or i == 0 or i + 1 >= len(lines):
        return False
    prev, nxt = lines[i - 1], lines[i + 1]
    return (
        _quote_depth(prev) >= depth
        and bool(_unquote(prev, depth).strip())
        and _quote_depth(nxt) >= depth
    )


def _is_blank(line: str) -> bool:
    """Empty, whitespace or bare quote markers (">", "> >")."""
    return not line.strip(" \t\u00a0>")


def _next_nonblank(lines: list[str], i: int, limit: int = 6) -> int | None:
    """Index of the first non-blank line after i (looking at most `limit` lines ahead)."""
    for j in range(i + 1, min(len(lines), i + 1 + limit)):
        if not _is_blank(lines[j]):
            return j
    return None


def _unquote_if_all_quoted(text: str) -> str:
    """Missive and MailMate quote the whole forwarded body; take that quoting off."""
    lines = text.split("\n")
    nonblank = [x for x in lines if x.strip()]
    if nonblank and all(_quote_depth(x) >= 1 for x in nonblank):
        return "\n".join(_unquote(x, 1) if x.strip() else "" for x in lines)
    return text


# ---------------------------------------------------------------------------------------------
# Addresses


def _split_mailboxes(value: str) -> list[str]:
    """Splits "a <x>, "Doe, John" <y>; z" at commas/semicolons outside quotes and brackets."""
    parts: list[str] = []
    buf: list[str] = []
    quote = ""
    depth = 0
    for ch in value:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in '"«„“' or (ch == "'" and not "".join(buf).strip()):
            # 'Doe, John' <x> too, but not the apostrophe in O'Brien
            quote = {"«": "»", "„": "”", "“": "”"}.get(ch, ch)
        elif ch in "<[(":
            depth += 1
        elif ch in ">])":
            depth = max(0, depth - 1)
        elif ch in ",;" and depth == 0:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    parts = [p.strip() for p in parts if p.strip()]
    return _merge_last_first(parts)


def _merge_last_first(parts: list[str]) -> list[str]:
    """Rejoins Outlook's unquoted "Doe, John <john@x.com>" that the comma split apart."""
    out: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        nxt = parts[i + 1] if i + 1 < len(parts) else ""
        if "@" not in part and " " not in part and nxt and re.match(r"[^<\[@]+[<\[]", nxt):
            out.append(f"{part}, {nxt}")
            i += 2
            continue
        out.append(part)
        i += 1
    return out


def _parse_mailbox(text: str) -> Address:
    """One mailbox in any of the forms clients print."""
    text = _ATTACHED_MAILTO.sub(r"\g<addr>", text.strip()[:500])
    text = _MAILTO.sub(r"\1", text)
    text = _ON_BEHALF.sub("", text)
    bracket = _BRACKETED.search(text)
    if bracket:
        address = bracket.group("addr").strip(_QUOTES)
        name = text[: bracket.start()].strip(_QUOTES + ",;")
        if not name:
            name = text[bracket.end() :].strip(_QUOTES + ",;()")
    else:
        email_match = _EMAIL.search(text)
        if email_match:
            address = email_match.group(0)
            rest = (text[: email_match.start()] + " " + text[email_match.end() :]).strip()
            name = rest.strip(_QUOTES + ",;()<>[]")
        else:
            address, name = "", text.strip(_QUOTES + ",;<>[]")
    if name.casefold() == address.casefold():
        name = ""
    return Address(name=" ".join(name.split()), address=address)


def _parse_mailboxes(value: str) -> list[Address]:
    out = [_parse_mailbox(p) for p in _split_mailboxes(value[:4000])]
    return [a for a in out if a.name or a.address]


# ---------------------------------------------------------------------------------------------
# Header blocks


@dataclass(slots=True)
class _Block:
    """Header fields found after a separator, and where the block ended."""

    fields: dict[str, str] = field(default_factory=dict)
    end: int = 0

    def strength(self) -> int:
        """How many of to/date/subject sit beside a From: a reply quote needs a full set."""
        return sum(1 for k in ("to", "date", "subject") if self.fields.get(k))


def _label(line: str) -> tuple[str, str] | None:
    """(field, value) if the line starts with a known header label."""
    return _label_head(line[:_MAX_LINE])


@functools.lru_cache(maxsize=256)
def _label_head(line: str) -> tuple[str, str] | None:
    """_label on a length-capped line, remembered: finding a marker asks about the same line
    up to four times (separator, attribution, block start, inside the block), and header-like
    lines by the thousand made that the slowest path (keys are at most _MAX_LINE long)."""
    match = _LABEL_LINE.match(line)
    if not match:
        return None
    name = _LABEL_FIELD.get(" ".join(match.group("label").split()).casefold())
    if name is None:
        return None
    value = match.group("value").strip()
    if not match.group("lead"):  # None or ""
        value = match.group("trail") + value  # "Subject: **URGENT**" keeps its stars
    return name, value


def _is_continuation(name: str, value: str, lines: list[str], i: int) -> bool:
    """Whether the label-less line i carries on the previous header value."""
    line = lines[i]
    stripped = line.strip()
    if not value:
        return len(stripped) <= 200
    if name in ("from", "to", "cc"):
        if value.endswith((",", ";", "<")) or stripped.startswith(("<", "[", ">", "]")):
            return True
        if re.match(r"(?:on behalf of|im auftrag von|de la part de)\b", stripped, re.I):
            return True
        return "@" in stripped and len(stripped) < 200 and " " not in stripped.strip("<>[]")
    if name == "date" and re.fullmatch(
        r"(?:AM|PM|a\.m\.|p\.m\.|[A-Z]{2,5}|[+-]\d{4}|GMT[+-]?\d*)", stripped
    ):
        return True
    if name in ("subject", "date"):
        return _wrapped_value(name, value, lines, i)
    return False


def _wrapped_value(name: str, value: str, lines: list[str], i: int) -> bool:
    """A long subject or date wrapped onto the next line: the line is folded (starts with
    white space), or sits between the label and a further header label, or ends a long
    subject right before the blank line that closes the header block."""
    line = lines[i]
    stripped = line.strip()
    if not stripped or len(stripped) > 200 or _attribution_at(lines, i):
        return False
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    following = _label(nxt)
    if following and following[0] != "other":
        return True
    if line[:1] in (" ", "\t") and lines[i - 1][:1] not in (" ", "\t"):
        return name == "subject" and not nxt.strip()
    return (
        name == "subject"
        and len(value) >= 55
        and len(stripped) <= 60
        and not nxt.strip()
        and not stripped.endswith((".", "!", "?", ":"))
        and not find_url(stripped)
    )


def _parse_block(lines: list[str], start: int) -> _Block:
    """Reads "Label: value" lines from `start`; values may wrap or sit on the next line."""
    block = _Block(end=start)
    current = ""
    i = start
    stop = min(len(lines), start + _MAX_BLOCK_LINES)
    while i < stop:
        line = lines[i]
        if not line.strip():
            nxt = _next_nonblank(lines, i, 4)
            if nxt is None:
                break
            pending = bool(current) and not block.fields.get(current)
            hit = _label(lines[nxt])
            if pending or (hit and (hit[0] not in block.fields or hit[0] == "other")):
                i = nxt
                continue
            break
        hit = _label(line)
        if hit:
            name, value = hit
            if name in block.fields and name != "other":
                break
            block.fields[name] = value
            current = name
        elif current and _is_continuation(current, block.fields[current], lines, i):
            block.fields[current] = (block.fields[current] + " " + line.strip()).strip()
        else:
            break
        i += 1
        block.end = i
    block.fields.pop("other", None)
    return block


def _parse_inline(rest: str) -> dict[str, str]:
    """Yahoo's one-line header: "From: a <x>To: b <y>Sent: ...Subject: s"."""
    fields: dict[str, str] = {}
    matches = list(_INLINE_LABEL.finditer(rest[: _MAX_LINE * 4]))
    for k, match in enumerate(matches):
        name = _LABEL_FIELD.get((match.group("label") or match.group("bare")).casefold())
        end = matches[k + 1].start() if k + 1 < len(matches) else len(rest)
        if name and name not in fields:
            fields[name] = rest[match.end() : end].strip()
    if "subject" not in fields:
        for name in ("date", "cc", "to"):
            value = fields.get(name, "")
            tail = _INLINE_SUBJECT_NO_COLON.search(value)
            if tail and name == "date":
                fields[name] = value[: tail.start()].strip()
                fields["subject"] = tail.group("value").strip()
                break
    fields.pop("other", None)
    return fields


# ---------------------------------------------------------------------------------------------
# Markers


@dataclass(slots=True)
class _Marker:
    """A place where a forwarded original starts."""

    line: int
    kind: str  # "separator", "rule", "original", "block", "attribution"
    depth: int = 0
    inline: str = ""


def _has_stem(phrase: str, stems: tuple[str, ...]) -> bool:
    low = phrase.casefold().replace("\u0307", "")  # Turkish "İ" casefolds to "i" + dot
    return any(stem in low for stem in stems)


def _separator_kind(content: str) -> tuple[str, str] | None:
    """('separator'|'original', inline rest) for a dashed or "...:" forward separator line."""
    line = content[:_MAX_LINE]
    dashed = _DASH_SEPARATOR.fullmatch(line)
    if dashed:
        phrase = dashed.group("phrase")
        if _has_stem(phrase, _FORWARD_STEMS):
            return "separator", dashed.group("rest")
        if _has_stem(phrase, _ORIGINAL_STEMS):
            return "original", dashed.group("rest")
        return None
    colon = _COLON_PHRASE.fullmatch(line)
    if colon and not _label(line):
        phrase = colon.group("phrase")
        if _has_stem(phrase, _FORWARD_STEMS) and len(phrase.split()) <= 8:
            return "announce", ""
    return None


def _attribution_at(lines: list[str], i: int) -> tuple[str, int] | None:
    """(attribution text, first line) when a reply attribution ends at line i, else None.

    "On <date>, <name> <addr> wrote:" in any language, wrapped over up to three lines (Gmail
    puts "wrote:" on a line of its own, Missive the address); also the verb-less forms Gmail
    writes in some languages ("2024年3月4日(月) 10:02 Jane <jane@x.jp>:") and Android's
    "---- Jane wrote ----"."""
    line = lines[i].strip()[:400]
    if not line or _label(line.lstrip("> \t")):
        return None
    content = line.lstrip("> \t")
    dashed = _DASH_SEPARATOR.fullmatch(content)
    if dashed and _ANDROID_VERB.search(dashed.group("phrase")):
        return content, i
    if not line.rstrip().endswith((":", "：")):
        return None  # every other form ends in a colon: no regex search on the other lines
    if not _ATTRIBUTION.search(line):
        verbless = _ADDRESS_END.search(line) and _DATE_EVIDENCE.search(line)
        return (content, i) if verbless or _introduces_quote(lines, i, content) else None
    text, first = line, i
    for back in (1, 2):
        if i - back < 0 or _OPENER.match(text):
            break
        previous = lines[i - back].strip()[:400]
        if not previous or _label(previous.lstrip("> \t")):
            break
        if _ATTRIBUTION_EVIDENCE.search(text) and not _OPENER.match(previous):
            break
        text, first = previous + " " + text, i - back
    if not _ATTRIBUTION_EVIDENCE.search(text):
        return None
    return text.lstrip("-> \t"), first


def _introduces_quote(lines: list[str], i: int, content: str) -> bool:
    """A line in any language that ends with ":", names an address and a date or time, and
    is followed by "> " quoted lines: how every client introduces the message it quotes."""
    if not content.endswith((":", "：")) or "@" not in content or len(content) > 300:
        return False
    if not _DATE_EVIDENCE.search(content):
        return False
    nxt = _next_nonblank(lines, i, 3)
    return nxt is not None and _quote_depth(lines[nxt]) > _quote_depth(lines[i])


def _indented_body(lines: list[str], i: int, depth: int) -> bool:
    """Outlook for Mac forwards as an attribution over a body indented by four spaces."""
    seen = 0
    for line in lines[i + 1 : i + 40]:
        if _is_blank(line):
            continue
        if _quote_depth(line) > depth:
            return False
        content = _unquote(line, depth)
        if not content.startswith(("    ", "\t")):
            return False
        seen += 1
    return seen > 0


def _find_marker(lines: list[str], hint: str | None, subject: str) -> tuple[str, _Marker | None]:
    """("forward", marker) at the first forward marker the hint allows, ("reply", marker) when
    a reply's quote starts first, ("", None) when the text quotes nothing (or MAX_CANDIDATES
    header blocks open no forward)."""
    i = 0
    candidates = 0
    while i < len(lines):
        if _is_blank(lines[i]):
            i += 1
            continue
        verdict, marker, step = _marker_at(lines, i, hint, subject)
        if verdict in ("forward", "reply"):
            return verdict, marker
        if verdict == "candidate":
            candidates += 1
            if candidates >= MAX_CANDIDATES:
                break
        i += step
    return "", None


def _marker_at(
    lines: list[str], i: int, hint: str | None, subject: str
) -> tuple[str, _Marker | None, int]:
    """("forward" | "reply", marker, 0) when a quote starts here, else ("next", None, n) or,
    for a header block that opens nothing, ("candidate", None, n): n lines to skip."""
    depth = _quote_depth(lines[i])
    content = _unquote(lines[i], depth)
    sep = _separator_kind(content)
    if sep and sep[0] == "announce":
        # "Begin forwarded message:" with headers after it, or naming a forwarded message.
        if _block_after(lines, i, depth).fields or _has_stem(content, _MESSAGE_STEMS):
            return "forward", _Marker(i, "separator", depth), 0
    elif sep and sep[0] == "separator":
        return "forward", _Marker(i, "separator", depth, sep[1]), 0
    elif sep:  # "-----Original Message-----": Outlook writes it for replies too
        return _judge(_Marker(i, "original", depth, sep[1]), _block_after(lines, i, depth), hint)
    if _RULE_LINE.fullmatch(content[:_MAX_LINE]):
        block = _block_after(lines, i, depth)
        if block.fields.get("from") and block.strength() >= 1:
            return _judge(_Marker(i, "rule", depth), block, hint)
    found = _attribution_at(lines, i)
    if found:
        marker = _Marker(found[1], "attribution", depth)
        if hint == "fwd" and _indented_body(lines, i, depth):
            return "forward", marker, 0
        return "reply", marker, 0
    if _label(content):
        block = _block_at(lines, i, depth)
        if block.fields.get("from") and block.strength() >= 2:
            if _accept_bare_block(lines, i, block, hint, subject):
                return "forward", _Marker(i, "block", depth), 0
            return "reply", _Marker(i, "block", depth), 0
        return "candidate", None, max(1, block.end)
    return "next", None, 1


def _judge(marker: _Marker, block: _Block, hint: str | None) -> tuple[str, _Marker | None, int]:
    """A rule or "Original Message" line: a forward unless the subjects say it quotes a reply."""
    if hint == "reply":
        return "reply", marker, 0
    if hint is None and _subject_hint(block.fields.get("subject", "")) == "reply":
        return "reply", marker, 0
    return "forward", marker, 0


def _block_after(lines: list[str], i: int, depth: int) -> _Block:
    """The header block starting on the next non-blank line after a separator, if any."""
    nxt = _next_nonblank(lines, i, 3)
    if nxt is None:
        return _Block()
    inner_depth = max(depth, _quote_depth(lines[nxt]))
    if not _label(_unquote(lines[nxt], inner_depth)):
        return _Block()
    return _block_at(lines, nxt, inner_depth)


def _block_at(lines: list[str], start: int, depth: int) -> _Block:
    """The header block at `start`, read from lines with `depth` quote levels removed.

    A short window first: most candidate lines are no header at all, and unquoting a full
    window for each of them would make long quoted mails slow."""
    for window in (8, _MAX_BLOCK_LINES + 8):
        if depth == 0:
            view = lines[start : start + window]
        else:
            view = _quoted_region(lines, start, depth, window)
        block = _parse_block(view, 0)
        if block.end < len(view) - 2 or len(view) < window:
            return block
    return block


def _accept_bare_block(
    lines: list[str], i: int, block: _Block, hint: str | None, subject: str
) -> bool:
    """A bare header block is a forward only if the subject or the layout says so."""
    if hint == "fwd":
        return True
    if hint == "reply":
        return False
    if not any(x.strip() for x in lines[:i]):
        return True
    quoted_subject = block.fields.get("subject", "")
    if _subject_hint(quoted_subject) == "reply":
        return False  # a reply chain quoted below some text
    outer = _strip_prefixes(subject).casefold()
    return bool(outer) and _strip_prefixes(quoted_subject).casefold() == outer


# ---------------------------------------------------------------------------------------------
# Building messages


def _message(fields: dict[str, str], body: str, fallback_subject: str) -> ForwardedMessage:
    from_list = _parse_mailboxes(fields.get("from", ""))
    return ForwardedMessage(
        from_=from_list[0] if from_list else Address(),
        to=_parse_mailboxes(fields.get("to", "")),
        cc=_parse_mailboxes(fields.get("cc", "")),
        subject=_full_subject(fields.get("subject", "").strip(), fallback_subject),
        date=fields.get("date", "").strip(),
        body=_clean_body(body),
    )


def _full_subject(quoted: str, outer: str) -> str:
    """The quoted subject, or the outer one when the quote shows only its start (a header
    line cut where the client wrapped it)."""
    if not quoted:
        return outer
    if len(quoted) < 40:  # too short to have been wrapped; a longer outer subject is an edit
        return quoted
    squashed = " ".join(quoted.split()).casefold()
    if len(outer) > len(quoted) and " ".join(outer.split()).casefold().startswith(squashed):
        return outer
    return quoted


def _clean_body(body: str) -> str:
    lines = [x.rstrip() for x in body.split("\n")]
    return "\n".join(lines).strip()


def _after_separator(lines: list[str], start: int) -> tuple[dict[str, str], str]:
    """Header fields and body following a separator line (header possibly quoted)."""
    first = start
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first >= len(lines):
        return {}, ""
    region = lines[first:]
    depth = _quote_depth(region[0])
    if depth and _label(_unquote(region[0], depth)):
        region = _quoted_region(region, 0, depth)
    block = _parse_block(region, 0)
    if not block.fields:
        return {}, "\n".join(region)
    return block.fields, _unquote_if_all_quoted("\n".join(region[block.end :]))


def _attribution_message(lines: list[str], i: int, subject: str) -> ForwardedMessage:
    """The original under 'On <date>, "Name" <addr> wrote:': a reply's quote or an Outlook for
    Mac forward (body indented); the attribution may span lines i.. and the quote follows."""
    text, end = "", i
    for j in range(i, min(len(lines), i + 3)):
        found = _attribution_at(lines, j)
        if found and found[1] <= i:
            text, end = found[0], j
            break
    body = "\n".join(lines[end + 1 :])
    body = _unquote_if_all_quoted(body)
    body = textwrap.dedent(body.replace("\t", "    "))
    name, address, date = _parse_attribution(text)
    return ForwardedMessage(
        from_=Address(name=name, address=address),
        subject=_strip_prefixes(subject),
        date=date,
        body=_clean_body(body),
    )


def _parse_attribution(text: str) -> tuple[str, str, str]:
    """(name, address, date) from an attribution line in any language."""
    match = _BRACKETED.search(text) or _EMAIL.search(text)
    if match:
        address = match.group("addr") if "addr" in match.re.groupindex else match.group(0)
        before, after = text[: match.start()], text[match.end() :]
    else:
        verb = _ATTRIBUTION.search(text)
        address = ""
        before, after = (text[: verb.start()], text[verb.start() :]) if verb else (text, "")
    before = before.rstrip(" (\t")
    quoted = re.search(r"[\"“«„'](?P<n>[^\"“”«»„']{1,100})[\"”»“']\s*$", before)
    if quoted:
        name = quoted.group("n")
        rest = before[: quoted.start()]
    else:
        cut = _NAME_CONNECTOR.match(before) or _TIME_TOKEN.match(before)
        if cut is None and "," in before:
            cut = re.match(r".*,", before)
        name = before[cut.end() :] if cut else before
        rest = before[: cut.end()] if cut else ""
    name = name.strip(_QUOTES + ",:(")
    date = _ATTRIBUTION_FILLER.sub(" ", rest + " " + after)
    date = " ".join(date.split()).strip(" ,:;-()<>[]")
    if not re.search(r"\d", date):
        date = ""
    if name.casefold() == address.casefold():
        name = ""
    return name, address, date


def _split_at(
    lines: list[str], marker: _Marker, subject: str
) -> tuple[str | None, ForwardedMessage]:
    """The note above a marker and the forwarded message below it."""
    note = "\n".join(lines[: marker.line]).strip() or None
    region = lines[marker.line :]
    if marker.depth:
        region = _quoted_region(lines, marker.line, marker.depth)
    fallback = _strip_prefixes(subject)
    if marker.kind == "attribution":
        return note, _attribution_message(region, 0, subject)
    if marker.inline.strip():
        fields = _parse_inline(marker.inline)
        if fields:
            return note, _message(fields, "\n".join(region[1:]), fallback)
    if marker.kind == "block":
        block = _parse_block(region, 0)
        body = _unquote_if_all_quoted("\n".join(region[block.end :]))
        return note, _message(block.fields, body, fallback)
    fields, body = _after_separator(region, 1)
    return note, _message(fields, body, fallback)


def _normalize(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\ufeff", "").replace("\u200e", "").replace("\u200f", "")


def _split(text: str, subject: str) -> Forward:
    lines = _normalize(text).split("\n")
    kind, marker = _find_marker(lines, _subject_hint(subject), subject)
    if marker is None:
        return Forward()
    note, first = _split_at(lines, marker, subject)
    if kind == "reply":
        return Forward(reply=first, reply_note=note)
    messages = [first]
    while len(messages) < _MAX_LEVELS:
        current = messages[-1]
        inner_lines = current.body.split("\n")
        kind, inner = _find_marker(inner_lines, _subject_hint(current.subject), current.subject)
        if kind != "forward" or inner is None:
            break
        _, nested = _split_at(inner_lines, inner, current.subject)
        if nested.body == current.body:
            break
        messages.append(nested)
    return Forward(note=note, messages=messages)


def split_forward(text: str, subject: str = "") -> Forward:
    """Find forwarded originals in a plain-text body; `subject` is the outer mail's subject."""
    try:
        return _split(text or "", subject or "")
    except Exception:  # noqa: BLE001 - parsers never raise; an odd body is just no forward
        return Forward()
