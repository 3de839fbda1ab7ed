"""The image library: upload, re-encode, store, serve, list and delete (both backends).

Every upload goes through the real form (CSRF included) as a marketer; files land in the test's
own instance folder, which is looked at directly.
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

import pytest
from PIL import Image as PILImage
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import csrf_from, log_in
from winlas_site.auth.models import User
from winlas_site.media import personal_data, processing
from winlas_site.media.models import Image, image_size
from winlas_site.rights import Person

LIBRARY = "/redaktion/bilder"
MARKETER = "marknad@exempel.se"
GPS_IFD = 0x8825
ORIENTATION = 0x0112


# pictures -------------------------------------------------------------------------------------


def png_with_gps(size=(300, 150)) -> bytes:
    """A PNG carrying an EXIF block with a GPS position (the eXIf chunk)."""
    image = PILImage.new("RGB", size, (30, 110, 160))
    exif = PILImage.Exif()
    exif[0x010F] = "Kamerafabriken"  # Make
    exif[GPS_IFD] = {1: "N", 2: (59.0, 19.0, 48.0), 3: "E", 4: (18.0, 4.0, 7.0)}
    buffer = io.BytesIO()
    image.save(buffer, "PNG", exif=exif)
    return buffer.getvalue()


def jpeg_turned(size=(40, 20), orientation=6) -> bytes:
    """A JPEG stored lying down whose EXIF says: turn it 90° to show it."""
    exif = PILImage.Exif()
    exif[ORIENTATION] = orientation
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (250, 200, 0)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def noise_png(width: int, height: int) -> bytes:
    """Random pixels: PNG cannot compress them, so the file is about width*height*3 bytes."""
    image = PILImage.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


def plain(fmt: str, size=(12, 8), mode="RGB", **options) -> bytes:
    buffer = io.BytesIO()
    PILImage.new(mode, size, 0).save(buffer, fmt, **options)
    return buffer.getvalue()


def bomb_png() -> bytes:
    """64 megapixels in a few kilobytes: a one-bit PNG of one colour."""
    buffer = io.BytesIO()
    PILImage.new("1", (8000, 8000), 0).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


# helpers ----------------------------------------------------------------------------------------


@pytest.fixture
def marketer(login_as):
    login_as(MARKETER, "marketer")


def media_folder(app) -> Path:
    return Path(app.instance_path) / "media"


def stored_files(app) -> list[str]:
    folder = media_folder(app)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def upload(client, data: bytes | None, filename="bild.png", content_type="image/png", **fields):
    page = client.get(LIBRARY)
    assert page.status_code == 200
    form = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "alt_sv": "Bibliotekarie vid lånedisken",
        "alt_en": "",
        **fields,
    }
    if data is not None:
        form["image"] = FileStorage(io.BytesIO(data), filename, content_type=content_type)
    return post_multipart(client, LIBRARY, form)


def post_multipart(client, url: str, form: dict):
    """POST ``form`` as multipart/form-data, encoded in memory: the test client's own encoding
    spools a large body to a temporary file that is left open when the app answers 413."""
    boundary, body = encode_multipart(form)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def only_image(app) -> Image:
    with app.app_context():
        images = list(Image.select())
    assert len(images) == 1
    return images[0]


# upload ------------------------------------------------------------------------------------------


def test_a_png_with_gps_data_is_stored_as_webp_without_metadata_and_scaled(
    app, client, marketer, caplog
):
    app.config["WINLAS_MEDIA_MAX_WIDTH"] = 100
    original = png_with_gps((300, 150))
    # the test picture really carries a position, so its absence below means something
    assert PILImage.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)[2] == (59.0, 19.0, 48.0)

    with caplog.at_level(logging.INFO, logger="winlas.media"):
        response = upload(client, original, filename="../../Hösttävling 2026.png", alt_en="Desk")
    assert response.status_code == 303
    image = only_image(app)
    assert response.headers["Location"].endswith(f"{LIBRARY}#bild-{image.id}")
    assert (image.content_type, image.width, image.height) == ("image/webp", 100, 50)
    assert image.file_name.endswith(".webp") and len(image.file_name) == 37
    assert image.original_name == "Hösttävling 2026.png"  # no folders
    assert (image.alt_sv, image.alt_en) == ("Bibliotekarie vid lånedisken", "Desk")
    with app.app_context():
        assert image.uploaded_by_id == User.get(User.email == MARKETER).id
    assert f"uploaded image={image.file_name}" in caplog.text

    stored = (media_folder(app) / image.file_name).read_bytes()
    assert image.byte_size == len(stored)
    decoded = PILImage.open(io.BytesIO(stored))
    assert decoded.format == "WEBP" and decoded.size == (100, 50)
    assert "exif" not in decoded.info and not decoded.getexif()
    assert "xmp" not in decoded.info and "icc_profile" not in decoded.info
    # no EXIF or XMP chunk in the RIFF container, and nothing of the camera's text
    for marker in (b"EXIF", b"XMP ", b"Kamerafabriken", b"GPS"):
        assert marker not in stored
    # the colour survived the re-encoding
    red, green, blue = decoded.convert("RGB").getpixel((50, 25))
    assert abs(red - 30) < 8 and abs(green - 110) < 8 and abs(blue - 160) < 8

    page = client.get(LIBRARY)
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert f"![Bibliotekarie vid lånedisken](/media/{image.file_name})" in html
    assert (
        f'<img src="/media/{image.file_name}" width="100" height="50" '
        f'alt="Bibliotekarie vid lånedisken" loading="lazy"' in html
    )
    assert "Hösttävling 2026.png" in html and "Bilden är uppladdad." in html


def test_a_photo_is_turned_upright_by_its_exif_orientation(app, client, marketer):
    response = upload(client, jpeg_turned((40, 20), 6), filename="foto.jpg", content_type="")
    assert response.status_code == 303
    image = only_image(app)
    assert (image.width, image.height) == (20, 40)
    with PILImage.open(media_folder(app) / image.file_name) as stored:
        assert stored.size == (20, 40) and not stored.getexif()


@pytest.mark.parametrize(
    "data,filename,width,height",
    [
        (plain("GIF", (30, 10), "P"), "animering.gif", 30, 10),
        (plain("WEBP", (16, 9)), "bild.webp", 16, 9),
        (plain("PNG", (5, 7), "RGBA"), "logga.png", 5, 7),
    ],
)
def test_gif_webp_and_transparent_png_are_accepted(
    app, client, marketer, data, filename, width, height
):
    assert upload(client, data, filename=filename).status_code == 303
    image = only_image(app)
    assert (image.width, image.height, image.content_type) == (width, height, "image/webp")


def test_transparency_is_kept(app, client, marketer):
    picture = PILImage.new("RGBA", (10, 10), (255, 0, 0, 0))
    picture.putpixel((5, 5), (0, 0, 255, 255))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    assert upload(client, buffer.getvalue()).status_code == 303
    with PILImage.open(media_folder(app) / only_image(app).file_name) as file:
        stored = file.convert("RGBA")
    assert stored.getpixel((0, 0))[3] == 0 and stored.getpixel((5, 5)) == (0, 0, 255, 255)


def test_the_first_frame_of_an_animated_gif_is_stored(app, client, marketer):
    frames = [PILImage.new("P", (8, 8), colour) for colour in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert upload(client, buffer.getvalue(), filename="anim.gif").status_code == 303
    with PILImage.open(media_folder(app) / only_image(app).file_name) as stored:
        assert getattr(stored, "n_frames", 1) == 1


def test_the_same_picture_twice_is_one_file_and_one_row(app, client, marketer):
    picture = png_with_gps((60, 40))
    assert upload(client, picture).status_code == 303
    again = upload(client, picture, filename="kopia.png", alt_sv="Annan text")
    assert again.status_code == 303
    assert len(stored_files(app)) == 1
    image = only_image(app)
    assert image.original_name == "bild.png" and image.alt_sv == "Bibliotekarie vid lånedisken"
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Bilden finns redan i biblioteket." in page


def test_an_upload_above_the_sites_body_limit_but_within_the_media_limit_is_stored(
    app, client, marketer
):
    """WINLAS_MAX_CONTENT_LENGTH (1 MB) is lower than WINLAS_MEDIA_MAX_BYTES (5 MB)."""
    data = noise_png(800, 600)  # about 1.4 MB
    assert app.config["MAX_CONTENT_LENGTH"] < len(data) < app.config["WINLAS_MEDIA_MAX_BYTES"]
    response = upload(client, data, filename="brus.png")
    assert response.status_code == 303
    assert only_image(app).width == 800


def test_a_body_far_above_the_media_limit_is_a_413_and_stores_nothing(app, client, marketer):
    too_large = app.config["WINLAS_MEDIA_MAX_BYTES"] + 100_000
    response = upload(client, b"\0" * too_large + plain("PNG"))
    assert response.status_code == 413
    assert stored_files(app) == []


def test_the_larger_body_limit_is_only_for_the_upload(app, client, marketer):
    """A file as large elsewhere still meets the site's limit (WINLAS_MAX_CONTENT_LENGTH)."""
    data = noise_png(800, 600)
    response = post_multipart(
        client, "/kontakt/fraga", {"image": FileStorage(io.BytesIO(data), "brus.png")}
    )
    assert response.status_code == 413


