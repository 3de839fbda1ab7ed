"""Demo content for the WinLas website: products, courses, articles, customer
resources and sub-processors.

Pure data. Swedish first, English complete. Bodies are Markdown, written as plain
paragraphs separated by a blank line (the customer pages' lists as "- " lines). Dates and times are naive, local Swedish
time.
"""

import datetime
from typing import Any

# each row holds the keyword arguments of one model's ``create`` (courses also their
# ``sessions``, seminars the course slug and start time they belong to)
Row = dict[str, Any]

# ---------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------

PRODUCTS: list[Row] = [
    {
        "slug": "winlas-bibliotek",
        "name": "WinLas Bibliotek",
        "summary_sv": (
            "Bibliotekssystemet för katalogisering, utlån och reservationer som samlar "
            "bibliotekets vardagsarbete i ett och samma verktyg."
        ),
        "summary_en": (
            "The library management system for cataloguing, loans and holds, bringing "
            "the day-to-day work of a library together in a single tool."
        ),
        "body_sv": (
            "WinLas Bibliotek är kärnan i vår produktfamilj och används varje dag av "
            "skolbibliotek, folkbibliotek och integrerade bibliotek runt om i Sverige. Här "
            "katalogiserar ni nya medier, lånar ut och tar emot, hanterar reservationer och "
            "håller ordning på låntagarregistret, allt i samma gränssnitt."
            "\n\n"
            "Katalogiseringen bygger på MARC21. Ni hämtar poster direkt från LIBRIS eller "
            "BURK med ett ISBN eller en titel och kompletterar sedan med lokala uppgifter som "
            "hyllsignum, placering och ämnesord. Mediaimporten tar emot poster från era "
            "leverantörer automatiskt, så att beställda böcker redan finns i katalogen när "
            "paketet kommer."
            "\n\n"
            "I cirkulationen sköter ni lån, omlån, återlämning, förseningsavgifter och "
            "påminnelser. Fjärrlån registreras och följs upp utan något sidosystem, och "
            "lånereglerna kan ställas in per filial, medietyp och låntagarkategori."
            "\n\n"
            "Systemet är byggt för att följa dataskyddsförordningen. Lånehistorik gallras "
            "enligt regler som ni själva bestämmer, behörigheter styrs per roll och all "
            "behandling sker på servrar i Sverige."
        ),
        "body_en": (
            "WinLas Bibliotek is the heart of our product family, used every day by school "
            "libraries, public libraries and combined libraries across Sweden. Cataloguing new "
            "items, checking loans in and out, managing holds and keeping the borrower "
            "register in order all happen in the same interface."
            "\n\n"
            "Cataloguing is based on MARC21. You fetch a record from LIBRIS or BURK using an "
            "ISBN or a title, then add local details such as shelf mark, location and subject "
            "terms. Media import picks up records from your suppliers automatically, so books "
            "you have ordered are already in the catalogue by the time the parcel arrives."
            "\n\n"
            "Circulation covers loans, renewals, returns, overdue fees and reminders. "
            "Interlibrary loans are registered and tracked without a separate system, and "
            "loan rules can be set per branch, material type and borrower category."
            "\n\n"
            "The system is designed with the GDPR in mind. Loan history is purged according "
            "to rules you define, permissions are managed per role, and all processing takes "
            "place on servers in Sweden."
        ),
        "features_sv": [
            "Katalogisering i MARC21 med posthämtning från LIBRIS och BURK",
            "Utlån, återlämning, omlån och reservationer",
            "Automatisk mediaimport från leverantörer",
            "Fjärrlån som registreras och följs upp i systemet",
            "Låneregler per filial, medietyp och låntagarkategori",
            "Inställbar gallring av lånehistorik enligt GDPR",
        ],
        "features_en": [
            "MARC21 cataloguing with records fetched from LIBRIS and BURK",
            "Loans, returns, renewals and holds",
            "Automatic media import from suppliers",
            "Interlibrary loans registered and tracked in the system",
            "Loan rules per branch, material type and borrower category",
            "Configurable purging of loan history in line with the GDPR",
        ],
        "audience": "both",
        "position": 1,
    },
    {
        "slug": "winlas-webbkatalog",
        "name": "WinLas Webbkatalog",
        "summary_sv": (
            "Bibliotekets katalog på webben, där låntagarna söker, reserverar och lånar om "
            "när det passar dem."
        ),
        "summary_en": (
            "The library catalogue on the web, where borrowers can search, place holds and "
            "renew loans whenever it suits them."
        ),
        "body_sv": (
            "WinLas Webbkatalog ger era låntagare tillgång till hela beståndet från dator, "
            "surfplatta eller mobil. Sökningen klarar stavfel, föreslår alternativ och låter "
            "låntagaren avgränsa träffarna på medietyp, språk, åldersgrupp och filial."
            "\n\n"
            "Inloggade låntagare ser sina lån och reservationer, lånar om med ett klick och "
            "får besked när en reserverad bok finns att hämta. Personalen kan lyfta fram "
            "nyheter, boktips och teman på startsidan utan att behöva kunna något om "
            "webbpublicering."
            "\n\n"
            "Katalogen är utvecklad för att uppfylla WCAG 2.1 på nivå AA, som är kravet i "
            "lagen om tillgänglighet till digital offentlig service. Den fungerar med "
            "skärmläsare, kan användas helt med tangentbord och har tydliga kontraster. En "
            "mall för tillgänglighetsredogörelse följer med leveransen."
        ),
        "body_en": (
            "WinLas Webbkatalog gives your borrowers access to the whole collection from a "
            "computer, tablet or phone. Search copes with spelling mistakes, suggests "
            "alternatives and lets users narrow their results by material type, language, "
            "age group and branch."
            "\n\n"
            "Once signed in, borrowers can see their loans and holds, renew with a single "
            "click and get a message when a reserved book is ready to collect. Staff can "
            "feature new arrivals, reading tips and themed lists on the front page without "
            "needing any web publishing skills."
            "\n\n"
            "The catalogue is built to meet WCAG 2.1 level AA, the standard required by "
            "Swedish law on the accessibility of digital public services. It works with "
            "screen readers, can be used entirely from the keyboard and has clear contrast "
            "throughout. A template for the accessibility statement is included with every "
            "delivery."
        ),
        "features_sv": [
            "Sökning som klarar stavfel, med filter för medietyp, språk och filial",
            "Reservationer och omlån direkt i webbläsaren",
            "Besked när en reservation finns att hämta",
            "Startsida med nyheter, boktips och teman som personalen styr",
            "Utvecklad för att uppfylla WCAG 2.1 nivå AA",
        ],
        "features_en": [
            "Typo-tolerant search with filters for material type, language and branch",
            "Holds and renewals straight from the browser",
            "A message when a hold is ready to collect",
            "Front page with news, reading tips and themes managed by staff",
            "Built to meet WCAG 2.1 level AA",
        ],
        "audience": "both",
        "position": 2,
    },
    {
        "slug": "winlas-skola",
        "name": "WinLas Skola",
        "summary_sv": (
            "Utgåvan för skolbibliotek, där elever och klasser hämtas automatiskt från "
            "skolans egna system."
        ),
        "summary_en": (
            "The school library edition, with pupils and classes loaded automatically from "
            "the school's own systems."
        ),
        "body_sv": (
            "WinLas Skola är anpassat för grundskolans och gymnasiets bibliotek, där en "
            "bibliotekarie ofta delar sin tid mellan flera skolor och elevlistorna ändras "
            "varje termin. Systemet hämtar elever, lärare och klasser enligt standarden "
            "SS 12000, så att ingen behöver lägga in nya låntagare för hand vid terminsstart."
            "\n\n"
            "Eleverna loggar in i webbkatalogen med samma konto som de använder i skolans "
            "lärplattform. Lärare kan låna ut klassuppsättningar och läromedel till en hel "
            "klass på en gång, och skolbibliotekarien ser direkt vilka böcker som fortfarande "
            "är utlånade när en elev slutar."
            "\n\n"
            "För de yngsta eleverna finns en förenklad söksida med stora omslagsbilder och "
            "uppläsning. Kommunen kan samla flera skolbibliotek i en gemensam databas och "
            "ändå låta varje skola ha sina egna låneregler."
            "\n\n"
            "Eftersom det handlar om barns personuppgifter är standardinställningarna "
            "strikta: lånehistorik sparas inte efter att boken har lämnats tillbaka, och "
            "elever som har slutat gallras automatiskt när deras sista lån är avslutat."
        ),
        "body_en": (
            "WinLas Skola is tailored to libraries in primary and secondary schools, where "
            "one librarian often covers several schools and the pupil lists change every "
            "term. The system imports pupils, teachers and classes using the Swedish SS 12000 "
            "standard, so nobody has to type in new borrowers by hand when term starts."
            "\n\n"
            "Pupils sign in to the web catalogue with the same account they use for the "
            "school's learning platform. Teachers can lend class sets and textbooks to a "
            "whole class in one go, and the school librarian can see at a glance which books "
            "are still out when a pupil leaves."
            "\n\n"
            "Younger pupils get a simplified search page with large cover images and "
            "read-aloud support. A municipality can keep several school libraries in one "
            "shared database while still letting each school set its own loan rules."
            "\n\n"
            "Because the data concerns children, the defaults are strict: loan history is "
            "not kept once a book has been returned, and pupils who have left are removed "
            "automatically as soon as their last loan is closed."
        ),
        "features_sv": [
            "Automatisk import av elever, lärare och klasser enligt SS 12000",
            "Inloggning med skolans befintliga konton",
            "Klassuppsättningar och läromedel lånas ut till hela klasser",
            "Förenklad söksida med uppläsning för yngre elever",
            "Flera skolbibliotek i en gemensam databas",
            "Strikta standardinställningar för gallring av elevuppgifter",
        ],
        "features_en": [
            "Automatic import of pupils, teachers and classes via SS 12000",
            "Sign-in with the school's existing accounts",
            "Class sets and textbooks lent to whole classes",
            "Simplified search page with read-aloud for younger pupils",
            "Several school libraries in one shared database",
            "Strict default settings for purging pupil data",
        ],
        "audience": "school",
        "position": 3,
    },
    {
        "slug": "winlas-sjalvservice",
        "name": "WinLas Självservice",
        "summary_sv": (
            "Självbetjäningskiosker där låntagarna lånar och lämnar tillbaka på egen hand, "
            "även när biblioteket är obemannat."
        ),
        "summary_en": (
            "Self-service kiosks where borrowers check items out and return them on their "
            "own, even when the library is unstaffed."
        ),
        "body_sv": (
            "Med WinLas Självservice kan låntagarna låna, lämna tillbaka och hämta sina "
            "reservationer utan att ställa sig i kö vid disken. Kioskerna läser både "
            "streckkoder och RFID-taggar och klarar en hel trave böcker på en gång."
            "\n\n"
            "Programvaran kommunicerar direkt med WinLas Bibliotek, så låneregler, avgifter "
            "och spärrar gäller på samma sätt som vid disken. Låntagaren legitimerar sig med "
            "lånekort och PIN-kod, och kvittot kan skrivas ut eller skickas med e-post."
            "\n\n"
            "För bibliotek med meröppet styr systemet vilka låntagare som släpps in utanför "
            "de bemannade tiderna. Gränssnittet finns på flera språk, har stor text och går "
            "att använda från rullstol, och personalen ser status för alla kiosker i "
            "administrationsvyn."
        ),
        "body_en": (
            "WinLas Självservice lets borrowers check out, return and collect their holds "
            "without queuing at the desk. The kiosks read both barcodes and RFID tags and "
            "can handle a whole stack of books in one go."
            "\n\n"
            "The software talks directly to WinLas Bibliotek, so loan rules, fees and blocks "
            "apply exactly as they do at the desk. Borrowers identify themselves with a "
            "library card and PIN, and receipts can be printed or sent by email."
            "\n\n"
            "For libraries offering unstaffed opening hours, the system decides which "
            "borrowers are let in outside staffed times. The interface is available in "
            "several languages, uses large text and can be operated from a wheelchair, and "
            "staff can check the status of every kiosk from the admin view."
        ),
        "features_sv": [
            "Utlån och återlämning med streckkod eller RFID",
            "Flera medier i samma transaktion",
            "Samma låneregler och spärrar som vid disken",
            "Kvitto på papper eller via e-post",
            "Passerkontroll för meröppna bibliotek",
            "Gränssnitt på flera språk med stor text",
        ],
        "features_en": [
            "Checkout and return by barcode or RFID",
            "Several items in a single transaction",
            "The same loan rules and blocks as at the desk",
            "Receipt on paper or by email",
            "Door access control for unstaffed opening hours",
            "Multilingual interface with large text",
        ],
        "audience": "both",
        "position": 4,
    },
    {
        "slug": "winlas-statistik",
        "name": "WinLas Statistik",
        "summary_sv": (
            "Statistik och rapporter som visar hur samlingen används och gör den årliga "
            "biblioteksstatistiken enkel att ta fram."
        ),
        "summary_en": (
            "Statistics and reports that show how the collection is used and make the annual "
            "library statistics easy to compile."
        ),
        "body_sv": (
            "WinLas Statistik sammanställer utlån, besök, reservationer och bestånd i färdiga "
            "rapporter som ni kan filtrera på filial, period, medietyp och åldersgrupp. "
            "Resultaten visas som tabeller och diagram och kan exporteras till kalkylblad."
            "\n\n"
            "Rapporterna följer de uppgifter som efterfrågas i den officiella "
            "biblioteksstatistiken, så årsrapporteringen tar minuter i stället för dagar. Ni "
            "kan också bygga egna rapporter och schemalägga dem så att de skickas till chefer "
            "eller politiker varje månad."
            "\n\n"
            "All statistik bygger på aggregerade uppgifter. Enskilda låntagare går inte att "
            "identifiera i rapporterna, och siffrorna finns kvar även efter att själva "
            "lånehistoriken har gallrats."
            "\n\n"
            "Med beståndsanalysen ser ni vilka delar av samlingen som lånas flitigt och vilka "
            "som står orörda på hyllan, vilket gör det lättare att prioritera både inköp och "
            "gallring."
        ),
        "body_en": (
            "WinLas Statistik compiles loans, visits, holds and holdings into ready-made "
            "reports that you can filter by branch, period, material type and age group. "
            "Results are shown as tables and charts and can be exported to a spreadsheet."
            "\n\n"
            "The reports mirror the figures requested for Sweden's official library "
            "statistics, so the annual return takes minutes rather than days. You can also "
            "build your own reports and schedule them to go out to managers or elected "
            "officials every month."
            "\n\n"
            "All statistics are based on aggregated data. No individual borrower can be "
            "identified in any report, and the figures remain available after the loan "
            "history itself has been purged."
            "\n\n"
            "Collection analysis shows which parts of the collection are in heavy demand and "
            "which are gathering dust, making it easier to set priorities for both buying "
            "and weeding."
        ),
        "features_sv": [
            "Färdiga rapporter för utlån, besök, reservationer och bestånd",
            "Underlag anpassat till den officiella biblioteksstatistiken",
            "Egna rapporter som kan schemaläggas och skickas ut",
            "Export till kalkylblad",
            "Beståndsanalys som stöd för inköp och gallring",
            "Endast aggregerade uppgifter, inga enskilda låntagare",
        ],
        "features_en": [
            "Ready-made reports for loans, visits, holds and holdings",
            "Figures aligned with the official library statistics",
            "Custom reports that can be scheduled and sent out",
            "Export to spreadsheet",
            "Collection analysis to guide buying and weeding",
            "Aggregated data only, never individual borrowers",
        ],
        "audience": "both",
        "position": 5,
    },
    {
        "slug": "winlas-app",
        "name": "WinLas App",
        "summary_sv": (
            "Låntagarappen för iPhone och Android med digitalt lånekort, lån, reservationer "
            "och påminnelser i mobilen."
        ),
        "summary_en": (
            "The borrower app for iPhone and Android, putting the library card, loans, holds "
            "and reminders on your phone."
        ),
        "body_sv": (
            "WinLas App ger låntagarna biblioteket i fickan. Det digitala lånekortet visas "
            "som en streckkod som fungerar både vid disken och i självbetjäningskioskerna, "
            "och en familj kan samla flera lånekort i samma app."
            "\n\n"
            "I appen söker låntagaren i katalogen, reserverar, lånar om och ser när lånen går "
            "ut. En pushnotis kommer några dagar innan lånetiden är slut och när en "
            "reservation finns att hämta, vilket märkbart minskar antalet försenade böcker."
            "\n\n"
            "Appen publiceras under bibliotekets eget namn och i bibliotekets färger, och "
            "evenemang och öppettider hämtas automatiskt. Den samlar inte in någon "
            "spårningsdata för reklam och ber bara om de behörigheter som behövs för kameran "
            "och notiserna."
        ),
        "body_en": (
            "WinLas App puts the library in your borrowers' pockets. The digital library card "
            "is shown as a barcode that works at the desk as well as at the self-service "
            "kiosks, and a family can keep several cards in the same app."
            "\n\n"
            "Borrowers can search the catalogue, place holds, renew and see when their loans "
            "are due. A push notification arrives a few days before a loan period ends and "
            "when a hold is ready, which noticeably cuts the number of overdue items."
            "\n\n"
            "The app is published under the library's own name and colours, and events and "
            "opening hours are pulled in automatically. It collects no advertising tracking "
            "data and only asks for the permissions it needs for the camera and "
            "notifications."
        ),
        "features_sv": [
            "Digitalt lånekort, även för flera familjemedlemmar",
            "Sökning, reservationer och omlån",
            "Pushnotiser före förfallodag och när en reservation kan hämtas",
            "Skanna en boks streckkod och se om biblioteket har den",
            "Bibliotekets eget namn, färger, evenemang och öppettider",
        ],
        "features_en": [
            "Digital library card, including for several family members",
            "Search, holds and renewals",
            "Push notifications before due dates and when a hold is ready",
            "Scan a book's barcode to see whether the library has it",
            "The library's own name, colours, events and opening hours",
        ],
        "audience": "public",
        "position": 6,
    },
]

