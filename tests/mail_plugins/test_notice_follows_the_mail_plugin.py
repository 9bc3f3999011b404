"""The privacy notice follows the live plugin configuration: enabling SparkPost with its US
endpoint adds a transfer outside the EU/EEA with its safeguard to the notice in Finnish, Swedish
and English; disabling it removes it from the next version, while the old version keeps it."""

from __future__ import annotations

from core.privacy_notice_versions import get_version, publish
from tenants.scope import tenant_scope
from tests.mail_plugins.conftest import ADMIN

KEY = "sp-test-key-0123456789"
US_DPF = {"endpoint": "us", "safeguard": "dpf", "sender": "noreply@rekisteri.example"}
EU = {"endpoint": "eu", "sender": "noreply@rekisteri.example"}
EXPECTED = {
    "fi": ("Yhdysvallat", "Data Privacy Framework"),
    "sv": ("USA", "dataskyddsramen mellan EU och USA"),
    "en": ("United States", "EU–US Data Privacy Framework"),
}
SERVICE = {
    "fi": "ilmoitussähköpostien välitys",
    "sv": "förmedling av e-postmeddelanden",
    "en": "delivery of notification e-mails",
}


def _transfers(version: dict, lang: str) -> str:
    return version["rendered"][lang].split('id="transfers"')[1].split("</section>")[0]


async def test_notice_gains_and_loses_the_sparkpost_transfer(make_tenant, host, enable):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        before = await publish(actor=ADMIN)
    assert "SparkPost" not in before["rendered"]["fi"]

    await enable(t.slug, "sparkpost", US_DPF, {"api_key": KEY})
    async with tenant_scope(t.slug):
        with_us = await publish(actor=ADMIN)
    for lang, (country, safeguard) in EXPECTED.items():
        section = _transfers(with_us, lang)
        assert "SparkPost" in section and country in section, lang
        assert safeguard in section, lang
        # The service in the notice's own language, as the plugin words it.
        assert SERVICE[lang] in with_us["rendered"][lang], lang

    # The EU endpoint is a processor inside the EEA: listed, but not as a transfer out.
    await enable(t.slug, "sparkpost", EU, {"api_key": KEY})
    async with tenant_scope(t.slug):
        with_eu = await publish(actor=ADMIN)
    assert "SparkPost" not in _transfers(with_eu, "fi")
    assert "SparkPost" in with_eu["rendered"]["fi"]

    await enable(t.slug, "sparkpost", US_DPF, {"api_key": KEY}, enabled=False)
    async with tenant_scope(t.slug):
        after = await publish(actor=ADMIN)
        kept = await get_version(with_us["version"])
    assert "SparkPost" not in after["rendered"]["fi"]
    assert "SparkPost" in _transfers(kept, "en")  # published versions are kept as they were
