"""The demo web client in a real browser (headless Chromium): sign in, upload a real selfie, see the results.

The page talks to a live server only through the public REST API with a token; Celery runs eagerly, so the
analysis job has finished when the upload's answer arrives and the page follows it on the jobs endpoint.
"""

import io

import pytest
from PIL import Image
from pillow_heif import from_pillow
from rest_framework.authtoken.models import Token

from beautyrec.recommender.models import Interaction, Product
from beautyrec.recommender.services.catalog import import_catalog, rows_to_csv
from beautyrec.recommender.services.demo_catalog import demo_rows
from beautyrec.recommender.services.query import MAX_QUERY_LENGTH
from gan.models import Preview
from recognition.models import Face
from tests.conftest import FIXTURES
from tests.web.conftest import launch

PASSWORD = "demo-pass-123"
pytestmark = pytest.mark.browser


@pytest.fixture
def demo_user(django_user_model):
    return django_user_model.objects.create_user("demo", password=PASSWORD)


@pytest.fixture
def catalogue():
    import_catalog(content=rows_to_csv(demo_rows(FIXTURES / "shared_subset")), filename="sample.csv")


# Mean absolute difference (0-255) between a card's before and after images, drawn at the same size.
BEFORE_AFTER_DIFFERENCE = """card => {
    const size = 96, canvas = document.createElement('canvas');
    canvas.width = canvas.height = size;
    const ctx = canvas.getContext('2d');
    const pixels = img => { ctx.drawImage(img, 0, 0, size, size); return ctx.getImageData(0, 0, size, size).data; };
    const a = pixels(card.querySelector('img.before')), b = pixels(card.querySelector('img.after'));
    let total = 0;
    for (let i = 0; i < a.length; i++) if (i % 4 !== 3) total += Math.abs(a[i] - b[i]);
    return total / (size * size * 3);
}"""


def sign_in(page, live_server) -> None:
    page.goto(live_server.url + "/")
    page.fill("#username", "demo")
    page.fill("#password", PASSWORD)
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#selfie:not([hidden])")