# refusals: each a 400 with the form's message, nothing stored ----------------------------------


REFUSALS = {
    "text renamed .png": (b"Det h\xc3\xa4r \xc3\xa4r ingen bild.\n" * 20, "bild.png", "image/png"),
    "svg": (SVG, "logga.svg", "image/svg+xml"),
    "svg renamed .png": (SVG, "logga.png", "image/png"),
    "html": (b"<html><script>alert(1)</script></html>", "bild.gif", "image/gif"),
    "truncated png": (png_with_gps((50, 50))[:-40], "trasig.png", "image/png"),
    "bmp": (plain("BMP"), "bild.bmp", "image/bmp"),
    "tiff": (plain("TIFF"), "bild.tif", "image/tiff"),
    "empty file": (b"", "tom.png", "image/png"),
}
MESSAGES = {
    "text renamed .png": "Filen är ingen bild i formatet JPEG, PNG, WebP eller GIF.",
    "svg": "Filen är ingen bild i formatet JPEG, PNG, WebP eller GIF.",
    "svg renamed .png": "Filen är ingen bild i formatet JPEG, PNG, WebP eller GIF.",
    "html": "Filen är ingen bild i formatet JPEG, PNG, WebP eller GIF.",
    "truncated png": "Bilden är skadad eller ofullständig och kan inte läsas.",
    "bmp": "Filen är ingen bild i formatet JPEG, PNG, WebP eller GIF.",
    "tiff": "Filen är ingen bild i formatet JPEG, PNG, WebP eller GIF.",
    "empty file": "Filen är tom.",
}


