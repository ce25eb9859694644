"""Time zone of each region of Russia (ISO 3166-2:RU → IANA), for "not at night" reminders.

Regions spanning several zones (Sakha) take the zone of their capital. Everything not
listed keeps Moscow time.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

_ZONES = {
    "RU-KGD": "Europe/Kaliningrad",
    "RU-SAM": "Europe/Samara", "RU-UD": "Europe/Samara",
    "RU-AST": "Europe/Astrakhan", "RU-SAR": "Europe/Saratov", "RU-ULY": "Europe/Ulyanovsk",
    "RU-BA": "Asia/Yekaterinburg", "RU-CHE": "Asia/Yekaterinburg", "RU-KGN": "Asia/Yekaterinburg",
    "RU-KHM": "Asia/Yekaterinburg", "RU-ORE": "Asia/Yekaterinburg", "RU-PER": "Asia/Yekaterinburg",
    "RU-SVE": "Asia/Yekaterinburg", "RU-TYU": "Asia/Yekaterinburg", "RU-YAN": "Asia/Yekaterinburg",
    "RU-OMS": "Asia/Omsk",
    "RU-NVS": "Asia/Novosibirsk", "RU-ALT": "Asia/Barnaul", "RU-AL": "Asia/Barnaul",
    "RU-TOM": "Asia/Tomsk", "RU-KEM": "Asia/Novokuznetsk",
    "RU-KYA": "Asia/Krasnoyarsk", "RU-KK": "Asia/Krasnoyarsk", "RU-TY": "Asia/Krasnoyarsk",
    "RU-IRK": "Asia/Irkutsk", "RU-BU": "Asia/Irkutsk",
    "RU-ZAB": "Asia/Chita", "RU-AMU": "Asia/Yakutsk", "RU-SA": "Asia/Yakutsk",
    "RU-KHA": "Asia/Vladivostok", "RU-PRI": "Asia/Vladivostok", "RU-YEV": "Asia/Vladivostok",
    "RU-MAG": "Asia/Magadan", "RU-SAK": "Asia/Sakhalin",
    "RU-KAM": "Asia/Kamchatka", "RU-CHU": "Asia/Anadyr",
}  # fmt: skip
_MOSCOW = ZoneInfo("Europe/Moscow")


def zone_for(region: str) -> ZoneInfo:
    name = _ZONES.get(region)
    return ZoneInfo(name) if name else _MOSCOW