def test_the_page_is_served_with_local_assets_only(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<script src="/static/web/app.js">' in html
    assert "http://" not in html and "https://" not in html  # no CDN
    assert '"monk_swatches": ["#f6ede4"' in html


def test_wrong_password_shows_the_api_error(page, live_server, demo_user):
    page.goto(live_server.url + "/")
    page.fill("#password", "not-the-password")
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#messages .error")
    assert "invalid_credentials" in page.inner_text("#messages")
    assert page.is_visible("#sign-in")


def test_a_revoked_token_brings_back_the_sign_in_form(page, live_server, demo_user):
    sign_in(page, live_server)
    Token.objects.filter(user=demo_user).delete()
    page.set_input_files("#selfie-file", str(FIXTURES / "obama.jpg"))
    page.wait_for_selector("#messages .error")
    assert "(authentication_failed)" in page.inner_text("#messages .error")
    assert page.is_visible("#sign-in") and page.is_hidden("#selfie")
    assert page.evaluate("() => sessionStorage.getItem('beautyrec.token')") is None


def test_full_flow_in_chromium(page, live_server, demo_user, catalogue, test_output):
    sign_in(page, live_server)
    assert page.inner_text("#signed-in-as") == "signed in as demo"
    page.set_input_files("#selfie-file", str(FIXTURES / "obama.jpg"))
    page.wait_for_selector("#analysis:not([hidden])", timeout=120_000)

    face = Face.objects.get(photo__owner=demo_user, index=0)
    skin, attributes = face.attributes["skin"], face.attributes
    assert page.get_attribute("#photo-canvas", "data-faces") == "1"
    assert page.get_attribute("#analysis-progress", "data-status") == "succeeded"
    assert "100%" in page.inner_text("#analysis-progress .job-label")
    assert page.get_attribute("[data-attr=skin] .swatch", "data-hex") == skin["hex"]
    assert page.get_attribute("[data-attr=monk] [data-monk]", "data-monk") == str(skin["monk"])
    assert page.inner_text("[data-attr=monk]").endswith(f"Monk {skin['monk']} of 10")
    assert page.inner_text("[data-attr=undertone]") == attributes["undertone"]["label"]
    assert page.inner_text("[data-attr=face_shape]") == attributes["face_shape"]["label"]
    assert page.inner_text("[data-attr=age]").startswith(attributes["age"]["band"])
    # The real pipeline on this photo: an adult man with medium skin (see the recognition tests).
    assert 3 <= skin["monk"] <= 7
    assert attributes["age"]["band"] in {"35-44", "45-54", "55-64"}
    # The landmarks are drawn over the photo: the canvas is the photo's size and not blank.
    assert page.evaluate("""() => {
        const c = document.querySelector('#photo-canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let coloured = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 250 && d[i + 1] < 100 && d[i + 2] > 140) coloured++;
        return [c.width, c.height, coloured > 50];
    }""") == [face.photo.width, face.photo.height, True]

    # Recommendation cards: 3 foundations and 3 lipsticks, each with its shade swatch and reasons, and a
    # before/after preview rendered in one preview job.
    page.wait_for_function("document.querySelectorAll('.rec-card[data-preview=ready]').length === 6",
                           timeout=180_000)
    cards = page.query_selector_all(".rec-card")
    assert [c.evaluate("c => c.closest('.category').dataset.category") for c in cards] == \
        ["foundation"] * 3 + ["lipstick"] * 3
    for card in cards:
        product = Product.objects.get(pk=int(card.get_attribute("data-product")))
        assert card.query_selector("header .swatch").get_attribute("data-hex") == product.shade_hex
        assert product.brand in card.inner_text()
        assert card.query_selector_all("ul.reasons li")
        assert card.query_selector("img.after").evaluate("i => i.complete && i.naturalWidth") > 0
        assert card.evaluate(BEFORE_AFTER_DIFFERENCE) > 0.3  # the shade was rendered on the face
    preview = Preview.objects.get(owner=demo_user)
    assert sorted(i["product"] for i in preview.items) == sorted(int(c.get_attribute("data-product")) for c in cards)
    page.wait_for_function("document.querySelectorAll('.rec-card .preview-status').length === 6")
    kinds = list(Interaction.objects.filter(user=demo_user).values_list("kind", flat=True))
    assert (kinds.count("view"), kinds.count("try_on")) == (6, 6)

    # Transfer a reference look with each method: the GAN (the shipped makeup_gan checkpoint), then the
    # analytic colour transfer, whose result stays on the page for the screenshot.
    reference = str(sorted((FIXTURES / "makeup" / "images").glob("*_makeup_*"))[0])
    shown = None
    for method in ("gan", "analytic"):
        page.select_option("#transfer-method", method)
        page.set_input_files("#reference-file", [])  # so that the same file is a change again
        page.set_input_files("#reference-file", reference)
        page.wait_for_function("""previous => {
            const box = document.querySelector('#transfer-result'), after = box.querySelector('img.after');
            return !box.hidden && box.dataset.preview && box.dataset.preview !== previous
                && after.complete && after.naturalWidth > 0;
        }""", arg=shown, timeout=120_000)
        shown = page.get_attribute("#transfer-result", "data-preview")
        look = Preview.objects.get(pk=shown, owner=demo_user)
        assert look.method == method and look.reference_photo_id is not None
    page.screenshot(path=str(test_output / "e2e.png"), full_page=True)


def test_photo_without_a_face_shows_the_job_error(page, live_server, demo_user, tmp_path):
    suit = tmp_path / "suit.jpg"
    Image.open(FIXTURES / "obama.jpg").convert("RGB").crop((150, 600, 750, 1100)).save(suit, quality=90)
    sign_in(page, live_server)
    page.set_input_files("#selfie-file", str(suit))
    page.wait_for_selector("#messages .error", timeout=120_000)
    assert page.inner_text("#messages .error") == "Analysis failed: No face was found in the image. (no_face)"
    assert page.get_attribute("#analysis-progress", "data-status") == "failed"
    assert page.is_hidden("#analysis") and page.is_hidden("#recommendations")


def test_heic_selfie_is_shown_from_the_services_jpeg(page, live_server, demo_user, tmp_path):
    # Chromium cannot decode HEIC; the page falls back to GET /photos/{id}/image/ and still draws the photo.
    heic = tmp_path / "selfie.heic"
    from_pillow(Image.open(FIXTURES / "obama.jpg").convert("RGB").reduce(2)).save(str(heic), quality=90)
    sign_in(page, live_server)
    page.set_input_files("#selfie-file", str(heic))
    page.wait_for_selector("#analysis:not([hidden])", timeout=120_000)
    face = Face.objects.get(photo__owner=demo_user, index=0)
    assert face.photo.source_format == "HEIF"
    left, top, right, bottom = face.box
    # Inside the face box, the canvas shows skin, not the grey a missing photo would leave.
    r, g, b = page.evaluate(f"""() => Array.from(document.querySelector('#photo-canvas').getContext('2d')
        .getImageData({(left + right) / 2 + 30}, {(top + bottom) / 2 + 30}, 1, 1).data.slice(0, 3))""")
    assert r > g > b and (r, g, b) != (0xDD, 0xDD, 0xDD)


def test_camera_selfie(playwright, live_server, demo_user, tmp_path):
    # Chromium's fake camera plays an MJPEG file: frames of a real selfie stand in for a webcam.
    frame = Image.open(FIXTURES / "obama.jpg").convert("RGB").resize((640, 800)).crop((0, 40, 640, 520))
    buf = io.BytesIO()
    frame.save(buf, format="JPEG", quality=90)
    video = tmp_path / "camera.mjpeg"
    video.write_bytes(buf.getvalue() * 5)
    chromium = launch(playwright, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                      f"--use-file-for-fake-video-capture={video}")
    try:
        page = chromium.new_context(permissions=["camera"]).new_page()
        sign_in(page, live_server)
        page.click("#camera-start")
        page.wait_for_function("document.querySelector('#camera').videoWidth > 0", timeout=20_000)
        page.click("#camera-capture")
        page.wait_for_selector("#analysis:not([hidden])", timeout=120_000)
        assert page.get_attribute("#photo-canvas", "data-faces") == "1"
        assert page.is_hidden("#camera")  # the camera is released after the shot
        photo = Face.objects.get(photo__owner=demo_user, index=0).photo
        assert (photo.source_format, photo.width, photo.height) == ("JPEG", 640, 480)
    finally:
        chromium.close()


def search(page, q: str) -> None:
    page.fill("#search-q", q)
    page.click("#search-form button[type=submit]")


def test_search_in_words_shows_what_was_understood_and_the_matches(page, live_server, demo_user, catalogue):
    sign_in(page, live_server)
    assert page.is_visible("#search")  # no selfie needed
    search(page, "red lipstick under $50")
    page.wait_for_selector("#search-understood:not([hidden])")
    chips = [c.inner_text() for c in page.query_selector_all("#search-understood .chip")]
    assert chips == ["under $50 → price", "red → colour family", "lipstick → category"]
    assert page.inner_text("#search-understood .matching") == "1 products match."
    [card] = page.query_selector_all("#search-results .rec-card")
    product = Product.objects.get(pk=int(card.get_attribute("data-product")))
    assert (product.brand, product.shade_name, str(product.price)) == ("Yves Saint Laurent", "14 一见倾心", "45.99")
    assert card.query_selector("ul.reasons li").inner_text() == 'matches "under $50", "red", "lipstick"'
    assert card.query_selector("header .swatch").get_attribute("data-hex") == product.shade_hex
    assert not card.query_selector(".before-after")  # search cards carry no preview
    for _ in range(50):  # the view event is sent after the cards are shown
        if Interaction.objects.filter(user=demo_user).exists():
            break
        page.wait_for_timeout(100)
    assert list(Interaction.objects.filter(user=demo_user).values_list("kind", "product_id")) == [
        ("view", product.id)]


def test_contradictions_are_explained_and_an_overlong_query_shows_its_code(page, live_server, demo_user, catalogue):
    sign_in(page, live_server)
    search(page, "matte gloss lipstick")
    page.wait_for_selector("#search-understood:not([hidden])")
    dropped = page.query_selector_all("#search-understood .dropped")
    assert [d.get_attribute("data-reason") for d in dropped] == ["contradiction", "no_match"]
    assert dropped[0].inner_text() == 'Ignored "gloss": it contradicts what you said first.'
    assert dropped[1].inner_text() == 'Ignored "matte": no product matches it.'
    assert page.get_attribute("#search-results", "data-count") == str(
        len(page.query_selector_all("#search-results .rec-card"))) != "0"
    search(page, "x" * (MAX_QUERY_LENGTH + 1))
    page.wait_for_selector("#messages .error")
    assert page.inner_text("#messages .error").endswith("(query_too_long)")
    assert page.is_hidden("#search-understood") and not page.query_selector_all("#search-results .rec-card")
