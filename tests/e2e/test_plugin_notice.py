"""Browser test: the operator allows the social embeds plugin, the register's admin enables it
on the plugin page, and the privacy notice's draft gains the transfer outside the EU/EEA it
brings; the published notice shows it to everyone; disabling the plugin takes it out of the
next draft. (Loading an embed only after the click: tests/e2e/test_embeds.py.)"""

from __future__ import annotations

import pytest

from core import plugin_allowances
from tenants.scope import platform_transaction
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def _transfers(text_html: str) -> str:
    return text_html.split('id="transfers"')[1].split("</section>")[0]


async def test_admin_enables_a_plugin_and_the_notice_changes(make_tenant, live_server, page):
    t = await make_tenant(name="Seloste Oy")
    async with platform_transaction():
        await plugin_allowances.set_allowed(t.slug, "social_embeds", True, changed_by="op@x")
    base = f"{live_server}/t/{t.slug}"
    await sign_in(page, base)

    await page.goto(f"{base}/admin/privacy-notice/")
    draft = page.get_by_test_id("notice-draft")
    assert "Google" not in _transfers(await draft.inner_html())

    await page.goto(f"{base}/admin/plugins/")
    plugin = page.locator('[data-plugin="social_embeds"]')
    await plugin.get_by_label("Ota käyttöön: Sosiaalisen median upotukset").check()
    await plugin.get_by_role("button", name="Tallenna").click()
    await page.wait_for_url("**/admin/plugins/?done=saved")
    assert "Käytössä" in await page.locator('[data-plugin="social_embeds"] h2').inner_text()

    await page.goto(f"{base}/admin/privacy-notice/")
    transfers = _transfers(await page.get_by_test_id("notice-draft").inner_html())
    assert "Google LLC (YouTube)" in transfers and "Data Privacy Framework" in transfers
    await page.get_by_label("Olen tarkistanut luonnoksen").check()
    await page.get_by_role("button", name="Julkaise uusi versio").click()
    await page.screenshot(path="/tmp/kortisto-e2e-plugin-notice.png", full_page=True)

    public = await page.context.new_page()  # anyone, in Swedish
    await public.goto(f"{base}/privacy-notice/?lang=sv")
    notice = _transfers(await public.get_by_test_id("privacy-notice").inner_html())
    assert "Google LLC (YouTube)" in notice and "dataskyddsramen mellan EU och USA" in notice
    await public.close()

    await page.goto(f"{base}/admin/plugins/")
    plugin = page.locator('[data-plugin="social_embeds"]')
    await plugin.get_by_label("Ota käyttöön: Sosiaalisen median upotukset").uncheck()
    await plugin.get_by_role("button", name="Tallenna").click()
    await page.wait_for_url("**/admin/plugins/?done=saved")
    await page.goto(f"{base}/admin/privacy-notice/")
    assert "Google" not in _transfers(await page.get_by_test_id("notice-draft").inner_html())