# ---------------------------------------------------------------------------
# Courses and events
# ---------------------------------------------------------------------------

COURSES: list[Row] = [
    {
        "slug": "grundkurs-winlas-bibliotek",
        "kind": "course",
        "title_sv": "Grundkurs i WinLas Bibliotek",
        "title_en": "WinLas Bibliotek: the essentials",
        "summary_sv": (
            "En heldag för dig som är ny i WinLas och vill komma igång med utlån, "
            "återlämning, reservationer och låntagarregister."
        ),
        "summary_en": (
            "A full day for newcomers to WinLas who want to get to grips with loans, "
            "returns, holds and the borrower register."
        ),
        "body_sv": (
            "Under dagen går vi igenom de arbetsmoment som fyller en vanlig dag vid disken: "
            "att registrera nya låntagare, låna ut och ta emot, hantera reservationer, skicka "
            "påminnelser och ta betalt för försenade och förkomna medier."
            "\n\n"
            "Genomgångarna varvas med övningar i en egen testdatabas, så att du kan prova dig "
            "fram utan att riskera riktiga uppgifter. Vi tar också upp hur behörigheter "
            "fungerar och vad du ska tänka på när du hanterar låntagarnas personuppgifter."
            "\n\n"
            "Lunch och fika ingår, så ange eventuella kostavvikelser när du anmäler dig. Ta "
            "med en egen bärbar dator."
        ),
        "body_en": (
            "Over the day we work through the tasks that make up an ordinary day at the "
            "desk: registering new borrowers, checking items out and in, managing holds, "
            "sending reminders, and charging for overdue and lost items."
            "\n\n"
            "Short presentations alternate with hands-on exercises in your own test "
            "database, so you can experiment without putting real data at risk. We also "
            "cover how permissions work and what to keep in mind when handling borrowers' "
            "personal data."
            "\n\n"
            "Lunch and coffee are included, so please let us know about any dietary "
            "requirements when you sign up. Bring your own laptop."
        ),
        "audience_sv": "För bibliotekspersonal som är ny i WinLas eller vill fräscha upp grunderna.",
        "audience_en": "For library staff who are new to WinLas or want to brush up on the basics.",
        "price_sek": 4900,
        "product_slug": "winlas-bibliotek",
        "sessions": [
            {
                "starts_at": datetime.datetime(2027, 2, 10, 9, 0),
                "ends_at": datetime.datetime(2027, 2, 10, 16, 0),
                "place_sv": "Stockholm, WinLas kontor",
                "place_en": "Stockholm, WinLas office",
                "online": False,
                "capacity": 16,
            },
            {
                "starts_at": datetime.datetime(2027, 9, 15, 9, 0),
                "ends_at": datetime.datetime(2027, 9, 15, 16, 0),
                "place_sv": "Göteborg, konferenslokal i centrala staden",
                "place_en": "Gothenburg, conference venue in the city centre",
                "online": False,
                "capacity": 16,
            },
        ],
    },
    {
        "slug": "katalogisering-marc21",
        "kind": "course",
        "title_sv": "Katalogisering i MARC21 med LIBRIS och BURK",
        "title_en": "Cataloguing in MARC21 with LIBRIS and BURK",
        "summary_sv": (
            "En fördjupning för dig som katalogiserar och vill hämta, redigera och "
            "kvalitetssäkra poster snabbare."
        ),
        "summary_en": (
            "An in-depth session for cataloguers who want to fetch, edit and quality-check "
            "records more efficiently."
        ),
        "body_sv": (
            "Kursen riktar sig till dig som katalogiserar regelbundet och vill arbeta "
            "snabbare och mer enhetligt. Vi går igenom hur du hämtar poster från LIBRIS och "
            "BURK, hur du lägger till lokala fält och hur du hanterar dubbletter när samma "
            "titel kommer in från flera håll."
            "\n\n"
            "Vi tittar också på mediaimporten: hur leverantörernas poster matchas mot "
            "befintliga poster, hur du ställer in importprofiler och hur du hittar och rättar "
            "poster som har fastnat i importkön. Kursen hålls online, och efteråt har du "
            "tillgång till en övningsdatabas i två veckor."
        ),
        "body_en": (
            "This course is for people who catalogue regularly and want to work faster and "
            "more consistently. We look at fetching records from LIBRIS and BURK, adding "
            "local fields, and dealing with duplicates when the same title arrives from "
            "several sources."
            "\n\n"
            "We also cover media import: how supplier records are matched against existing "
            "ones, how to set up import profiles, and how to find and fix records that have "
            "got stuck in the import queue. The course is held online, and afterwards you "
            "keep access to a practice database for two weeks."
        ),
        "audience_sv": "För katalogisatörer och bibliotekarier med grundläggande kunskaper i MARC21.",
        "audience_en": "For cataloguers and librarians with a working knowledge of MARC21.",
        "price_sek": 3500,
        "product_slug": "winlas-bibliotek",
        "sessions": [
            {
                "starts_at": datetime.datetime(2027, 3, 16, 9, 0),
                "ends_at": datetime.datetime(2027, 3, 16, 12, 0),
                "place_sv": "Online",
                "place_en": "Online",
                "online": True,
                "capacity": 30,
            },
            {
                "starts_at": datetime.datetime(2027, 10, 12, 13, 0),
                "ends_at": datetime.datetime(2027, 10, 12, 16, 0),
                "place_sv": "Online",
                "place_en": "Online",
                "online": True,
                "capacity": 30,
            },
        ],
    },
    {
        "slug": "winlas-skola-for-skolbibliotekarier",
        "kind": "course",
        "title_sv": "WinLas Skola för skolbibliotekarier",
        "title_en": "WinLas Skola for school librarians",
        "summary_sv": (
            "Lär dig få ut det mesta av WinLas Skola, från terminsstart till läsårets sista "
            "återlämning."
        ),
        "summary_en": (
            "Learn how to get the most out of WinLas Skola, from the start of term to the "
            "last return of the school year."
        ),
        "body_sv": (
            "Kursen följer skolbibliotekets läsår. Vi börjar med hur elever och klasser "
            "kommer in i systemet från skolans elevregister, hur du kontrollerar att importen "
            "har blivit rätt och vad du gör när en elev byter skola mitt i terminen."
            "\n\n"
            "Därefter går vi igenom utlån av klassuppsättningar, påminnelser till elever och "
            "vårdnadshavare och hur du tar fram listor över utestående lån inför sommarlovet. "
            "Vi avslutar med idéer för hur webbkatalogen kan användas i undervisningen, till "
            "exempel boktips och läsutmaningar."
        ),
        "body_en": (
            "The course follows the rhythm of the school library year. We start with how "
            "pupils and classes get into the system from the school's student register, how "
            "to check that the import is correct, and what to do when a pupil changes school "
            "in the middle of term."
            "\n\n"
            "Next we look at lending class sets, sending reminders to pupils and guardians, "
            "and pulling lists of outstanding loans before the summer holidays. We round off "
            "with ideas for using the web catalogue in teaching, such as reading "
            "recommendations and reading challenges."
        ),
        "audience_sv": "För skolbibliotekarier och lärare som ansvarar för ett skolbibliotek.",
        "audience_en": "For school librarians and teachers who are responsible for a school library.",
        "price_sek": 2900,
        "product_slug": "winlas-skola",
        "sessions": [
            {
                "starts_at": datetime.datetime(2027, 1, 20, 13, 0),
                "ends_at": datetime.datetime(2027, 1, 20, 16, 0),
                "place_sv": "Online",
                "place_en": "Online",
                "online": True,
                "capacity": 40,
            },
            {
                "starts_at": datetime.datetime(2027, 8, 11, 9, 0),
                "ends_at": datetime.datetime(2027, 8, 11, 15, 0),
                "place_sv": "Stockholm, WinLas kontor",
                "place_en": "Stockholm, WinLas office",
                "online": False,
                "capacity": 16,
            },
        ],
    },
    {
        "slug": "statistik-och-rapporter",
        "kind": "course",
        "title_sv": "Statistik och rapporter i WinLas",
        "title_en": "Statistics and reporting in WinLas",
        "summary_sv": (
            "En förmiddag online om hur du tar fram biblioteksstatistiken, bygger egna "
            "rapporter och tolkar siffrorna."
        ),
        "summary_en": (
            "A morning online on compiling the library statistics, building your own reports "
            "and making sense of the numbers."
        ),
        "body_sv": (
            "Vi visar hur de färdiga rapporterna i WinLas Statistik är uppbyggda och hur du "
            "använder dem när den årliga biblioteksstatistiken ska lämnas in. Du får se "
            "vilka uppgifter som hämtas automatiskt och vilka du behöver komplettera själv."
            "\n\n"
            "Under andra halvan bygger vi egna rapporter tillsammans, till exempel utlån per "
            "åldersgrupp och filial eller hur stor del av beståndet som inte har lånats ut på "
            "fem år, och schemalägger dem så att de skickas ut automatiskt."
        ),
        "body_en": (
            "We show how the ready-made reports in WinLas Statistik are put together and how "
            "to use them when the annual library statistics are due. You will see which "
            "figures are collected automatically and which you need to add yourself."
            "\n\n"
            "In the second half we build custom reports together, such as loans by age group "
            "and branch, or the share of the collection that has not been borrowed in five "
            "years, and schedule them to be sent out automatically."
        ),
        "audience_sv": "För bibliotekschefer, samordnare och alla som ansvarar för bibliotekets statistik.",
        "audience_en": "For library managers, coordinators and anyone responsible for library statistics.",
        "price_sek": 1900,
        "product_slug": "winlas-statistik",
        "sessions": [
            {
                "starts_at": datetime.datetime(2027, 2, 4, 9, 0),
                "ends_at": datetime.datetime(2027, 2, 4, 12, 0),
                "place_sv": "Online",
                "place_en": "Online",
                "online": True,
                "capacity": 50,
            },
            {
                "starts_at": datetime.datetime(2027, 11, 10, 9, 0),
                "ends_at": datetime.datetime(2027, 11, 10, 12, 0),
                "place_sv": "Online",
                "place_en": "Online",
                "online": True,
                "capacity": 50,
            },
        ],
    },
    {
        "slug": "anvandardagar-2027",
        "kind": "event",
        "title_sv": "WinLas Användardagar 2027",
        "title_en": "WinLas User Days 2027",
        "summary_sv": (
            "Två dagar med produktnyheter, kundberättelser och möten med andra bibliotek som "
            "använder WinLas."
        ),
        "summary_en": (
            "Two days of product news, customer stories and conversations with other "
            "libraries that use WinLas."
        ),
        "body_sv": (
            "Användardagarna är årets stora mötesplats för alla som arbetar med WinLas. Vi "
            "berättar om vad som är på gång i produkterna, visar nya funktioner innan de "
            "släpps och lyssnar på era önskemål inför kommande versioner."
            "\n\n"
            "Programmet blandar föredrag med seminariepass där du väljer inriktning, till "
            "exempel skolbibliotek, katalogisering, självservice eller statistik. Flera kunder "
            "berättar hur de har löst utmaningar i sin verksamhet, och vår support finns på "
            "plats för att svara på frågor."
            "\n\n"
            "I priset ingår programmet båda dagarna, luncher, fika och middag den första "
            "kvällen. Ange kostavvikelser och vilka seminariepass du vill gå på när du "
            "anmäler dig. Hotell bokar du själv."
        ),
        "body_en": (
            "User Days is the big get-together of the year for everyone who works with "
            "WinLas. We share what is in the pipeline for our products, demonstrate new "
            "features before they are released and listen to your wishes for future "
            "versions."
            "\n\n"
            "The programme mixes talks with breakout sessions where you pick a track, such as "
            "school libraries, cataloguing, self-service or statistics. Several customers "
            "describe how they have tackled challenges in their own libraries, and our "
            "support team is on hand to answer questions."
            "\n\n"
            "The price covers the programme on both days, lunches, coffee breaks and dinner "
            "on the first evening. Please tell us about any dietary requirements and which "
            "breakout sessions you would like to attend when you register. Hotel "
            "accommodation is booked separately."
        ),
        "audience_sv": (
            "För alla som använder WinLas i sitt arbete, från bibliotekarier till "
            "IT-ansvariga och chefer."
        ),
        "audience_en": (
            "For everyone who uses WinLas at work, from librarians to IT staff and managers."
        ),
        "price_sek": 3900,
        "product_slug": None,
        "sessions": [
            {
                "starts_at": datetime.datetime(2027, 5, 19, 9, 30),
                "ends_at": datetime.datetime(2027, 5, 20, 15, 0),
                "place_sv": "Uppsala, konferenscenter i centrala staden",
                "place_en": "Uppsala, conference centre in the city centre",
                "online": False,
                "capacity": 180,
            },
        ],
    },
    {
        "slug": "frukostwebbinarium-nyheter-hosten-2027",
        "kind": "event",
        "title_sv": "Frukostwebbinarium: nyheter i WinLas hösten 2027",
        "title_en": "Breakfast webinar: what's new in WinLas, autumn 2027",
        "summary_sv": (
            "En kostnadsfri timme online där vi går igenom höstens nya versioner och svarar "
            "på frågor."
        ),
        "summary_en": (
            "A free hour online where we walk through the autumn releases and answer your "
            "questions."
        ),
        "body_sv": (
            "Varje höst bjuder vi in våra kunder till en kort genomgång av det som är nytt i "
            "WinLas. Vi visar de viktigaste förändringarna i höstens versioner, berättar hur "
            "uppgraderingen går till och vad ni behöver förbereda."
            "\n\n"
            "Du kan ställa frågor i chatten under hela sändningen. Inspelningen skickas "
            "efteråt till alla som har anmält sig."
        ),
        "body_en": (
            "Every autumn we invite our customers to a short walkthrough of what is new in "
            "WinLas. We demonstrate the most important changes in the autumn releases and "
            "explain how the upgrade works and what you need to prepare."
            "\n\n"
            "You can post questions in the chat throughout the broadcast. The recording is "
            "sent to everyone who signed up afterwards."
        ),
        "audience_sv": "För alla kunder som vill hålla sig uppdaterade om nya funktioner.",
        "audience_en": "For any customer who wants to keep up with new features.",
        "price_sek": 0,
        "product_slug": None,
        "sessions": [
            {
                "starts_at": datetime.datetime(2027, 10, 6, 8, 30),
                "ends_at": datetime.datetime(2027, 10, 6, 9, 30),
                "place_sv": "Online",
                "place_en": "Online",
                "online": True,
                "capacity": 300,
            },
        ],
    },
]

