"""Consent to the processing of personal data."""

from __future__ import annotations

from bot.i18n import Text, _


def consent_notice() -> str:
    return "\n\n".join(
        [
            "<b>" + _("Consent to the processing of personal data") + "</b>",
            _(
                "To register your migration card, Onboard processes the data you enter: "
                "names, date of birth, sex, citizenship, identity document, purpose and "
                "period of stay, host, region and occupation, and your Telegram account id."
            ),
            _(
                "The data are used to keep the register of migration cards and to check your "
                "card when an officer scans your QR code. They are kept while your card is "
                "valid and as long as the law requires after that."
            ),
            _(
                "You may ask for a copy of your data or for its correction or erasure. "
                "Without consent you can still read the course and the guide."
            ),
            _("Do you agree to the processing of your personal data?"),
        ]
    )


consent_thanks = Text(
    "Thank you, your consent is recorded. Now you can fill in the migration card."
)

consent_declined = Text(
    "Without consent I cannot register a card. You can still read the course (/course) "
    "and the guide (/guide), and agree later with /register."
)

consent_already = Text("Your consent is already recorded.")
