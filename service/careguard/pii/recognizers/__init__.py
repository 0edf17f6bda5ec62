"""Recognizers presidio lacks or gets wrong, one per module."""

from careguard.pii.recognizers.address_places import AddressPlacesRecognizer
from careguard.pii.recognizers.card_number import CardNumberRecognizer
from careguard.pii.recognizers.contact_block import ContactBlockNameRecognizer
from careguard.pii.recognizers.countries import CountryRecognizer
from careguard.pii.recognizers.location_context import LocationContextRecognizer
from careguard.pii.recognizers.person_context import PersonContextRecognizer
from careguard.pii.recognizers.phone_context import PhoneContextRecognizer
from careguard.pii.recognizers.phone_numbers import PhoneNumbersRecognizer
from careguard.pii.recognizers.postcode import PostcodeRecognizer
from careguard.pii.recognizers.street_address import StreetAddressRecognizer

__all__ = [
    "EXTRA_RECOGNIZERS",
    "AddressPlacesRecognizer",
    "CardNumberRecognizer",
    "ContactBlockNameRecognizer",
    "CountryRecognizer",
    "LocationContextRecognizer",
    "PersonContextRecognizer",
    "PhoneContextRecognizer",
    "PhoneNumbersRecognizer",
    "PostcodeRecognizer",
    "StreetAddressRecognizer",
]

EXTRA_RECOGNIZERS = (
    StreetAddressRecognizer,
    PostcodeRecognizer,
    CardNumberRecognizer,
    PhoneContextRecognizer,
    PhoneNumbersRecognizer,
    PersonContextRecognizer,
    LocationContextRecognizer,
    AddressPlacesRecognizer,
    CountryRecognizer,
    ContactBlockNameRecognizer,
)
"""Added to presidio's predefined recognizers (the offline email one replaces presidio's email
recognizer, :class:`PhoneNumbersRecognizer` its phone recognizer)."""