# Parallel seminars of the Användardagar event: at each start time a participant picks at
# most one. "course_slug" and "session_starts_at" name the event session they belong to.
SEMINARS: list[Row] = [
    {
        "course_slug": "anvandardagar-2027",
        "session_starts_at": datetime.datetime(2027, 5, 19, 9, 30),
        "starts_at": datetime.datetime(2027, 5, 19, 13, 30),
        "title_sv": "Skolbiblioteket som pedagogisk resurs",
        "title_en": "The school library as a teaching resource",
        "capacity": 60,
        "position": 1,
    },
    {
        "course_slug": "anvandardagar-2027",
        "session_starts_at": datetime.datetime(2027, 5, 19, 9, 30),
        "starts_at": datetime.datetime(2027, 5, 19, 13, 30),
        "title_sv": "Smartare katalogisering med mediaimporten",
        "title_en": "Smarter cataloguing with the media import",
        "capacity": 45,
        "position": 2,
    },
    {
        "course_slug": "anvandardagar-2027",
        "session_starts_at": datetime.datetime(2027, 5, 19, 9, 30),
        "starts_at": datetime.datetime(2027, 5, 19, 13, 30),
        "title_sv": "Självservice och meröppet i praktiken",
        "title_en": "Self-service and staffless opening hours in practice",
        "capacity": 45,
        "position": 3,
    },
    {
        "course_slug": "anvandardagar-2027",
        "session_starts_at": datetime.datetime(2027, 5, 19, 9, 30),
        "starts_at": datetime.datetime(2027, 5, 20, 9, 0),
        "title_sv": "Statistik som berättar något: rapporter för kommunen",
        "title_en": "Statistics that tell a story: reports for the municipality",
        "capacity": 60,
        "position": 1,
    },
    {
        "course_slug": "anvandardagar-2027",
        "session_starts_at": datetime.datetime(2027, 5, 19, 9, 30),
        "starts_at": datetime.datetime(2027, 5, 20, 9, 0),
        "title_sv": "Kundberättelse: ett gemensamt bibliotekssystem för tre kommuner",
        "title_en": "Customer story: one library system shared by three municipalities",
        "capacity": None,
        "position": 2,
    },
    {
        "course_slug": "anvandardagar-2027",
        "session_starts_at": datetime.datetime(2027, 5, 19, 9, 30),
        "starts_at": datetime.datetime(2027, 5, 20, 9, 0),
        "title_sv": "Fråga supporten: uppgraderingar, behörigheter och backup",
        "title_en": "Ask support: upgrades, permissions and backups",
        "capacity": 40,
        "position": 3,
    },
]

