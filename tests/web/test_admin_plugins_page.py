"""The admin's plugin page names each plugin in words (its `ABOUT`, core.plugin_about) in the
user's language, and each enable checkbox has its own label naming its plugin."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib.metadata import entry_points

import pytest

from core.plugin_about import LANGUAGES, PluginAbout
from core.plugin_host import ENTRY_POINT_GROUP

FIRST_PARTY = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


class EnableCheckboxes(HTMLParser):
    """The `enabled` checkboxes of the page with the text of the label tied to each: a
    <label for=…> pointing at its id, or a <label> wrapping it."""

    def __init__(self) -> None:
        super().__init__()
        self.checkboxes: list[str] = []  # ids
        self.labels: dict[str, str] = {}  # for/wrapped id -> text
        self._open: list[dict] = []  # labels being read

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self._open.append({"for": a.get("for"), "text": "", "wraps": None})
        elif tag == "input" and a.get("type") == "checkbox" and a.get("name") == "enabled":
            self.checkboxes.append(a.get("id") or f"no-id-{len(self.checkboxes)}")
            if self._open:
                self._open[-1]["wraps"] = self.checkboxes[-1]

    def handle_data(self, data):
        for label in self._open:
            label["text"] += data

    def handle_endtag(self, tag):
        if tag == "label" and self._open:
            label = self._open.pop()
            text = " ".join(label["text"].split())
            for target in {label["for"], label["wraps"]} - {None}:
                self.labels[target] = text


def test_every_first_party_plugin_declares_its_name_and_description():
    assert {"sparkpost", "smtp", "newsletter", "social_embeds", "accounting_export"} <= set(
        FIRST_PARTY
    )
    names = set()
    for ep in FIRST_PARTY.values():
        about = getattr(ep.load(), "ABOUT", None)
        assert isinstance(about, PluginAbout), ep.name
        assert all(about.name[lang] and about.description[lang] for lang in LANGUAGES)
        names.add(about.name["fi"])
    assert len(names) == len(FIRST_PARTY)
    with pytest.raises(ValueError, match="sv"):
        PluginAbout(name={"fi": "Nimi", "en": "Name"}, description=dict.fromkeys(LANGUAGES, "x"))


@pytest.mark.parametrize("language", ["fi", "en"])
async def test_plugin_page_names_plugins_and_labels_each_checkbox(
    client, make_tenant, host, enable, language
):
    t = await make_tenant()
    for name, ep in FIRST_PARTY.items():
        host.register(ep.load(), name)
        await enable(t.slug, name, enabled=name == "social_embeds")
    await client.switch_language(t.slug, language)
    page = await client.get(f"/t/{t.slug}/admin/plugins/")
    assert page.status_code == 200, page.text[:300]

    parsed = EnableCheckboxes()
    parsed.feed(page.text)
    assert len(parsed.checkboxes) == len(FIRST_PARTY)
    assert len(set(parsed.checkboxes)) == len(parsed.checkboxes)  # ids unique
    prefix = {"fi": "Ota käyttöön: ", "en": "Enable: "}[language]
    expected = {prefix + ep.load().ABOUT.name[language] for ep in FIRST_PARTY.values()}
    labels = [parsed.labels.get(box) for box in parsed.checkboxes]
    assert set(labels) == expected, labels  # each associated, each distinct, each named

    for ep in FIRST_PARTY.values():
        about = ep.load().ABOUT
        assert f">{about.name[language]} <" in page.text  # the section's heading
        assert about.description[language] in page.text.replace("&#39;", "'")
    assert ">sparkpost <" not in page.text and ">social_embeds <" not in page.text