def assert_refused(app, response, message: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 400, response.status_code
    assert message in html
    # the message stands beside the file field, and the field says it is wrong
    assert 'id="image-error"' in html or 'id="alt_sv-error"' in html
    with app.app_context():
        assert Image.select().count() == 0
    assert stored_files(app) == []


@pytest.mark.parametrize("case", list(REFUSALS))
def test_what_is_not_an_accepted_image_is_refused(app, client, marketer, case, caplog):
    data, filename, content_type = REFUSALS[case]
    with caplog.at_level(logging.INFO, logger="winlas.media"):
        response = upload(client, data, filename=filename, content_type=content_type)
    assert_refused(app, response, MESSAGES[case])
    assert "refused upload" in caplog.text


def test_an_oversized_file_is_refused_with_the_limit_in_the_message(app, client, marketer):
    app.config["WINLAS_MEDIA_MAX_BYTES"] = 20_000
    data = noise_png(100, 100)
    assert len(data) > 20_000
    assert_refused(app, upload(client, data), "Filen är för stor: högst 20 kB.")


def test_a_decompression_bomb_is_refused_before_it_is_decoded(app, client, marketer):
    data = bomb_png()
    assert len(data) < 50_000
    assert_refused(
        app, upload(client, data), "Bilden har för många bildpunkter (högst 40 megapixlar)."
    )


def test_pillows_own_decompression_bomb_guard_is_a_form_error_too(
    app, client, marketer, monkeypatch
):
    monkeypatch.setattr(processing, "MAX_PIXELS", 10**12)
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 1000)
    assert_refused(
        app,
        upload(client, plain("PNG", (100, 100))),
        "Bilden har för många bildpunkter (högst 1000000 megapixlar).",
    )