# ---------------------------------------------------------------------------
# News, articles and webinars
# ---------------------------------------------------------------------------

ARTICLES: list[Row] = [
    {
        "slug": "elevimport-direkt-via-ss-12000",
        "kind": "news",
        "published": datetime.date(2026, 2, 12),
        "title_sv": "Ny koppling gör elevimporten i WinLas Skola enklare",
        "title_en": "New integration makes pupil import in WinLas Skola simpler",
        "summary_sv": (
            "Från version 8.4 hämtar WinLas Skola elever och klasser direkt från skolans "
            "plattform enligt SS 12000, utan filer emellan."
        ),
        "summary_en": (
            "From version 8.4, WinLas Skola fetches pupils and classes straight from the "
            "school platform via SS 12000, with no files in between."
        ),
        "body_sv": (
            "Hittills har många kommuner exporterat elevlistor som filer och läst in dem i "
            "WinLas inför varje termin. Med den nya kopplingen hämtar WinLas Skola "
            "uppgifterna direkt via ett gränssnitt enligt SS 12000, och ändringar i "
            "elevregistret syns i biblioteket redan morgonen efter."
            "\n\n"
            "Bara de uppgifter som biblioteket behöver förs över: namn, klass, skola och "
            "elevens konto för inloggning. Personnummer och kontaktuppgifter till "
            "vårdnadshavare hämtas endast om kommunen aktivt väljer det."
            "\n\n"
            "Funktionen ingår utan extra kostnad för kunder med WinLas Skola. Kontakta "
            "supporten, så hjälper vi er att ansluta till er skolplattform."
        ),
        "body_en": (
            "Until now, many municipalities have exported pupil lists as files and loaded "
            "them into WinLas before each term. With the new integration, WinLas Skola "
            "fetches the data directly through an SS 12000 interface, and changes in the "
            "student register show up in the library by the following morning."
            "\n\n"
            "Only the data the library actually needs is transferred: name, class, school "
            "and the pupil's login account. Personal identity numbers and guardians' contact "
            "details are fetched only if the municipality actively chooses to include them."
            "\n\n"
            "The feature comes at no extra cost for WinLas Skola customers. Get in touch "
            "with support and we will help you connect to your school platform."
        ),
    },
    {
        "slug": "anvandardagarna-2026",
        "kind": "news",
        "published": datetime.date(2026, 6, 3),
        "title_sv": "Rekordmånga deltagare på Användardagarna 2026",
        "title_en": "Record turnout at User Days 2026",
        "summary_sv": (
            "Över 160 bibliotekarier, IT-samordnare och chefer träffades i Uppsala för två "
            "dagar fyllda av nyheter och erfarenhetsutbyte."
        ),
        "summary_en": (
            "More than 160 librarians, IT coordinators and managers met in Uppsala for two "
            "days packed with product news and shared experience."
        ),
        "body_sv": (
            "Årets Användardagar samlade fler deltagare än någonsin. Mest uppmärksamhet fick "
            "förhandsvisningen av den nya katalogiseringsvyn i version 8.5, där poster från "
            "LIBRIS och BURK kan jämföras sida vid sida innan de sparas."
            "\n\n"
            "Bland kundberättelserna fanns en norrländsk kommun som har infört meröppet på "
            "sex filialer med hjälp av WinLas Självservice, och en gymnasieskola som har "
            "halverat arbetet vid terminsstart tack vare den automatiska elevimporten."
            "\n\n"
            "Tack till alla som kom och bidrog med frågor och synpunkter. Presentationerna "
            "finns nu på kundsidorna, och nästa års Användardagar är redan inbokade till maj "
            "2027."
        ),
        "body_en": (
            "This year's User Days drew more participants than ever before. The biggest "
            "talking point was the preview of the new cataloguing view in version 8.5, which "
            "lets you compare records from LIBRIS and BURK side by side before saving them."
            "\n\n"
            "Customer stories included a municipality in the north of Sweden that has "
            "introduced unstaffed opening hours at six branch libraries with WinLas "
            "Självservice, and an upper secondary school that has halved its start-of-term "
            "workload thanks to automatic pupil import."
            "\n\n"
            "Thank you to everyone who came along and shared questions and feedback. The "
            "slides are now on the customer pages, and next year's User Days are already "
            "booked for May 2027."
        ),
    },
    {
        "slug": "releaseinformation-pa-kundsidorna",
        "kind": "news",
        "published": datetime.date(2026, 9, 8),
        "title_sv": "Versioner och releaseinformation finns nu på kundsidorna",
        "title_en": "Releases and release notes have moved to the customer pages",
        "summary_sv": (
            "Programversioner, releaseinformation, manualer och instruktionsfilmer är nu "
            "samlade på ett ställe bakom inloggning."
        ),
        "summary_en": (
            "Program versions, release notes, manuals and instruction videos are now "
            "gathered in one place behind the login."
        ),
        "body_sv": (
            "Vi har flyttat allt material som tidigare låg utspritt på webbplatsen och i "
            "supportverktyget till de nya kundsidorna. Där hittar du de senaste "
            "programversionerna med releaseinformation, teknisk dokumentation, manualer och "
            "instruktionsfilmer."
            "\n\n"
            "För att logga in behöver du vara kundkontakt hos en organisation som har avtal "
            "med WinLas. Saknar du konto kan du registrera dig direkt, så aktiverar vi kontot "
            "när vi har stämt av uppgifterna med din organisation."
            "\n\n"
            "Konton som inte har använts på två år tas bort automatiskt. Du får en påminnelse "
            "i god tid innan det sker."
        ),
        "body_en": (
            "Everything that used to be scattered across the website and the support tool "
            "now lives on the new customer pages. That is where you will find the latest "
            "program versions with release notes, technical documentation, manuals and "
            "instruction videos."
            "\n\n"
            "To sign in, you need to be a customer contact at an organisation with a WinLas "
            "agreement. If you do not have an account yet, you can register straight away "
            "and we will activate it once we have confirmed your details with your "
            "organisation."
            "\n\n"
            "Accounts that have not been used for two years are deleted automatically. You "
            "will get a reminder well before that happens."
        ),
    },
    {
        "slug": "meroppet-bibliotek-kom-igang",
        "kind": "article",
        "published": datetime.date(2026, 4, 14),
        "title_sv": "Meröppet bibliotek: så kommer ni igång",
        "title_en": "Unstaffed opening hours: how to get started",
        "summary_sv": (
            "Allt fler kommuner förlänger öppettiderna med hjälp av självservice. Här är "
            "frågorna som brukar avgöra om införandet blir lyckat."
        ),
        "summary_en": (
            "More and more municipalities are extending opening hours with self-service. "
            "These are the questions that tend to decide whether the rollout succeeds."
        ),
        "body_sv": (
            "Meröppet innebär att låntagare kan använda biblioteket även när ingen personal "
            "är på plats. Tekniken är vid det här laget beprövad: passersystem vid entrén, "
            "självbetjäningskiosker för lån och återlämning samt kameror eller larm enligt "
            "kommunens riktlinjer. Det svåra är sällan tekniken utan förberedelserna."
            "\n\n"
            "Bestäm tidigt vem som ska få tillgång. Många bibliotek kräver att låntagaren har "
            "fyllt 18 år, har ett giltigt lånekort och har godkänt särskilda villkor vid "
            "disken. I WinLas hanteras detta som en egenskap hos låntagaren, så att "
            "passersystemet kan läsa av behörigheten direkt."
            "\n\n"
            "Tänk också på reservationerna. När låntagarna hämtar sina reservationer själva "
            "behöver hyllan vara tydligt märkt, och avhämtningen bör registreras i kiosken så "
            "att nästa person i kön får besked med en gång."
            "\n\n"
            "Och sist men inte minst: informera. Skyltar, en kort introduktion vid disken och "
            "tydliga uppgifter om vem man ringer om något krånglar gör att låntagarna känner "
            "sig trygga. Bibliotek som har lagt tid på det här ser oftast att de meröppna "
            "timmarna används flitigt redan den första månaden."
        ),
        "body_en": (
            "Unstaffed opening means borrowers can use the library even when no staff are on "
            "site. The technology is well proven by now: an access control system at the "
            "entrance, self-service kiosks for loans and returns, and cameras or alarms in "
            "line with local policy. The hard part is rarely the technology; it is the "
            "preparation."
            "\n\n"
            "Decide early on who should be given access. Many libraries require borrowers to "
            "be 18 or over, to hold a valid library card and to have accepted specific terms "
            "at the desk. In WinLas this is stored as a property of the borrower, so the "
            "access system can read the permission directly."
            "\n\n"
            "Think about holds, too. When borrowers pick up their own holds, the shelf needs "
            "clear labelling, and collection should be registered at the kiosk so the next "
            "person in the queue is notified straight away."
            "\n\n"
            "Last but not least, communicate. Signs, a short introduction at the desk and "
            "clear information about whom to call if something goes wrong all help borrowers "
            "feel confident. Libraries that invest time in this usually find that the "
            "unstaffed hours are well used from the very first month."
        ),
    },
    {
        "slug": "hur-lange-far-biblioteket-spara-lanehistorik",
        "kind": "article",
        "published": datetime.date(2026, 8, 20),
        "title_sv": "Hur länge får biblioteket spara lånehistorik?",
        "title_en": "How long may a library keep loan history?",
        "summary_sv": (
            "En genomgång av vad dataskyddsförordningen innebär för lånehistorik och hur ni "
            "ställer in gallringen i WinLas."
        ),
        "summary_en": (
            "What the GDPR means for loan history, and how to set up purging in WinLas."
        ),
        "body_sv": (
            "Uppgifter om vad en person har lånat är personuppgifter, och de kan avslöja "
            "mycket om intressen, hälsa eller åsikter. Därför ska biblioteket inte spara dem "
            "längre än ändamålet kräver. I de flesta fall betyder det att kopplingen mellan "
            "låntagare och medium tas bort när lånet är avslutat och eventuella avgifter är "
            "betalda."
            "\n\n"
            "En del låntagare vill ändå kunna se vad de har läst. Det går att lösa genom att "
            "låntagaren själv aktivt väljer att spara sin historik, ett samtycke som kan "
            "återkallas när som helst i webbkatalogen eller appen."
            "\n\n"
            "I WinLas ställer ni in gallringen under Systeminställningar. Ni bestämmer hur "
            "många dagar efter återlämning kopplingen ska finnas kvar, om skolbibliotek ska "
            "ha andra regler än folkbibliotek och hur inaktiva låntagare ska hanteras. "
            "Statistiken påverkas inte, eftersom den bygger på aggregerade uppgifter."
            "\n\n"
            "Ta gärna hjälp av kommunens dataskyddsombud när ni bestämmer reglerna, och "
            "dokumentera besluten. WinLas är personuppgiftsbiträde och behandlar uppgifterna "
            "enligt de instruktioner ni har gett i personuppgiftsbiträdesavtalet."
        ),
        "body_en": (
            "Information about what someone has borrowed is personal data, and it can reveal "
            "a great deal about their interests, health or opinions. A library should "
            "therefore keep it no longer than its purpose requires. In most cases that means "
            "removing the link between borrower and item once the loan has ended and any "
            "fees have been paid."
            "\n\n"
            "Some borrowers still want to look back at what they have read. The answer is to "
            "let them opt in to keeping their own history, a consent they can withdraw at "
            "any time in the web catalogue or the app."
            "\n\n"
            "In WinLas, purging is configured under System settings. You decide how many "
            "days after return the link is kept, whether school libraries follow different "
            "rules from public libraries, and how inactive borrowers are handled. Statistics "
            "are unaffected because they are built from aggregated data."
            "\n\n"
            "It is wise to involve your municipality's data protection officer when setting "
            "the rules, and to document your decisions. WinLas acts as your data processor "
            "and handles the data according to the instructions you have given in the data "
            "processing agreement."
        ),
    },
    {
        "slug": "webbinarium-tillganglig-webbkatalog",
        "kind": "webinar",
        "published": datetime.date(2026, 3, 25),
        "title_sv": "Webbinarium: tillgänglig webbkatalog i praktiken",
        "title_en": "Webinar: an accessible web catalogue in practice",
        "summary_sv": (
            "Inspelning av vårt webbinarium om hur ni gör webbkatalogen användbar för alla "
            "låntagare, med eller utan funktionsnedsättning."
        ),
        "summary_en": (
            "A recording of our webinar on making the web catalogue work for every borrower, "
            "with or without a disability."
        ),
        "body_sv": (
            "I webbinariet går vi igenom vad lagen om tillgänglighet till digital offentlig "
            "service kräver av bibliotekens webbkataloger och hur WinLas Webbkatalog "
            "uppfyller kraven i WCAG 2.1. Vi visar hur katalogen fungerar med skärmläsare och "
            "enbart tangentbord och vilka inställningar som påverkar tillgängligheten."
            "\n\n"
            "Andra delen handlar om det som biblioteket självt ansvarar för: "
            "alternativtexter till bilderna på startsidan, begripliga rubriker i boktipsen "
            "och hur ni håller tillgänglighetsredogörelsen aktuell."
            "\n\n"
            "Webbinariet är 45 minuter långt. Kunder kan se inspelningen på kundsidorna, och "
            "andra intresserade kan begära att få ta del av den via kontaktformuläret."
        ),
        "body_en": (
            "The webinar explains what Swedish accessibility law for digital public services "
            "requires of library web catalogues and how WinLas Webbkatalog meets WCAG 2.1. "
            "We demonstrate the catalogue with a screen reader and with keyboard-only "
            "navigation, and go through the settings that affect accessibility."
            "\n\n"
            "The second part covers what the library is responsible for itself: alt text for "
            "front-page images, meaningful headings in reading lists, and keeping the "
            "accessibility statement up to date."
            "\n\n"
            "The webinar runs for 45 minutes. Customers can watch the recording on the "
            "customer pages, and anyone else who is interested can request access through "
            "the contact form."
        ),
    },
    {
        "slug": "webbinarium-fjarrlan-libris",
        "kind": "webinar",
        "published": datetime.date(2026, 10, 15),
        "title_sv": "Webbinarium: smidigare fjärrlån med LIBRIS och WinLas",
        "title_en": "Webinar: smoother interlibrary loans with LIBRIS and WinLas",
        "summary_sv": (
            "Inspelning där vi visar hur fjärrlånebeställningar går mellan LIBRIS och WinLas "
            "utan dubbelregistrering."
        ),
        "summary_en": (
            "A recording showing how interlibrary loan requests flow between LIBRIS and "
            "WinLas without anything being entered twice."
        ),
        "body_sv": (
            "Fjärrlån hör ofta till de mest tidskrävande momenten på ett mindre bibliotek. I "
            "webbinariet visar vi hur en beställning i LIBRIS fjärrlån automatiskt blir ett "
            "lån i WinLas när boken kommer, och hur låntagaren får besked när den kan hämtas."
            "\n\n"
            "Vi går också igenom utgående fjärrlån, alltså när ert bibliotek lånar ut till "
            "andra, och hur ni följer upp försenade återsändningar. En bibliotekarie från en "
            "av våra kundkommuner berättar hur de har minskat det manuella arbetet."
            "\n\n"
            "Inspelningen är 50 minuter lång och finns för kunder på kundsidorna. Andra kan "
            "begära att få den skickad till sig."
        ),
        "body_en": (
            "Interlibrary loans are often among the most time-consuming jobs in a smaller "
            "library. The webinar shows how a request placed through LIBRIS interlibrary "
            "loans automatically becomes a loan in WinLas when the book arrives, and how the "
            "borrower is told when it is ready to collect."
            "\n\n"
            "We also cover outgoing interlibrary loans, where your library lends to others, "
            "and how to chase late returns. A librarian from one of our customer "
            "municipalities explains how they have cut down on manual work."
            "\n\n"
            "The recording lasts 50 minutes and is available to customers on the customer "
            "pages. Others can ask for it to be sent to them."
        ),
    },
]

