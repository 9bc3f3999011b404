"""Every code of the content vocabulary has a translated label (a new kind cannot ship
untranslated), and the labels follow the request's language."""

from core.content_kinds import KINDS
from web import content_labels
from web.i18n import use_locale


def test_every_code_in_the_vocabulary_has_a_label():
    assert content_labels.missing_labels() == []


def test_labels_cover_the_kinds_in_both_forms_and_translate():
    assert set(content_labels.KIND_LABELS) == set(KINDS)
    with use_locale("fi"):
        assert content_labels.kind("meeting") == "Kokous"
        assert content_labels.kind_plural("deal") == "Kaupat ja tarjoukset"
        assert content_labels.role("minutes_checker") == "Pöytäkirjan tarkastaja"
    with use_locale("en"):
        assert content_labels.kind("meeting") == "Meeting"
        assert content_labels.role("chair") == "Chair"
        assert content_labels.stage("won") == "Won"
    with use_locale("sv"):
        assert content_labels.kind("meeting") == "Möte"
        assert content_labels.status("done") == "Klar"


def test_an_unknown_code_shows_as_itself():
    assert content_labels.role("astronaut") == "astronaut"
    assert content_labels.kind("spaceship") == "spaceship"