def test_no_file_is_refused(app, client, marketer):
    assert_refused(app, upload(client, None), "Välj en bildfil.")


def test_text_in_place_of_the_file_is_refused(app, client, marketer):
    page = client.get(LIBRARY).get_data(as_text=True)
    response = client.post(
        LIBRARY, data={"csrf_token": csrf_from(page), "alt_sv": "Bild", "image": "bild.png"}
    )
    assert_refused(app, response, "Välj en bildfil.")


def test_too_long_an_alt_text_is_refused(app, client, marketer):
    response = upload(client, plain("PNG"), alt_en="x" * 301)
    assert response.status_code == 400
    assert 'id="alt_en-error"' in response.get_data(as_text=True)
    assert stored_files(app) == []


def test_no_alt_text_is_refused(app, client, marketer):
    response = upload(client, plain("PNG"), alt_sv="   ")
    assert_refused(app, response, "Skriv en alternativtext på svenska.")


def test_a_control_character_in_the_alt_text_is_refused(app, client, marketer):
    response = upload(client, plain("PNG"), alt_sv="Bild\x00")
    assert_refused(app, response, "Fältet innehåller otillåtna tecken.")


def test_a_bad_page_number_is_a_400(client, marketer):
    for page in ("0", "x", "²", "999999"):
        assert client.get(f"{LIBRARY}?sida={page}").status_code == 400


# serving ----------------------------------------------------------------------------------------


@pytest.fixture
def stored(app, client, marketer) -> Image:
    assert upload(client, png_with_gps((64, 32))).status_code == 303
    return only_image(app)