# ---------------------------------------------------------------------------
# Customer pages: releases, documentation, manuals, videos
# ---------------------------------------------------------------------------

CUSTOMER_RESOURCES: list[Row] = [
    {
        "slug": "winlas-bibliotek-8-4-0",
        "kind": "release",
        "title_sv": "WinLas Bibliotek 8.4.0",
        "title_en": "WinLas Bibliotek 8.4.0",
        "summary_sv": (
            "Vårens version med direktkoppling till skolplattformar, snabbare sökning vid "
            "disken och förbättrad mediaimport."
        ),
        "summary_en": (
            "The spring release, with a direct link to school platforms, faster search at "
            "the desk and improved media import."
        ),
        "body_sv": (
            "Version 8.4.0 innehåller följande förändringar:"
            "\n\n"
            "- Elever och klasser kan hämtas direkt via SS 12000 (kräver WinLas Skola)\n"
            "- Sökningen vid disken är upp till tre gånger snabbare i stora databaser\n"
            "- Mediaimporten matchar nu poster på både ISBN och EAN\n"
            "- Ny inställning för antal dagar innan lånehistorik gallras\n"
            "- Påminnelser kan skickas som sms\n"
            "- Rättat: förseningsavgifter beräknades fel för lån över årsskiftet"
        ),
        "body_en": (
            "Version 8.4.0 includes the following changes:"
            "\n\n"
            "- Pupils and classes can be fetched directly via SS 12000 (requires WinLas Skola)\n"
            "- Search at the desk is up to three times faster in large databases\n"
            "- Media import now matches records on both ISBN and EAN\n"
            "- New setting for the number of days before loan history is purged\n"
            "- Reminders can be sent by text message\n"
            "- Fixed: overdue fees were miscalculated for loans spanning the new year"
        ),
        "product_slug": "winlas-bibliotek",
        "version": "8.4.0",
        "published": datetime.date(2026, 3, 2),
        "duration_minutes": None,
    },
    {
        "slug": "winlas-bibliotek-8-4-1",
        "kind": "release",
        "title_sv": "WinLas Bibliotek 8.4.1",
        "title_en": "WinLas Bibliotek 8.4.1",
        "summary_sv": "Underhållsversion med rättningar i reservationskön och LIBRIS-importen.",
        "summary_en": "A maintenance release with fixes to the hold queue and the LIBRIS import.",
        "body_sv": (
            "Vi rekommenderar alla kunder som kör 8.4.0 att uppgradera. Uppgraderingen tar "
            "normalt mindre än tio minuter och kräver inga ändringar i databasen."
            "\n\n"
            "- Rättat: en reservation kunde hamna sist i kön när låntagaren bytte "
            "avhämtningsställe\n"
            "- Rättat: poster från LIBRIS med fler än 99 exemplar importerades inte\n"
            "- Rättat: filialens namn saknades på utskrivna kvitton\n"
            "- Tydligare felmeddelande när anslutningen till SS 12000 inte svarar"
        ),
        "body_en": (
            "We recommend that all customers running 8.4.0 upgrade. The upgrade normally "
            "takes less than ten minutes and requires no database changes."
            "\n\n"
            "- Fixed: a hold could drop to the back of the queue when the borrower changed "
            "pickup location\n"
            "- Fixed: LIBRIS records with more than 99 copies were not imported\n"
            "- Fixed: the branch name was missing from printed receipts\n"
            "- Clearer error message when the SS 12000 connection does not respond"
        ),
        "product_slug": "winlas-bibliotek",
        "version": "8.4.1",
        "published": datetime.date(2026, 5, 11),
        "duration_minutes": None,
    },
    {
        "slug": "winlas-bibliotek-8-5-0",
        "kind": "release",
        "title_sv": "WinLas Bibliotek 8.5.0",
        "title_en": "WinLas Bibliotek 8.5.0",
        "summary_sv": (
            "Höstens version med ny katalogiseringsvy, smidigare fjärrlån och en ny "
            "behörighetsmodell."
        ),
        "summary_en": (
            "The autumn release, with a new cataloguing view, smoother interlibrary loans "
            "and a new permission model."
        ),
        "body_sv": (
            "Version 8.5.0 är höstens stora uppdatering. Läs dokumentationen om den nya "
            "behörighetsmodellen innan ni uppgraderar, eftersom befintliga roller konverteras "
            "automatiskt."
            "\n\n"
            "- Ny katalogiseringsvy där poster från LIBRIS och BURK jämförs sida vid sida\n"
            "- Fjärrlån från LIBRIS blir lån automatiskt när boken ankomstregistreras\n"
            "- Ny behörighetsmodell med färdiga roller för disk, katalogisering och "
            "administration\n"
            "- Loggning av vem som har tittat på en låntagares uppgifter\n"
            "- Stöd för MARC21-fält med tillgänglighetsinformation om e-böcker\n"
            "- Rättat: dubbletter kunde uppstå vid samtidig import från två leverantörer"
        ),
        "body_en": (
            "Version 8.5.0 is the big autumn update. Please read the documentation on the new "
            "permission model before upgrading, as existing roles are converted "
            "automatically."
            "\n\n"
            "- New cataloguing view comparing LIBRIS and BURK records side by side\n"
            "- Interlibrary loans from LIBRIS become loans automatically when the book is "
            "received\n"
            "- New permission model with ready-made roles for desk, cataloguing and "
            "administration\n"
            "- Logging of who has viewed a borrower's details\n"
            "- Support for MARC21 fields carrying accessibility information for e-books\n"
            "- Fixed: duplicates could appear when importing from two suppliers at once"
        ),
        "product_slug": "winlas-bibliotek",
        "version": "8.5.0",
        "published": datetime.date(2026, 10, 5),
        "duration_minutes": None,
    },
    {
        "slug": "winlas-webbkatalog-3-2-0",
        "kind": "release",
        "title_sv": "WinLas Webbkatalog 3.2.0",
        "title_en": "WinLas Webbkatalog 3.2.0",
        "summary_sv": (
            "Ny version av webbkatalogen med bättre tillgänglighet och möjlighet för "
            "låntagare att själva spara sin lånehistorik."
        ),
        "summary_en": (
            "A new web catalogue release with better accessibility and the option for "
            "borrowers to keep their own loan history."
        ),
        "body_sv": (
            "Version 3.2.0 kräver WinLas Bibliotek 8.4.0 eller senare."
            "\n\n"
            "- Låntagare kan själva välja att spara eller radera sin lånehistorik\n"
            "- Bättre tangentbordsnavigering i sökresultat och filter\n"
            "- Högre kontrast i standardtemat, granskat mot WCAG 2.1 AA\n"
            "- Boktips kan schemaläggas för publicering ett visst datum\n"
            "- Rättat: vissa skärmläsare läste upp omslagsbilder två gånger"
        ),
        "body_en": (
            "Version 3.2.0 requires WinLas Bibliotek 8.4.0 or later."
            "\n\n"
            "- Borrowers can choose to keep or delete their own loan history\n"
            "- Improved keyboard navigation in search results and filters\n"
            "- Higher contrast in the default theme, checked against WCAG 2.1 AA\n"
            "- Reading tips can be scheduled to publish on a set date\n"
            "- Fixed: some screen readers announced cover images twice"
        ),
        "product_slug": "winlas-webbkatalog",
        "version": "3.2.0",
        "published": datetime.date(2026, 6, 15),
        "duration_minutes": None,
    },
    {
        "slug": "winlas-app-2-3-0",
        "kind": "release",
        "title_sv": "WinLas App 2.3.0",
        "title_en": "WinLas App 2.3.0",
        "summary_sv": "Appversion med plats för flera lånekort och streckkodsskanning.",
        "summary_en": "An app release adding room for several library cards and barcode scanning.",
        "body_sv": (
            "Uppdateringen publiceras i App Store och Google Play under bibliotekets eget "
            "namn och installeras automatiskt hos de flesta användare."
            "\n\n"
            "- Flera lånekort kan läggas till i samma app\n"
            "- Skanna ett ISBN med kameran och se om biblioteket har boken\n"
            "- Pushnotis tre dagar före förfallodag, inställbart per bibliotek\n"
            "- Stöd för större textstorlek enligt telefonens inställningar\n"
            "- Rättat: appen loggade ibland ut användaren efter en uppdatering av "
            "operativsystemet"
        ),
        "body_en": (
            "The update is published on the App Store and Google Play under the library's "
            "own name and installs automatically for most users."
            "\n\n"
            "- Several library cards can be added to the same app\n"
            "- Scan an ISBN with the camera to see whether the library has the book\n"
            "- Push notification three days before the due date, configurable per library\n"
            "- Support for larger text sizes set in the phone's settings\n"
            "- Fixed: the app sometimes signed users out after an operating system update"
        ),
        "product_slug": "winlas-app",
        "version": "2.3.0",
        "published": datetime.date(2025, 11, 18),
        "duration_minutes": None,
    },
    {
        "slug": "dokumentation-ss-12000-koppling",
        "kind": "documentation",
        "title_sv": "Koppla WinLas Skola till skolplattformen via SS 12000",
        "title_en": "Connecting WinLas Skola to the school platform via SS 12000",
        "summary_sv": (
            "Teknisk beskrivning av hur elevimporten konfigureras, vilka fält som hämtas och "
            "hur fel hanteras."
        ),
        "summary_en": (
            "A technical description of how pupil import is configured, which fields are "
            "fetched and how errors are handled."
        ),
        "body_sv": (
            "Dokumentet vänder sig till kommunens IT-avdelning och beskriver hur WinLas Skola "
            "ansluter till ett gränssnitt enligt SS 12000. Det tar upp vilka behörigheter som "
            "behövs hos plattformsleverantören, hur autentiseringen sätts upp och hur ofta "
            "synkroniseringen körs."
            "\n\n"
            "Här finns också en fullständig lista över de fält som hämtas och hur de mappas "
            "mot låntagarregistret, samt vad som händer när en elev byter skola, får skyddade "
            "personuppgifter eller tas bort ur källsystemet."
        ),
        "body_en": (
            "This document is aimed at the municipality's IT department and describes how "
            "WinLas Skola connects to an SS 12000 interface. It covers the permissions needed "
            "from the platform provider, how authentication is set up and how often "
            "synchronisation runs."
            "\n\n"
            "It also contains a complete list of the fields fetched and how they map to the "
            "borrower register, along with what happens when a pupil changes school, is "
            "given protected personal details or is removed from the source system."
        ),
        "product_slug": "winlas-skola",
        "version": None,
        "published": datetime.date(2026, 3, 2),
        "duration_minutes": None,
    },
    {
        "slug": "dokumentation-mediaimport-marc21",
        "kind": "documentation",
        "title_sv": "Mediaimport: importprofiler och MARC21-mappning",
        "title_en": "Media import: import profiles and MARC21 mapping",
        "summary_sv": (
            "Referens för hur leverantörsposter läses in, matchas mot befintliga poster och "
            "kompletteras med lokala fält."
        ),
        "summary_en": (
            "Reference on how supplier records are loaded, matched against existing records "
            "and supplemented with local fields."
        ),
        "body_sv": (
            "Mediaimporten tar emot poster i MARC21 från medieleverantörer, LIBRIS och BURK. "
            "Dokumentet beskriver hur en importprofil är uppbyggd, vilka matchningsregler som "
            "finns och i vilken ordning de tillämpas."
            "\n\n"
            "En tabell visar vilka MARC21-fält som skrivs över vid import och vilka som "
            "skyddas, till exempel lokala ämnesord och placeringar. Sist i dokumentet finns "
            "felkoder och åtgärder för poster som blir liggande i importkön utan att sparas."
        ),
        "body_en": (
            "Media import accepts MARC21 records from suppliers, LIBRIS and BURK. This "
            "document describes how an import profile is structured, which matching rules "
            "are available and the order in which they are applied."
            "\n\n"
            "A table shows which MARC21 fields are overwritten on import and which are "
            "protected, such as local subject terms and locations. The document ends with "
            "error codes and fixes for records that sit in the import queue without being "
            "saved."
        ),
        "product_slug": "winlas-bibliotek",
        "version": None,
        "published": datetime.date(2025, 9, 22),
        "duration_minutes": None,
    },
    {
        "slug": "dokumentation-gallring-och-personuppgifter",
        "kind": "documentation",
        "title_sv": "Gallring och personuppgifter i WinLas",
        "title_en": "Data retention and personal data in WinLas",
        "summary_sv": (
            "Beskriver vilka personuppgifter WinLas behandlar, var de lagras och hur "
            "gallringsreglerna ställs in."
        ),
        "summary_en": (
            "Describes which personal data WinLas processes, where it is stored and how "
            "retention rules are configured."
        ),
        "body_sv": (
            "Dokumentet är tänkt som underlag för bibliotekets och kommunens dataskyddsarbete, "
            "till exempel registerförteckningen och konsekvensbedömningar. Det listar vilka "
            "uppgifter som finns om låntagare, personal och fjärrlånebibliotek, vilka som är "
            "obligatoriska och var de lagras."
            "\n\n"
            "Därefter beskrivs varje gallringsinställning, dess standardvärde och hur "
            "ändringar loggas. Ett avsnitt förklarar hur ni tar fram ett registerutdrag när "
            "en låntagare begär ut sina uppgifter och hur radering går till."
            "\n\n"
            "All data lagras i Sverige. En aktuell förteckning över underbiträden finns på "
            "vår webbplats."
        ),
        "body_en": (
            "This document is meant to support the data protection work of the library and "
            "the municipality, for instance the record of processing activities and impact "
            "assessments. It lists the data held about borrowers, staff and interlibrary "
            "loan partners, which of it is mandatory and where it is stored."
            "\n\n"
            "It then describes each retention setting, its default value and how changes are "
            "logged. One section explains how to produce a copy of the data when a borrower "
            "makes a subject access request, and how erasure is carried out."
            "\n\n"
            "All data is stored in Sweden. An up-to-date list of sub-processors is available "
            "on our website."
        ),
        "product_slug": "winlas-bibliotek",
        "version": None,
        "published": datetime.date(2026, 8, 20),
        "duration_minutes": None,
    },
    {
        "slug": "dokumentation-kiosk-installation",
        "kind": "documentation",
        "title_sv": "Installation och nätverkskrav för självbetjäningskiosker",
        "title_en": "Installation and network requirements for self-service kiosks",
        "summary_sv": (
            "Krav på nätverk, brandvägg och kringutrustning när nya kiosker ska installeras."
        ),
        "summary_en": ("Network, firewall and peripheral requirements for installing new kiosks."),
        "body_sv": (
            "Här beskrivs vilka portar och adresser kiosken behöver nå, hur den autentiserar "
            "sig mot WinLas Bibliotek och vilka RFID-läsare, kvittoskrivare och "
            "streckkodsläsare som är testade och godkända."
            "\n\n"
            "Dokumentet innehåller också en checklista att gå igenom tillsammans med "
            "kommunens IT före installationsdagen, så att kiosken kan tas i drift samma dag "
            "som den levereras."
        ),
        "body_en": (
            "This document sets out which ports and addresses the kiosk needs to reach, how "
            "it authenticates with WinLas Bibliotek, and which RFID readers, receipt printers "
            "and barcode scanners have been tested and approved."
            "\n\n"
            "It also includes a checklist to work through with the municipality's IT team "
            "ahead of installation day, so the kiosk can go live on the day it is delivered."
        ),
        "product_slug": "winlas-sjalvservice",
        "version": None,
        "published": datetime.date(2025, 6, 10),
        "duration_minutes": None,
    },
    {
        "slug": "handbok-cirkulation",
        "kind": "manual",
        "title_sv": "Handbok: cirkulation i WinLas Bibliotek",
        "title_en": "Manual: circulation in WinLas Bibliotek",
        "summary_sv": (
            "Steg-för-steg-instruktioner för utlån, återlämning, reservationer, påminnelser "
            "och avgifter."
        ),
        "summary_en": ("Step-by-step instructions for loans, returns, holds, reminders and fees."),
        "body_sv": (
            "Handboken är skriven för personalen vid disken och följer arbetsgången i "
            "programmet. Varje avsnitt inleds med en kort förklaring, följt av numrerade steg "
            "och skärmbilder."
            "\n\n"
            "Den täcker registrering av låntagare, utlån och återlämning, reservationer och "
            "avhämtning, påminnelser, avgifter och spärrar, och vad du gör när en bok är "
            "skadad eller har försvunnit. Handboken är uppdaterad för version 8.4."
        ),
        "body_en": (
            "This manual is written for desk staff and follows the workflow of the program. "
            "Each section opens with a short explanation, followed by numbered steps and "
            "screenshots."
            "\n\n"
            "It covers registering borrowers, loans and returns, holds and collection, "
            "reminders, fees and blocks, and what to do when an item is damaged or has gone "
            "missing. The manual is up to date for version 8.4."
        ),
        "product_slug": "winlas-bibliotek",
        "version": None,
        "published": datetime.date(2026, 3, 2),
        "duration_minutes": None,
    },
    {
        "slug": "handbok-winlas-statistik",
        "kind": "manual",
        "title_sv": "Handbok: WinLas Statistik",
        "title_en": "Manual: WinLas Statistik",
        "summary_sv": (
            "Beskriver de färdiga rapporterna, hur du bygger egna och hur du tar fram "
            "underlaget till den årliga biblioteksstatistiken."
        ),
        "summary_en": (
            "Describes the built-in reports, how to build your own and how to gather the "
            "figures for the annual library statistics."
        ),
        "body_sv": (
            "Handboken går igenom varje färdig rapport, vilka uppgifter den bygger på och hur "
            "filtren fungerar. Ett eget kapitel visar hur du tar fram siffrorna till den "
            "årliga biblioteksstatistiken och vilka uppgifter du behöver fylla i för hand."
            "\n\n"
            "Den andra delen beskriver rapportbyggaren, schemaläggning och export, och hur "
            "behörigheterna styr vem som får se vilka rapporter."
        ),
        "body_en": (
            "The manual goes through each built-in report, the data it draws on and how its "
            "filters work. A dedicated chapter shows how to produce the figures for the "
            "annual library statistics and which items you need to fill in by hand."
            "\n\n"
            "The second part covers the report builder, scheduling and export, and how "
            "permissions determine who can see which reports."
        ),
        "product_slug": "winlas-statistik",
        "version": None,
        "published": datetime.date(2026, 1, 19),
        "duration_minutes": None,
    },
    {
        "slug": "handbok-administrera-webbkatalogen",
        "kind": "manual",
        "title_sv": "Handbok: administrera WinLas Webbkatalog",
        "title_en": "Manual: administering WinLas Webbkatalog",
        "summary_sv": (
            "Så redigerar du startsidan, publicerar boktips och anpassar katalogens utseende."
        ),
        "summary_en": (
            "How to edit the front page, publish reading tips and adjust the look of the catalogue."
        ),
        "body_sv": (
            "Handboken vänder sig till den som ansvarar för bibliotekets webbkatalog. Den "
            "visar hur du lägger upp nyheter och boktips, skapar temalistor utifrån sparade "
            "sökningar och schemalägger publicering."
            "\n\n"
            "Du får också veta hur du ändrar färger och logotyp utan att försämra kontrasten, "
            "skriver bra alternativtexter och håller tillgänglighetsredogörelsen aktuell."
        ),
        "body_en": (
            "This manual is for whoever looks after the library's web catalogue. It shows how "
            "to post news and reading tips, build themed lists from saved searches and "
            "schedule publication."
            "\n\n"
            "You will also learn how to change colours and logo without compromising "
            "contrast, how to write good alt text and how to keep the accessibility "
            "statement current."
        ),
        "product_slug": "winlas-webbkatalog",
        "version": None,
        "published": datetime.date(2026, 6, 15),
        "duration_minutes": None,
    },
    {
        "slug": "film-katalogisera-fran-libris",
        "kind": "video",
        "title_sv": "Instruktionsfilm: katalogisera med poster från LIBRIS",
        "title_en": "Instruction video: cataloguing with LIBRIS records",
        "summary_sv": (
            "Se hur du hämtar en post från LIBRIS, jämför den med BURK och lägger till lokala "
            "uppgifter i den nya katalogiseringsvyn."
        ),
        "summary_en": (
            "Watch how to fetch a LIBRIS record, compare it with BURK and add local details "
            "in the new cataloguing view."
        ),
        "body_sv": (
            "Filmen visar hela flödet från ISBN till färdig post i version 8.5: sökning i "
            "LIBRIS och BURK, jämförelse sida vid sida, val av post och komplettering med "
            "hyllsignum, placering och ämnesord. Till sist visas hur du skriver ut "
            "streckkodsetiketter till exemplaren."
            "\n\n"
            "Filmen är textad på svenska."
        ),
        "body_en": (
            "The video follows the whole process from ISBN to finished record in version "
            "8.5: searching LIBRIS and BURK, comparing records side by side, picking one and "
            "adding shelf mark, location and subject terms. It ends by showing how to print "
            "barcode labels for the copies."
            "\n\n"
            "The video has Swedish subtitles."
        ),
        "product_slug": "winlas-bibliotek",
        "version": None,
        "published": datetime.date(2026, 10, 12),
        "duration_minutes": 8,
    },
    {
        "slug": "film-terminsstart-winlas-skola",
        "kind": "video",
        "title_sv": "Instruktionsfilm: terminsstart i WinLas Skola",
        "title_en": "Instruction video: the start of term in WinLas Skola",
        "summary_sv": (
            "En genomgång av allt du behöver göra i WinLas Skola när ett nytt läsår börjar."
        ),
        "summary_en": (
            "A walkthrough of everything to do in WinLas Skola when a new school year begins."
        ),
        "body_sv": (
            "Filmen visar hur du kontrollerar att elevimporten har gått igenom, hanterar "
            "elever som saknar klass, lånar ut klassuppsättningar och skriver ut nya "
            "lånekort. Den tar också upp hur du tar bort spärrar som ligger kvar från förra "
            "läsåret."
            "\n\n"
            "Filmen passar bra att titta på i början av augusti, innan eleverna är tillbaka."
        ),
        "body_en": (
            "The video shows how to check that the pupil import has gone through, deal with "
            "pupils who have no class, lend class sets and print new library cards. It also "
            "covers clearing blocks left over from the previous school year."
            "\n\n"
            "It is well worth watching in early August, before the pupils are back."
        ),
        "product_slug": "winlas-skola",
        "version": None,
        "published": datetime.date(2026, 8, 3),
        "duration_minutes": 12,
    },
    {
        "slug": "film-kiosk-dagligt-underhall",
        "kind": "video",
        "title_sv": "Instruktionsfilm: dagligt underhåll av kiosken",
        "title_en": "Instruction video: daily kiosk maintenance",
        "summary_sv": (
            "En kort film om att byta kvittorulle, starta om kiosken och tolka felmeddelanden."
        ),
        "summary_en": (
            "A short video on changing the receipt roll, restarting the kiosk and making "
            "sense of error messages."
        ),
        "body_sv": (
            "Filmen går igenom de rutiner som personalen behöver kunna: byta kvittorulle, "
            "tömma återlämningsfacket, starta om kiosken på rätt sätt och förstå de vanligaste "
            "felmeddelandena. Den visar också var du ser kioskens status i "
            "administrationsvyn."
        ),
        "body_en": (
            "The video covers the routines staff need to know: changing the receipt roll, "
            "emptying the returns slot, restarting the kiosk properly and understanding the "
            "most common error messages. It also shows where to check the kiosk's status in "
            "the admin view."
        ),
        "product_slug": "winlas-sjalvservice",
        "version": None,
        "published": datetime.date(2025, 11, 3),
        "duration_minutes": 6,
    },
]

