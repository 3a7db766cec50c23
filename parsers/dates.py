"""Dates as mails and alerts print them, made absolute and written one way: ISO 8601.

Alerts and recruiters write ages ("posted 2 days ago", "5d", "30+ days ago", "Just posted",
"vor 3 Tagen"); those only mean something against the moment the mail was written, so they are
resolved against the mail's own Date header, or the forwarded original's date when the age
sits in a forwarded alert - never against the day the group's inbox happened to read it.
Header dates come in every client's words ("Mon, Mar 4, 2024 at 10:02 AM", "martedì 5 marzo
2024, 10:12", "28/10/2021 12:46"); `parse_date` reads the common ones.

Pure: the reference moment is passed in, never read from a clock.

Interface (stable):
    parse_date(text: str) -> datetime | None          # a header or page date, absolute
    absolute_date(text: str, reference: datetime) -> str   # ISO date, or "" when unreadable
    iso_date(text: str) -> str                        # an absolute date written as ISO 8601
    resolve_relative_dates(postings, reference) -> None
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

from parsers.model import Posting

#: Month names and abbreviations in the languages members' clients write (lower case, no dot).
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan janvier janv januar jänner enero ene gennaio gen janeiro januari januar "
        "styczeń stycznia sty январь января янв",
        "february feb février févr fevrier februar febrero febbraio fevereiro fev "
        "februari luty lutego lut февраль февраля фев",
        "march mar mars märz maerz marzo março marco maart mrt marzec marca март марта",
        "april apr avril abril aprile aprilie kwiecień kwietnia kwi апрель апреля",
        "may mai mayo maggio maio mei maj мая май",
        "june jun juin juni junio giugno junho czerwiec czerwca cze июнь июня",
        "july jul juillet juli julio luglio julho lipiec lipca lip июль июля",
        "august aug août aout agosto augustus augusti sierpień sierpnia sie август августа авг",
        "september sep sept septembre septiembre settembre setembro set wrzesień września wrz "
        "сентябрь сентября сен",
        "october oct octobre oktober octubre ottobre outubro out okt październik października "
        "paź октябрь октября окт",
        "november nov novembre noviembre novembro listopad listopada lis ноябрь ноября ноя",
        "december dec décembre decembre dezember diciembre dic dicembre dezembro dez desember "
        "grudzień grudnia gru декабрь декабря дек",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)

_MONTH_WORD = r"(?P<mon>[^\W\d_]{3,12})\.?"
_TIME = r"(?:\D{0,12}?(?P<h>\d{1,2})[:.h](?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ap>[ap]\.?m\.?)?)?"
_WRITTEN_DATES = (
    # "Mar 4, 2024 at 10:02 AM", "March 24, 2016 at 20:16:25", "Tuesday, March 5, 2024 10:12 AM"
    re.compile(
        rf"{_MONTH_WORD}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}}){_TIME}", re.I
    ),
    # "5 March 2024 at 09:12", "martedì 5 marzo 2024, 10:12", "24. november 2025 10:00",
    # "2 ноября 2021 г., 09:26", "4 de mar. de 2024 às 10:02"
    re.compile(
        rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:de\s+)?{_MONTH_WORD}\s+(?:de\s+)?(?P<y>\d{{4}}){_TIME}",
        re.I,
    ),
    # "2024-03-05 10:12", "2024/03/05"
    re.compile(rf"(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}"),
    # "05/03/2024 10:12", "28.10.2021, 14:41", "3/4/24"
    re.compile(rf"(?P<a>\d{{1,2}})[/.-](?P<b>\d{{1,2}})[/.-](?P<y>\d{{4}}|\d{{2}})\b{_TIME}"),
    # "2024年3月4日", "2024년 3월 4일"
    re.compile(
        rf"(?P<y>\d{{4}})\s*[年년]\s*(?P<m>\d{{1,2}})\s*[月월]\s*(?P<d>\d{{1,2}})\s*[日일]?{_TIME}"
    ),
)

_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "un": 1, "une": 1, "ein": 1, "einem": 1, "einer": 1}
_UNIT_DAYS = {
    "minute": 1 / 1440, "hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 30.0, "year": 365.0,
}  # fmt: skip
#: Unit words in a few languages, each to the English unit it means.
_UNIT_WORDS = {
    "m": "minute", "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
    "minuten": "minute", "minuto": "minute", "minutos": "minute", "minuti": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour", "stunde": "hour",
    "stunden": "hour", "heure": "hour", "heures": "hour", "hora": "hour", "horas": "hour",
    "ora": "hour", "ore": "hour", "uur": "hour",
    "d": "day", "day": "day", "days": "day", "tag": "day", "tagen": "day", "tage": "day",
    "jour": "day", "jours": "day", "día": "day", "días": "day", "dia": "day", "dias": "day",
    "giorno": "day", "giorni": "day", "dag": "day", "dagen": "day", "dagar": "day",
    "dage": "day", "dager": "day", "dni": "day", "dzień": "day", "дня": "day", "дней": "day",
    "день": "day",
    "w": "week", "wk": "week", "wks": "week", "week": "week", "weeks": "week", "woche": "week",
    "wochen": "week", "semaine": "week", "semaines": "week", "semana": "week",
    "semanas": "week", "settimana": "week", "settimane": "week", "weken": "week",
    "mo": "month", "mos": "month", "month": "month", "months": "month", "monat": "month",
    "monaten": "month", "mois": "month", "mes": "month", "meses": "month", "mese": "month",
    "mesi": "month", "maand": "month", "maanden": "month",
    "y": "year", "yr": "year", "yrs": "year", "year": "year", "years": "year",
}  # fmt: skip
_AGE = re.compile(
    r"(?:^|\b)(?P<n>\d{1,3}|an?|one|une?|ein(?:em|er)?)\s*\+?\s*(?P<u>[^\W\d_]{1,9})\b\+?",
    re.IGNORECASE,
)
#: Words that make "N units" an age: "2 days ago", "vor 2 Tagen", "il y a 2 jours", "hace 2
#: días", "há 2 dias", "2 giorni fa", "2 dagen geleden", "posted 5d", or a bare "5d"/"30+ days".
_AGO = re.compile(
    r"\b(?:ago|vor|il y a|hace|há|fa|geleden|sedan|siden|temu|назад)(?!\w)|^\s*(?:posted|active|"
    r"reposted|updated|publié|veröffentlicht|publicado)?\s*(?:on\s+)?\d{1,3}\s*\+?\s*"
    r"[a-z]{1,6}\s*\+?\s*$",
    re.IGNORECASE,
)
_TODAY = re.compile(
    r"^\W*(?:posted\s+|active\s+)?(?:just posted|just now|today|new today|posted today|"
    r"active today|moments? ago|few (?:minutes|hours) ago|new|heute|aujourd'hui|aujourd’hui|"
    r"hoy|hoje|oggi|vandaag|idag|i dag|dzisiaj|сегодня)\b",
    re.IGNORECASE,
)
_YESTERDAY = re.compile(
    r"^\W*(?:posted\s+)?(?:yesterday|gestern|hier|ayer|ontem|ieri|gisteren|igår|i går|wczoraj|"
    r"вчера)\b",
    re.IGNORECASE,
)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _hour(match: re.Match[str]) -> tuple[int, int, int]:
    """(hour, minute, second) of a matched time, 12-hour clock read; midnight when absent."""
    if not match.groupdict().get("h"):
        return 0, 0, 0
    hour, minute = int(match.group("h")), int(match.group("mi"))
    second = int(match.group("s") or 0)
    meridiem = (match.group("ap") or "").lower().replace(".", "")
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    return hour, minute, second


def _ymd(match: re.Match[str]) -> tuple[int, int, int] | None:
    """(year, month, day) of a matched date; day-first unless the day-first reading is
    impossible ("3/14/2024" is American)."""
    groups = match.groupdict()
    year = int(groups["y"])
    year += 2000 if year < 100 else 0
    if groups.get("mon"):
        month = _MONTHS.get(groups["mon"].casefold().rstrip("."))
        if month is None:
            return None
        return year, month, int(groups["d"])
    if groups.get("m"):
        return year, int(groups["m"]), int(groups["d"])
    first, second = int(groups["a"]), int(groups["b"])
    return (year, second, first) if second <= 12 else (year, first, second)


def parse_date(text: str) -> datetime | None:
    """The moment a header or page date names, or None. Without a zone it is taken as UTC,
    which moves a day at most by one; ages are counted in days."""
    value = " ".join((text or "").split())[:200]
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            when = _written_date(value)
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _written_date(value: str) -> datetime | None:
    for pattern in _WRITTEN_DATES:
        for match in pattern.finditer(value):
            ymd = _ymd(match)
            if ymd is None:
                continue
            try:
                return datetime(*ymd, *_hour(match))
            except ValueError:
                continue
    return None


def _age_days(text: str) -> float | None:
    """Days an age like "2 days ago", "5d", "30+ days ago", "vor 3 Tagen" stands for."""
    if not _AGO.search(text):
        return None
    for match in _AGE.finditer(text):
        unit = _UNIT_WORDS.get(match.group("u").casefold())
        if unit is None:
            continue
        raw = match.group("n").casefold()
        count = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw, 1)
        return count * _UNIT_DAYS[unit]
    return None


def absolute_date(text: str, reference: datetime) -> str:
    """ISO date of a posting date as shown: an age counted back from `reference` (when the
    mail was written), an absolute date as it is; '' when the text is no date at all."""
    value = " ".join((text or "").split())[:120]
    if not value:
        return ""
    if _ISO_DAY.match(value):
        return value
    if _TODAY.match(value):
        return reference.date().isoformat()
    if _YESTERDAY.match(value):
        return (reference - timedelta(days=1)).date().isoformat()
    days = _age_days(value)
    if days is not None:
        return (reference - timedelta(days=days)).date().isoformat()
    return iso_date(value, reference)


def iso_date(text: str, reference: datetime | None = None) -> str:
    """An absolute date written as ISO 8601: '2024-03-05', or a UTC timestamp
    '2024-03-05T16:00:00Z' when the text gives a time and zone; '' when unreadable. A date
    without a year ("Posted Mar 4") takes the reference's year, the last one before it."""
    value = " ".join((text or "").split())[:200]
    if not value:
        return ""
    if _ISO_DAY.match(value):
        return value
    if re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value[:10]
        if when.tzinfo is None:
            return when.date().isoformat()
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    when = _written_date(value)
    if when is not None:
        return when.date().isoformat()
    if reference is not None:
        return _yearless(value, reference)
    return ""


def _yearless(value: str, reference: datetime) -> str:
    """'Posted Mar 4' or '4 March' in a mail of `reference`: that day of the last year it fits."""
    match = re.search(r"(?P<mon>[^\W\d_]{3,9})\.?\s+(?P<d>\d{1,2})\b", value) or re.search(
        r"\b(?P<d>\d{1,2})\.?\s+(?P<mon>[^\W\d_]{3,9})", value
    )
    if not match:
        return ""
    month = _MONTHS.get(match.group("mon").casefold())
    if month is None:
        return ""
    for year in (reference.year, reference.year - 1):
        try:
            day = date(year, month, int(match.group("d")))
        except ValueError:
            return ""
        if day <= reference.date():
            return day.isoformat()
    return ""


def resolve_relative_dates(postings: Iterable[Posting], reference: datetime) -> None:
    """Every posting's date as ISO 8601: ages counted back from `reference`; a text that is
    no date at all is dropped rather than shown as written."""
    for posting in postings:
        if posting.posted_at and not _is_iso(posting.posted_at):
            posting.posted_at = absolute_date(posting.posted_at, reference)


def _is_iso(value: str) -> bool:
    return bool(re.match(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}Z?)?$", value))
