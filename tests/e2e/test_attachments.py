"""Browser test of attachments on a content item: a staff member uploads a real PNG through
the file input of a private meeting's page (the <progress> bar shows the upload and HTMX swaps
the list in), finds it listed with its name and size, downloads it through the link (a 303 to
a presigned S3 link) and gets the same bytes; a staff member who does not take part in the
meeting gets 404 for the same download URL."""

import re
import struct
import zlib
from pathlib import Path

import pytest

from core.accounts import create_user
from core.content import ContentInput, create_item
from core.db import DB
from core.visibility import viewer_for_user
from tenants.scope import tenant_scope
from tests.conftest import _PASSWORD_HASH
from tests.e2e.conftest import sign_in
from tests.support.auth_client import user_email

pytestmark = pytest.mark.e2e

TITLE = "Yrityskaupan neuvottelu 4/2026"
FILENAME = "Pohjapiirros 2026.png"


def _png(width: int = 200, height: int = 200) -> bytes:
    """A real (decodable) RGB PNG whose pixels do not compress: ~120 KB, so the upload is
    sent in more than one piece and the progress bar has something to show."""
    seed = 0x2026
    rows = bytearray()
    for _y in range(height):
        rows.append(0)  # filter: none
        for _x in range(width * 3):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            rows.append(seed >> 16 & 0xFF)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


PNG = _png()

# Every value the <progress> bar takes while the form is being sent, read right after
# web/static/attachments.js updated it (listeners on document run in the order added).
RECORD_PROGRESS = """() => {
  window.__progress = [];
  const bar = () => document.querySelector("#attachments [data-upload-progress]");
  document.addEventListener("htmx:beforeRequest", () =>
    window.__progress.push({event: "start", hidden: bar().hidden, value: bar().value}));
  document.addEventListener("htmx:xhr:progress", (e) =>
    window.__progress.push({event: "progress", hidden: bar().hidden, value: bar().value,
                            loaded: e.detail.loaded, total: e.detail.total}));
}"""


@pytest.fixture
async def private_meeting(make_tenant, live_server):
    names = await make_tenant(name="Liitteet Oy")
    async with tenant_scope(names.slug):
        conn = DB.current_connection()
        staff = await conn.fetchval(
            "SELECT id FROM app_user WHERE email = $1", user_email(names.slug, "staff")
        )
        item = await create_item(
            await viewer_for_user(staff, "staff"),
            ContentInput(kind="meeting", title=TITLE, private=True),
        )
        # A second staff member who does not take part (signs in as "colleague@<slug>...").
        colleague = await create_user(f"colleague@{names.slug}.example", role="staff")
        await conn.execute(
            "UPDATE app_user SET password_hash = $2 WHERE id = $1", colleague, _PASSWORD_HASH[0]
        )
    return f"{live_server}/t/{names.slug}", item


async def test_upload_shows_progress_lists_the_file_and_downloads_the_same_bytes(
    private_meeting, page, browser, tmp_path: Path
):
    url, item = private_meeting
    item_url = f"{url}/content/{item}"
    await sign_in(page, url, role="staff")
    await page.goto(item_url)
    assert await page.get_by_role("heading", level=1).inner_text() == TITLE
    section = page.get_by_test_id("attachments")
    assert await section.get_by_test_id("attachments-empty").is_visible()
    bar = section.locator("progress[data-upload-progress]")
    assert await bar.is_hidden()
    await page.wait_for_function("() => window.kortistoAttachments === true")
    await page.evaluate(RECORD_PROGRESS)

    await section.get_by_label("Lisää liite").set_input_files(
        {"name": FILENAME, "mimeType": "image/png", "buffer": PNG}
    )
    async with page.expect_response(
        lambda r: r.request.method == "POST" and "/attachments/item/" in r.url
    ) as answer:
        await section.get_by_role("button", name="Lataa liite").click()
    response = await answer.value
    assert response.status == 200, await response.text()
    # The answer is the section itself, swapped in by HTMX (no page load).
    assert response.request.headers.get("hx-request") == "true"
    row = page.get_by_test_id("attachment-row").filter(has_text=FILENAME)
    await row.wait_for(state="visible", timeout=5000)
    assert page.url == item_url
    await page.get_by_role("status").filter(has_text=f"Liite {FILENAME} ladattiin").wait_for()

    progress = await page.evaluate("window.__progress")
    assert progress[0] == {"event": "start", "hidden": False, "value": 0}, progress
    uploads = [p for p in progress if p["event"] == "progress" and p["total"] >= len(PNG)]
    assert uploads, progress
    assert all(not p["hidden"] for p in uploads), progress
    assert uploads[-1]["loaded"] == uploads[-1]["total"] and uploads[-1]["value"] == 100

    # Listed with its name, type and size in Finnish (120 KB -> "117,x kt").
    cells = await row.locator("td").all_inner_texts()
    assert cells[0] == "PNG", cells
    kib = f"{len(PNG) / 1024:.1f}".replace(".", ",")
    assert cells[1] == f"{kib} kt", (cells, len(PNG))
    link = row.get_by_role("link", name=f"{FILENAME} (lataa)", exact=True)
    download_url = await link.get_attribute("href")
    assert download_url and re.fullmatch(r"/t/[^/]+/attachment/[0-9a-f-]{36}", download_url)

    # Download through the link: our route answers 303 to a presigned S3 link.
    async with page.expect_download() as pending:
        await link.click()
    download = await pending.value
    assert download.suggested_filename == FILENAME
    saved = tmp_path / "downloaded.png"
    await download.save_as(saved)
    assert saved.read_bytes() == PNG
    assert "X-Amz-Signature=" in download.url and "X-Amz-Expires=60" in download.url
    # The same through the page's session, one step at a time.
    origin = url.split("/t/", 1)[0]
    redirect = await page.request.get(f"{origin}{download_url}", max_redirects=0)
    assert redirect.status == 303 and redirect.headers["cache-control"] == "no-store"
    presigned = redirect.headers["location"]
    assert presigned.split("?")[0] == download.url.split("?")[0]
    fetched = await page.request.get(presigned)
    assert fetched.status == 200 and await fetched.body() == PNG
    await page.screenshot(path="/tmp/kortisto-attachments-item-page.png", full_page=True)

    context = await browser.new_context(locale="fi-FI")
    other = await context.new_page()
    try:
        await sign_in(other, url, role="colleague")
        answer = await other.goto(f"{origin}{download_url}")
        assert answer.status == 404
        body = await other.content()
        assert FILENAME not in body and TITLE not in body and "X-Amz" not in body
        answer = await other.goto(item_url)
        assert answer.status == 404
    finally:
        await context.close()