# ---------------------------------------------------------------------------
# Sub-processors (demo data only; the real list replaces it)
# ---------------------------------------------------------------------------

SUBPROCESSORS: list[Row] = [
    {
        "name": "Nordisk Serverhall AB (exempel)",
        "purpose_sv": "Drift och hosting av WinLas molntjänster och webbplats i datacenter i Sverige.",
        "purpose_en": "Operation and hosting of the WinLas cloud services and website in data centres in Sweden.",
        "location_sv": "Sverige",
        "location_en": "Sweden",
        "safeguard_sv": "Personuppgiftsbiträdesavtal (DPA)",
        "safeguard_en": "Data processing agreement (DPA)",
        "position": 1,
    },
    {
        "name": "Säkerkopia Norr AB (exempel)",
        "purpose_sv": "Krypterad lagring av säkerhetskopior på en separat ort i Sverige.",
        "purpose_en": "Encrypted storage of backups at a separate site in Sweden.",
        "location_sv": "Sverige",
        "location_en": "Sweden",
        "safeguard_sv": "Personuppgiftsbiträdesavtal (DPA)",
        "safeguard_en": "Data processing agreement (DPA)",
        "position": 2,
    },
    {
        "name": "Brevbäraren E-post AB (exempel)",
        "purpose_sv": "Utskick av e-post, till exempel kursbekräftelser, påminnelser och nyhetsbrev.",
        "purpose_en": "Sending email such as course confirmations, reminders and newsletters.",
        "location_sv": "Sverige",
        "location_en": "Sweden",
        "safeguard_sv": "Personuppgiftsbiträdesavtal (DPA)",
        "safeguard_en": "Data processing agreement (DPA)",
        "position": 3,
    },
    {
        "name": "Ärendeverkstaden GmbH (exempel)",
        "purpose_sv": "Ärendehanteringssystem för supportärenden från kunder.",
        "purpose_en": "Ticketing system for customer support requests.",
        "location_sv": "Tyskland (EU)",
        "location_en": "Germany (EU)",
        "safeguard_sv": "Personuppgiftsbiträdesavtal (DPA)",
        "safeguard_en": "Data processing agreement (DPA)",
        "position": 4,
    },
    {
        "name": "Textbud Messaging Inc. (exempel)",
        "purpose_sv": "Utskick av sms-påminnelser till låntagare som har valt sms som aviseringssätt.",
        "purpose_en": "Sending text message reminders to borrowers who have chosen SMS notifications.",
        "location_sv": "USA",
        "location_en": "United States",
        "safeguard_sv": "Personuppgiftsbiträdesavtal (DPA) och EU:s standardavtalsklausuler (SCC)",
        "safeguard_en": "Data processing agreement (DPA) and EU standard contractual clauses (SCC)",
        "position": 5,
    },
]

