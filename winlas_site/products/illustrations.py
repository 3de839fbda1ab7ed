"""The drawn pictures of the product: which SVG under ``static/img/`` shows which product, at
what size, and what it shows in words (the ``alt`` text, Swedish and English).

The pictures are part of the site's code, drawn for it (no photographs, no third-party art), so
the mapping lives here beside the files rather than in the database: a product an editor adds
later has no picture until one is drawn, and its pages render without one. Keyed by the
product's slug; a renamed slug keeps its picture only when this table is updated too
(``tests/unit/test_product_pages.py`` checks that every demo product has one).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import Translated

# every product picture shares one shape (16:10), so the cards of a list line up
PRODUCT_WIDTH, PRODUCT_HEIGHT = 640, 400
# the cards' thumbnails: the same picture, drawn at half its size (the SVG scales without loss)
THUMB_WIDTH, THUMB_HEIGHT = 320, 200


@dataclass(frozen=True)
class Illustration(Translated):
    """One picture: its file under ``static/``, its intrinsic size (the ``width``/``height``
    attributes that reserve its place before it loads) and its ``alt`` text per language."""

    file: str
    width: int
    height: int
    alt_sv: str
    alt_en: str

    def thumb_size(self) -> tuple[int, int]:
        """The thumbnail's width and height, keeping the picture's shape."""
        return THUMB_WIDTH, round(THUMB_WIDTH * self.height / self.width)


def _product(file: str, alt_sv: str, alt_en: str) -> Illustration:
    return Illustration(f"img/{file}", PRODUCT_WIDTH, PRODUCT_HEIGHT, alt_sv, alt_en)


BY_SLUG: dict[str, Illustration] = {
    "winlas-bibliotek": _product(
        "bibliotek-utlan.svg",
        "Stiliserad skärmbild av utlåningen i WinLas Bibliotek: en meny till vänster, ett fält "
        "för att skanna streckkoder, låntagarens uppgifter och en tabell med fyra lån där ett "
        "är försenat.",
        "Stylised screenshot of circulation in WinLas Bibliotek: a menu on the left, a field "
        "for scanning barcodes, the borrower's details and a table of four loans, one of them "
        "overdue.",
    ),
    "winlas-webbkatalog": _product(
        "webbkatalog-sok.svg",
        "Stiliserad bild av webbkatalogen i en webbläsare och i en mobil: en sökruta, filter "
        "och träffar med bokomslag.",
        "Stylised picture of the web catalogue in a browser and on a phone: a search box, "
        "filters and results with book covers.",
    ),
    "winlas-skola": _product(
        "skola-elevvy.svg",
        "Stiliserad bild av elevens vy på en surfplatta: en hälsning, elevens tre lån som stora "
        "bokomslag med hur länge lånet gäller, och ett boktips.",
        "Stylised picture of the pupil's view on a tablet: a greeting, the pupil's three loans "
        "as large book covers showing how long each loan lasts, and a reading tip.",
    ),
    "winlas-sjalvservice": _product(
        "sjalvservice-kiosk.svg",
        "Stiliserad bild av en självbetjäningskiosk: skärmen ber låntagaren lägga boken på "
        "plattan och har två stora knappar för att låna och lämna tillbaka; bredvid ett kvitto.",
        "Stylised picture of a self-service kiosk: the screen asks the borrower to place the "
        "book on the pad and has two large buttons for borrowing and returning; beside it a "
        "receipt.",
    ),
    "winlas-statistik": _product(
        "statistik.svg",
        "Stiliserad skärmbild av statistikvyn: fyra nyckeltal överst, ett stapeldiagram över "
        "utlån per månad och ett cirkeldiagram över medietyper.",
        "Stylised screenshot of the statistics view: four key figures at the top, a bar chart "
        "of loans per month and a pie chart of material types.",
    ),
    "winlas-app": _product(
        "app-lanekort.svg",
        "Stiliserad bild av låntagarappen på två mobiler: det digitala lånekortet med "
        "streckkod, och listan över lån med en påminnelse överst.",
        "Stylised picture of the borrower app on two phones: the digital library card with its "
        "barcode, and the list of loans with a reminder at the top.",
    ),
}

# the start page's picture: above the fold, so loaded at once (the one eager image of the page)
HERO = Illustration(
    "img/hem-hero.svg",
    640,
    440,
    "Stiliserad bild av WinLas: utlåningen på en datorskärm, webbkatalogen i en mobil och ett "
    "diagram ur statistiken.",
    "Stylised picture of WinLas: circulation on a computer screen, the web catalogue on a "
    "phone and a chart from the statistics.",
)


def for_product(slug: str) -> Illustration | None:
    """The picture of the product with this slug, or None when none has been drawn."""
    return BY_SLUG.get(slug)