def test_an_image_is_served_to_everyone_with_strict_headers(app, stored):
    anonymous = app.test_client()
    response = anonymous.get(f"/media/{stored.file_name}")
    assert response.status_code == 200
    assert response.data == (media_folder(app) / stored.file_name).read_bytes()
    assert response.headers["Content-Type"] == "image/webp"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    # the site's policy (security.py) or a stricter one of its own: never inline script
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp or "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "Set-Cookie" not in response.headers
    response.close()  # a file response holds its file open until then
    # the browser asks again with the ETag: nothing to send
    again = anonymous.get(
        f"/media/{stored.file_name}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    again.close()


@pytest.mark.parametrize(
    "path",
    [
        "/media/..%2f..%2fsecret_key",
        "/media/..%2Fwinlas.db",
        "/media/%2e%2e",
        "/media/..",
        "/media/.",
        "/media/secret_key",
        "/media/0123456789abcdef0123456789abcdef.webp",  # the right form, but no such file
        "/media/0123456789ABCDEF0123456789ABCDEF.webp",
        "/media/0123456789abcdef0123456789abcdef.svg",
        "/media/0123456789abcdef0123456789abcdef.webp%00.png",
        "/media/0123456789abcdef0123456789abcdef.webp.png",
        "/media/.0123456789abcdef0123456789abcdef.webp.abc.tmp",
        "/media/%c0%ae%c0%ae",
        "/media/" + "a" * 5000,
        "/media/",
    ],
)
def test_anything_but_a_stored_name_is_a_404(app, client, path):
    media_folder(app).mkdir(parents=True, exist_ok=True)
    (Path(app.instance_path) / "secret_key").write_text("geheim")
    response = client.get(path)
    assert response.status_code == 404, path
    assert b"geheim" not in response.data


# who may ----------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(app, client):
    response = client.get(LIBRARY)
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
    posted = post_multipart(
        client, LIBRARY, {"alt_sv": "x", "image": FileStorage(io.BytesIO(plain("PNG")), "a.png")}
    )
    assert posted.status_code == 302 and "/logga-in" in posted.headers["Location"]
    assert stored_files(app) == []


def test_a_customer_may_not_upload_or_delete(app, client, login_as, stored_by_staff):
    login_as("kund@exempelkommun.se", "customer")
    assert client.get(LIBRARY).status_code == 403
    posted = post_multipart(
        client,
        LIBRARY,
        {"alt_sv": "x", "image": FileStorage(io.BytesIO(plain("PNG", (3, 3))), "a.png")},
    )
    assert posted.status_code == 403
    assert client.post(f"{LIBRARY}/{stored_by_staff.id}/radera").status_code == 403
    with app.app_context():
        assert Image.select().count() == 1
    assert len(stored_files(app)) == 1


@pytest.fixture
def stored_by_staff(app, create_user) -> Image:
    staff = app.test_client()
    create_user("support@exempel.se", role="staff")
    assert log_in(staff, "support@exempel.se").status_code == 302
    assert upload(staff, plain("PNG", (9, 9))).status_code == 303
    return only_image(app)


def test_staff_and_admins_keep_the_library_too(app, client, login_as, stored_by_staff):
    login_as("admin@exempel.se", "admin")
    assert client.get(LIBRARY).status_code == 200


# delete -----------------------------------------------------------------------------------------


def test_delete_removes_the_row_and_the_file(app, client, stored, caplog):
    page = client.get(LIBRARY).get_data(as_text=True)
    token = csrf_from(page)
    path = media_folder(app) / stored.file_name
    with app.app_context():
        assert image_size(stored.url) == (64, 32)
    assert path.exists()
    with caplog.at_level(logging.INFO, logger="winlas.media"):
        response = client.post(f"{LIBRARY}/{stored.id}/radera", data={"csrf_token": token})
    assert response.status_code == 303
    assert f"deleted image={stored.file_name}" in caplog.text
    with app.app_context():
        assert Image.select().count() == 0
        assert image_size(stored.url) is None
    assert not path.exists()
    assert app.test_client().get(stored.url).status_code == 404
    listing = client.get(LIBRARY).get_data(as_text=True)
    assert "Bilden bild.png är raderad." in listing and stored.file_name not in listing
    # a second click on the same button
    again = client.post(f"{LIBRARY}/{stored.id}/radera", data={"csrf_token": token})
    assert again.status_code == 303
    assert "Bilden finns inte längre." in client.get(LIBRARY).get_data(as_text=True)


def test_delete_without_the_csrf_token_deletes_nothing(app, client, stored):
    assert client.post(f"{LIBRARY}/{stored.id}/radera").status_code == 400
    assert (media_folder(app) / stored.file_name).exists()
    with app.app_context():
        assert Image.select().count() == 1


def test_delete_of_an_id_beyond_the_column_is_a_404(client, marketer):
    assert client.post(f"{LIBRARY}/99999999999/radera").status_code == 404


# image_size and the person's data ----------------------------------------------------------------


def test_image_size_answers_for_stored_images_only(app, stored):
    with app.app_context():
        assert image_size(f"/media/{stored.file_name}") == (64, 32)
        assert image_size("/media/0123456789abcdef0123456789abcdef.webp") is None
        assert image_size(f"https://example.com/media/{stored.file_name}") is None
        assert image_size(f"/media/../media/{stored.file_name}") is None
        assert image_size(f"/static/{stored.file_name}") is None
        assert image_size("") is None


def test_the_uploader_is_exported_and_unlinked_on_erasure_while_the_image_stays(
    app, client, stored
):
    with app.app_context():
        user = User.get(User.email == MARKETER)
        person = Person(address=MARKETER, user=user)
        exported = personal_data.export(person)["images_uploaded"]
        assert [row["file_name"] for row in exported] == [stored.file_name]
        assert personal_data.export(Person(address="x@exempel.se"))["images_uploaded"] == []
        personal_data.erase(person)
        image = Image.get_by_id(stored.id)
        assert image.uploaded_by_id is None
    assert (media_folder(app) / stored.file_name).exists()
    assert "borttaget konto" in client.get(LIBRARY).get_data(as_text=True)
