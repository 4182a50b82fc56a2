#!/usr/bin/python3
"""Known answers for the Ugly Mugs texts and the checker's hashes, written from docs/INCIDENTS.md
alone with Python's hashlib and json, so that neither the Swift code nor the web page grades its own work.

  incident_vectors.py generate   write incident_vectors.json (read by IncidentVectorTests.swift and
                                 Tests/RelayTests/Fixtures/web_protocol_check.js)
  incident_vectors.py check      make it again in memory and compare with the committed file

The normal forms below are the document's rules applied by hand to what a person might type
("Identifiers and the checker"); the hashes are SHA-512(ctx("identifier") ‖ salt ‖ kind ‖ 0 ‖
platform ‖ 0 ‖ value)[0..<32] with the feed salt SHA-512(ctx("alert-feed-salt") ‖ organisation
key)[0..<32]; the organisation key is the PyNaCl-made one of keys/expected.json. The report, consent
change and alert texts are one flat JSON object with the fields in the document's order, each value
written as json.dumps writes it (the writers' escaping agrees for every character these texts may
hold: docs/INCIDENTS.md refuses control characters other than line breaks and tabs).

Run with Debian's interpreter: /usr/bin/python3 incident_vectors.py generate
"""
import base64
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "incident_vectors.json")


def b64u(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def from_b64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ctx(name):
    return b"netreach/v1/" + name.encode() + b"\x00"


def flat(fields):
    """One flat JSON object, fields in the order given."""
    return "{" + ",".join(json.dumps(name) + ":" + json.dumps(value, ensure_ascii=False) for name, value in fields) + "}"


def vectors():
    with open(os.path.join(HERE, "keys", "expected.json")) as file:
        organisation = json.load(file)["org"]["sign"]
    salt = hashlib.sha512(ctx("alert-feed-salt") + from_b64u(organisation)).digest()[:32]

    def hashed(kind, value, platform=""):
        data = ctx("identifier") + salt + kind.encode() + b"\x00" + platform.encode() + b"\x00" + value.encode()
        return b64u(hashlib.sha512(data).digest()[:32])

    # What a person types → the normal form the document gives. Each typed form of one person is one identifier.
    typed = [
        ("phone", "07700 900123", "", "+447700900123", ""),
        ("phone", "+44 7700-900123", "", "+447700900123", ""),
        ("phone", "+44 (0)7700 900123", "", "+447700900123", ""),
        ("phone", "0044 7700 900123", "", "+447700900123", ""),
        ("phone", "447700900123", "", "+447700900123", ""),
        ("phone", " (07700) 900.123 ", "", "+447700900123", ""),
        ("phone", "+1 202-555-0143", "", "+12025550143", ""),
        ("plate", "ab12 cde", "", "AB12CDE", ""),
        ("plate", " Ab-12-Cde ", "", "AB12CDE", ""),
        ("email", " Dave@Example.COM ", "", "dave@example.com", ""),
        ("handle", "@BigDave", "AdultWork", "bigdave", "adultwork"),
        ("handle", " bigdave ", " ADULTWORK ", "bigdave", "adultwork"),
    ]
    identifiers = [{"kind": kind, "typed": text, "typedPlatform": platform, "value": value, "platform": normal_platform,
                    "hash": hashed(kind, value, normal_platform)}
                   for kind, text, platform, value, normal_platform in typed]
    # Near misses: valid identifiers one step from the ones above, whose hashes must differ.
    near = [
        ("phone", "07700 900124", "", "+447700900124", ""),
        ("phone", "07700 900321", "", "+447700900321", ""),
        ("plate", "AB12 CDF", "", "AB12CDF", ""),
        ("plate", "AB12 CD", "", "AB12CD", ""),
        ("email", "dave@example.org", "", "dave@example.org", ""),
        ("handle", "@BigDave", "onlyfans", "bigdave", "onlyfans"),
        ("handle", "@BigDave2", "AdultWork", "bigdave2", "adultwork"),
    ]
    near_misses = [{"kind": kind, "typed": text, "typedPlatform": platform, "value": value, "platform": normal_platform,
                    "hash": hashed(kind, value, normal_platform)}
                   for kind, text, platform, value, normal_platform in near]
    # Typed forms the document refuses, with the reason.
    refused = [
        ("phone", "7700900123", "", "a number without its country cannot be told apart"),
        ("phone", "07700 90012", "", "10 digits starting 0 is not a UK number"),
        ("phone", "+0044 7700 900123", "", "an international number does not start 0"),
        ("phone", "+44", "", "fewer than 8 digits"),
        ("phone", "+44 7700 900123 4567", "", "more than 15 digits"),
        ("phone", "07700 9OO123", "", "letters"),
        ("phone", "", "", "empty"),
        ("email", "dave", "", "no @"),
        ("email", "dave@localhost", "", "no dot in the domain"),
        ("email", "da ve@example.com", "", "a space"),
        ("email", "dave@@example.com", "", "two @"),
        ("email", "@example.com", "", "nothing before the @"),
        ("email", "dave@.example.com", "", "the domain starts with a dot"),
        ("plate", "A", "", "one character"),
        ("plate", "AB12 CDE 999", "", "more than 8"),
        ("plate", "AB12#DE", "", "not a letter or digit"),
        ("handle", "", "adultwork", "empty"),
        ("handle", "two words", "adultwork", "a space"),
        ("handle", "big:dave", "adultwork", "a colon"),
        ("handle", "bigdave", "", "no platform"),
        ("handle", "bigdave", "adult work", "a platform with a space"),
        # A combining mark makes a character that is not a digit or a letter A-Z, though Swift's
        # Character ranges once let "2\u0301" and "q\u0301" through.
        ("phone", "07700 90012\u03013", "", "a digit with a combining mark"),
        ("plate", "AB12 CD\u0301", "", "a letter with a combining mark"),
        ("handle", "bigdave", "q\u0301", "a platform letter with a combining mark"),
    ]

    alert_phone, alert_plate = hashed("phone", "+447700900123"), hashed("plate", "AB12CDE")
    alert_text = flat([("format", "netreach-alert-v1"), ("month", "2026-11"), ("area", "Leeds"), ("harms", "robbery threats"),
                       ("summary", "A tall man in a white van. He says he is \"Dave\".\nTakes the money back."),
                       ("hashes", "phone:%s plate:%s" % (alert_phone, alert_plate))])

    # A report as typed into a form, and the text both writers must produce from it: the area
    # trimmed, identifiers normalised, the repeated phone kept once, grouped phone, email, handle, plate.
    report_input = {
        "date": "2026-11-20", "time": "evening", "area": "  Chapeltown Road, Leeds ", "setting": "online-arranged",
        "harms": ["robbery", "threats", "blackmail-outing-threat"],
        "identifiers": [
            {"kind": "plate", "typed": "ab12 cde", "platform": ""},
            {"kind": "phone", "typed": "07700 900123", "platform": ""},
            {"kind": "handle", "typed": "@BigDave", "platform": "AdultWork"},
            {"kind": "email", "typed": " Dave@Example.COM ", "platform": ""},
            {"kind": "phone", "typed": "+44 (0)7700 900123", "platform": ""},
            {"kind": "phone", "typed": "0044 20 7946 0000", "platform": ""},
        ],
        "description": "Tall, grey hair, calls himself \"Dave\" — white van 🚐\tsays he's a cop\\officer",
        "account": "He took the money back.\nThen he said: \"I know where you live\" </script>\n\nI got away.\u2028Café.",
        "support": True, "consent": 4, "policeContact": "Text 07700 900999 after 6pm, ask for Jo",
    }
    report_text = flat([
        ("format", "netreach-incident-v1"), ("date", "2026-11-20"), ("time", "evening"), ("area", "Chapeltown Road, Leeds"),
        ("setting", "online-arranged"), ("harms", "robbery threats blackmail-outing-threat"),
        ("phones", "+447700900123 +442079460000"), ("emails", "dave@example.com"), ("handles", "adultwork:bigdave"),
        ("plates", "AB12CDE"), ("description", report_input["description"]), ("account", report_input["account"]),
        ("support", True), ("consent", 4), ("policeContact", report_input["policeContact"]),
    ])
    incident = b64u(bytes(range(16)))
    consent_text = flat([("format", "netreach-consent-v1"), ("incident", incident), ("level", 3), ("visitorSaidOn", "")])

    return {
        "about": "made by incident_vectors.py from docs/INCIDENTS.md with hashlib and json; do not edit by hand",
        "organisationKey": organisation,
        "feedSalt": b64u(salt),
        "identifiers": identifiers,
        "nearMisses": near_misses,
        "refused": [{"kind": kind, "typed": text, "typedPlatform": platform, "why": why} for kind, text, platform, why in refused],
        "alert": {"text": alert_text,
                  "matches": [{"kind": "phone", "typed": "07700 900123"}, {"kind": "plate", "typed": "ab12 cde"},
                              {"kind": "phone", "typed": "+44 (0)7700-900123"}],
                  "doesNotMatch": [{"kind": "phone", "typed": "07700 900124"}, {"kind": "plate", "typed": "AB12 CDF"},
                                   {"kind": "email", "typed": "dave@example.com"}]},
        "report": {"input": report_input, "text": report_text},
        "consent": {"incident": incident, "level": 3, "text": consent_text},
    }


def main():
    text = json.dumps(vectors(), indent=2, ensure_ascii=False) + "\n"
    if sys.argv[1:] == ["generate"]:
        with open(OUTPUT, "w", encoding="utf-8") as file:
            file.write(text)
        print("wrote " + OUTPUT)
    elif sys.argv[1:] == ["check"]:
        with open(OUTPUT, encoding="utf-8") as file:
            same = file.read() == text
        print("incident_vectors.json is " + ("up to date" if same else "NOT what this script makes"))
        sys.exit(0 if same else 1)
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