# -- issue 17: products --
# ---------------------------------------------------------------------------
# Customer quotes (start page): invented, from fictional organisations, marked as demo
# content; a role, never a person's name
# ---------------------------------------------------------------------------

CUSTOMER_QUOTES: list[Row] = [
    {
        "organisation": "Exempelskolan, Exempelkommun",
        "role_sv": "Skolbibliotekarie",
        "role_en": "School librarian",
        "quote_sv": (
            "Klasserna finns på plats när terminen börjar, och eleverna hittar själva i "
            "katalogen. Min tid går till boksamtal i stället för till listor."
        ),
        "quote_en": (
            "The classes are in place when term starts, and the pupils find their way round "
            "the catalogue on their own. My time goes on book talks instead of lists."
        ),
        "is_demo": True,
        "position": 1,
    },
    {
        "organisation": "Exempelstads stadsbibliotek",
        "role_sv": "Bibliotekschef",
        "role_en": "Head of library",
        "quote_sv": (
            "Med självbetjäningen kan besökarna låna på kvällen fast ingen personal är på "
            "plats, och statistiken till årsrapporten tar vi fram direkt ur systemet."
        ),
        "quote_en": (
            "With self-service, visitors can borrow in the evening when no staff are in, and "
            "we take the figures for the annual report straight out of the system."
        ),
        "is_demo": True,
        "position": 2,
    },
    {
        "organisation": "Exempelkommun, kulturförvaltningen",
        "role_sv": "Systemansvarig för biblioteken",
        "role_en": "Library systems manager",
        "quote_sv": (
            "Skolbiblioteken och folkbiblioteken arbetar i samma system. När vi ringer "
            "supporten svarar någon som kan bibliotek."
        ),
        "quote_en": (
            "The school libraries and the public libraries work in the same system. When we "
            "call support, the person who answers knows libraries."
        ),
        "is_demo": True,
        "position": 3,
    },
]
# -- end issue 17: products --


# -- issue 17: language --
# a draft newsletter issue written in both languages: English subscribers get the English one
NEWSLETTER_ISSUES = [
    {
        "subject": "Nytt i WinLas: sommarens kurser",
        "body": "Hej!\n\nNu kan du anmäla dig till sommarens kurser i WinLas. Vi går igenom "
        "fjärrlån, statistik och det nya gränssnittet för utlån.\n\nVälkommen!",
        "subject_en": "News from WinLas: this summer's courses",
        "body_en": "Hello!\n\nYou can now sign up for this summer's WinLas courses. We cover "
        "interlibrary loans, statistics and the new lending interface.\n\nWelcome!",
    },
]
# -- end issue 17: language --
