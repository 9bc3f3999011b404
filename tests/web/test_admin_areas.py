"""Admin pages for business areas and users' membership: admins only, errors that say what to do."""

import re

from core.db import DB
from tenants.scope import tenant_scope
from tests.support.auth_client import SignedInClient

HX = {"HX-Request": "true"}


async def _area_id(slug, name):
    async with tenant_scope(slug):
        return await DB.current_connection().fetchval(
            "SELECT id FROM business_area WHERE name = $1", name
        )


async def _user_id(slug, role):
    async with tenant_scope(slug):
        return await DB.current_connection().fetchval(
            "SELECT id FROM app_user WHERE role = $1", role
        )


async def test_list_add_rename_archive_restore(client, make_tenant):
    t = await make_tenant()
    base = f"/t/{t.slug}/admin/areas"
    page = await client.get(f"{base}/")
    assert page.status_code == 200
    for name in ("Myynti", "Tuotanto", "Asiakaspalvelu"):
        assert name in page.text

    # Without JavaScript: post, then redirect back with a notice.
    added = await client.post(f"{base}/", data={"name": "Hallinto"}, follow_redirects=False)
    assert added.status_code == 303
    listed = await client.get(added.headers["location"])
    assert "Alue ”Hallinto” lisättiin." in listed.text
    area = await _area_id(t.slug, "Hallinto")

    renamed = await client.post(
        f"{base}/{area}/rename", data={"name": "Talous"}, follow_redirects=False
    )
    assert renamed.status_code == 303
    assert "Alueen uusi nimi on ”Talous”." in (await client.get(renamed.headers["location"])).text

    # With HTMX: only the list region comes back, the result goes to the live region.
    archived = await client.post(f"{base}/{area}/archive", headers=HX)
    assert archived.status_code == 200
    assert "<html" not in archived.text and 'hx-swap-oob="innerHTML"' in archived.text
    assert "arkistoitiin" in archived.text
    archived_table = re.search(r'data-testid="archived-areas".*?</table>', archived.text, re.S)
    assert "Talous" in archived_table.group(0)
    restored = await client.post(f"{base}/{area}/restore", headers=HX)
    assert "palautettiin käyttöön" in restored.text
    active_table = re.search(r'data-testid="active-areas".*?</table>', restored.text, re.S)
    assert "Talous" in active_table.group(0)


async def test_errors_name_the_problem_and_keep_the_typed_text(client, make_tenant):
    t = await make_tenant()
    base = f"/t/{t.slug}/admin/areas"
    dup = await client.post(f"{base}/", data={"name": "myynti"})
    assert dup.status_code == 400
    assert "Alue ”myynti” on jo olemassa" in dup.text
    assert 'value="myynti"' in dup.text and 'aria-invalid="true"' in dup.text
    empty = await client.post(f"{base}/", data={"name": "  "}, headers=HX)
    assert empty.status_code == 400 and "Alueen nimi puuttuu" in empty.text
    assert "<html" not in empty.text
    long = await client.post(f"{base}/", data={"name": "x" * 101})
    assert "enintään 100 merkkiä" in long.text
    sales = await _area_id(t.slug, "Myynti")
    clash = await client.post(f"{base}/{sales}/rename", data={"name": "TUOTANTO"})
    assert clash.status_code == 400 and "Alue ”TUOTANTO” on jo olemassa" in clash.text
    assert 'value="TUOTANTO"' in clash.text
    await client.post(f"{base}/{sales}/archive")
    again = await client.post(f"{base}/", data={"name": "Myynti"})
    assert "Arkistoitu alue ”Myynti” on jo olemassa" in again.text
    assert (await client.get(f"{base}/not-an-id")).status_code == 404
    assert (await client.post(f"{base}/{t.slug}/archive")).status_code == 404


async def test_membership_on_the_user_page_and_members_on_the_area_page(client, make_tenant):
    t = await make_tenant()
    staff = await _user_id(t.slug, "staff")
    sales, support = await _area_id(t.slug, "Myynti"), await _area_id(t.slug, "Asiakaspalvelu")
    user_page = await client.get(f"/t/{t.slug}/admin/users/{staff}")
    assert user_page.status_code == 200 and 'name="area"' in user_page.text

    saved = await client.post(
        f"/t/{t.slug}/admin/users/{staff}/areas",
        data={"area": [str(sales), str(support)]},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    area_page = await client.get(f"/t/{t.slug}/admin/areas/{sales}")
    assert f"staff@{t.slug}.example" in area_page.text
    users = await client.get(f"/t/{t.slug}/admin/users")
    assert "Asiakaspalvelu, Myynti" in users.text

    # Unset one with HTMX: the form comes back with the boxes as saved.
    fragment = await client.post(
        f"/t/{t.slug}/admin/users/{staff}/areas", data={"area": str(support)}, headers=HX
    )
    assert fragment.status_code == 200 and "tallennettiin" in fragment.text
    assert re.search(rf'value="{support}" checked', fragment.text)
    assert not re.search(rf'value="{sales}" checked', fragment.text)
    area_page = await client.get(f"/t/{t.slug}/admin/areas/{sales}")
    assert f"staff@{t.slug}.example" not in area_page.text
    assert "Alueella ei ole jäseniä" in area_page.text

    # An archived area cannot be given to anyone.
    await client.post(f"/t/{t.slug}/admin/areas/{sales}/archive")
    refused = await client.post(
        f"/t/{t.slug}/admin/users/{staff}/areas", data={"area": [str(sales), str(support)]}
    )
    assert refused.status_code == 400 and "Arkistoitua aluetta ei voi antaa" in refused.text
    async with tenant_scope(t.slug):
        from core.business_areas import user_area_ids

        assert await user_area_ids(staff) == {support}
    bogus = await client.post(f"/t/{t.slug}/admin/users/{staff}/areas", data={"area": "x"})
    assert bogus.status_code == 400


async def test_staff_cannot_reach_area_admin(anon_client, make_tenant):
    t = await make_tenant()
    sales = await _area_id(t.slug, "Myynti")
    admin_id = await _user_id(t.slug, "admin")
    staff = SignedInClient(anon_client, role="staff")
    await staff.sign_in(t.slug)
    for method, path in (
        ("GET", "/admin/areas/"),
        ("POST", "/admin/areas/"),
        ("GET", f"/admin/areas/{sales}"),
        ("POST", f"/admin/areas/{sales}/rename"),
        ("POST", f"/admin/areas/{sales}/archive"),
        ("POST", f"/admin/areas/{sales}/restore"),
        ("GET", f"/admin/users/{admin_id}"),
        ("POST", f"/admin/users/{admin_id}/areas"),
    ):
        r = await staff.request(method, f"/t/{t.slug}{path}", data={"name": "Oma"})
        assert r.status_code == 403, (method, path, r.status_code)
    async with tenant_scope(t.slug):
        assert not await DB.current_connection().fetchval(
            "SELECT 1 FROM business_area WHERE name = 'Oma'"
        )
