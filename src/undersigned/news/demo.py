"""Demo content for the news app: the reference story with fictional names, and the plain pages.

``news_demo_load`` looks every page up by its slug before creating it, so it can run on every
start of ``undersigned demo`` without duplicating anything or undoing an organiser's edits.
"""

from __future__ import annotations

import datetime
import io

from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.utils.file import hash_filelike

from undersigned.news.models import (
    NewsIndexPage,
    NewsletterIssue,
    NewsletterPage,
    NewsStoryPage,
    SectionPage,
    StandardPage,
    VideoIndexPage,
    VideoPage,
)
from undersigned.petitions.models import PetitionPage
from undersigned.site.models import HomePage, LinkPage
from undersigned.site.pages import child_page_ensure

REPORT_URL = "https://example.org/reports/example-borough-childrens-services-2017"
LEADER = "Cllr Chris Holloway"
LEADER_PHONE = "020 7946 0500"

STORY_BODY = [
    (
        "paragraph",
        "<p>In a devastating announcement, it has been revealed this morning that Example "
        "Borough Council has failed its inspection, with social services for children judged "
        "to be \u2018Inadequate\u2019 across the board.</p>"
        "<p>The department, under the direction of Cabinet Member Cllr Sam Rivers, has three "
        "months to prove to the government that it has the ability to improve significantly. "
        "If it fails, the government will deem the service irreparable and putting children "
        "at risk, and will remove the running of social services from Example Borough "
        "Council.</p>"
        "<p>The last full inspection of children\u2019s services took place in 2012, under the "
        "previous administration. At the time it was rated \u2018Good\u2019 and "
        "\u2018Adequate\u2019 for the various measures the inspectors use to make their "
        "assessment. Tellingly, it was seen as having \u2018Good\u2019 capacity for improvement "
        "at that time.</p>"
        "<p>Today\u2019s deeply disturbing judgement reveals a chaotic and mismanaged service, "
        "going sharply backwards under the current administration and reversing what was "
        "measured as a positive direction of travel in 2012. The administration could have "
        "built on this legacy, but instead it allowed this vital service to crumble.</p>"
        "<p>Cllr Jo Patel, our spokesperson for children and young people, has condemned the "
        "administration\u2019s performance:</p>",
    ),
    (
        "quote",
        {
            "text": "This is the first time children\u2019s services in Example Borough have "
            "ever been judged to be failing, and it should be greatly concerning to every "
            "parent in the borough. The administration has squandered the progress made "
            "before it took office and is failing the borough\u2019s most vulnerable children "
            "and young people.",
            "attribution": "Cllr Jo Patel, spokesperson for children and young people",
        },
    ),
    (
        "paragraph",
        "<p>Today\u2019s news means that Example Borough Council may find that its children\u2019s "
        "social services are taken away from its control for good. It has just three months to "
        "demonstrate that it can be trusted to manage the improvement required, and if it fails "
        "the department could be removed from council control and run by an independent trust. "
        "The government has already appointed a commissioner to oversee the work for the next "
        "few months, and the council has been made to set up an Improvement Board of government "
        "experts, its own senior managers, consultants, the administration and a member of the "
        "opposition, Cllr Jo Patel.</p>"
        "<p>Our councillors have today demanded an Extraordinary Council Meeting, to give the "
        "press and public the opportunity to witness councillors discussing this vital issue. "
        "The meeting will debate the motion:</p>",
    ),
    (
        "quote",
        {
            "text": "This Council regrets the failure of this administration to operate safe and "
            "effective children and families social services and apologises to the people of "
            "Example Borough for running a service found by inspectors in September 2017 to be "
            "inadequate across the board. The Council pledges to deal with the failures and "
            "weaknesses outlined by the report, including addressing the poor political "
            "oversight highlighted.",
            "attribution": "Motion to the Extraordinary Council Meeting",
        },
    ),
    (
        "paragraph",
        f"<p>{LEADER}, Leader of the Example Borough Residents group (and lead member for "
        "Children\u2019s Services 2008\u201314), comments:</p>",
    ),
    (
        "quote",
        {
            "text": "This is a really sad day for our town and proof that the administration is "
            "failing the most vulnerable families in our town. The scale of the neglect "
            "outlined in the report is staggering in its failure. That the report tells us "
            "that the political leadership was unaware how bad it had let things get is a "
            "damning indictment of its shocking neglect of basic council duties.\n\n"
            "Cllr Sam Rivers has been responsible for this area for nearly four years and has "
            "fundamentally failed in their duty as Cabinet Member for Children, Young People "
            "and Learning. They need to consider whether the department, and the borough\u2019s "
            "children, are safe with them remaining in that position.",
            "attribution": f"{LEADER}, Leader of the Example Borough Residents group",
        },
    ),
    (
        "paragraph",
        f'<p>The <a href="{REPORT_URL}">full inspection report</a> can be read online.</p>',
    ),
]

FINDINGS = [
    "Too many services for children and young people in Example Borough are poor. This means "
    "that not all children are kept safe from harm or are helped early enough.",
    "Senior leaders know that services need to be better, but they have taken too long to take "
    "action to improve them.",
    "There are widespread and serious failures in the services provided to children and their "
    "families in Example Borough that leave some children at risk of significant harm.",
    "Children do not receive robust and timely responses to ensure that risk is reduced and "
    "their needs are met. The local authority was required to take immediate action in a small "
    "number of cases identified by inspectors during the inspection.",
    "Since the local authority was inspected in 2012, there has been significant deterioration "
    "in the quality of service provision. Poor managerial oversight of cases fails to ensure "
    "that basic social work practice is of a good enough standard.",
    "Too many children wait too long for a decision to be made as to whether they need to be "
    "looked after, or they return home without sufficient support. This has left them at risk "
    "of significant harm from neglectful parenting.",
    "A lack of challenge from the Local Safeguarding Children Board (LSCB) has not assisted in "
    "raising safeguarding standards in the local authority.",
]

PARAGRAPH_58 = (
    "<p>Ambition and prioritisation are good. Elected members are effective in raising the "
    "profile of children and young people across the council. The Lead Member, who has held this "
    "role since 2008, chairs the Children and Families Partnership Board, which includes regular "
    "meetings with representatives of the Youth Council. He is well informed about the quality "
    "of services at a strategic level and at the front line and is committed to improving "
    "outcomes for children and young people. Elected members have protected front line services "
    "from the most severe budget cuts, and have supported the co-location of early intervention "
    "staff and children\u2019s social care services, which is enabling better communication and "
    "helping to ensure that children and young people receive the most appropriate services for "
    "their needs. Plans for a multi-agency safeguarding hub are well advanced and are intended "
    "to strengthen further the quality of partnership working and improve outcomes for children "
    "and young people.</p>"
)

NOTES_TO_EDITORS = [
    (
        "paragraph",
        "<p>The key findings of the report are:</p><ul>"
        + "".join(f"<li>{finding}</li>" for finding in FINDINGS)
        + "</ul><p>These are verbatim quotes from the report.</p>"
        "<p>The commentary on the role of elected members in 2017 is in stark contrast to the "
        f"commentary in 2012, when the lead member was {LEADER}. Below is the relevant section "
        "from the 2012 report in full:</p>",
    ),
    ("numbered_paragraph", {"number": 58, "text": PARAGRAPH_58}),
    (
        "paragraph",
        "<p>For further information about this or any other issue relating to Example Borough "
        f"Residents, please contact {LEADER} on "
        f'<a href="tel:+44{LEADER_PHONE[1:].replace(" ", "")}">{LEADER_PHONE}</a>.</p>',
    ),
]

MORE_STORIES = [
    {
        "slug": "keep-northfield-library-open",
        "title": "Residents rally to keep Northfield Library open",
        "date": datetime.date(2017, 8, 21),
        "standfirst": "More than two hundred people joined a read-in on Saturday against the "
        "council's plan to close the library.",
        "paragraph": "<p>Families, pensioners and students filled Northfield Library on Saturday "
        "for a read-in against the council's plan to close it next spring. The library lends "
        "more than 1,000 books a week and is the only place nearby with free computers.</p>"
        "<p>Our councillors will ask the council to publish the figures behind the decision.</p>",
        "tags": ["Libraries", "Northfield"],
    },
    {
        "slug": "high-street-pothole-survey",
        "title": "High Street pothole survey: 47 reported in one month",
        "date": datetime.date(2017, 7, 10),
        "standfirst": "Residents reported 47 potholes on and around the High Street in June. "
        "We have passed every one to the council.",
        "paragraph": "<p>Thank you to everyone who took part in our pothole survey. The worst "
        "stretch is between the station and the market, where cyclists have had two falls this "
        "summer.</p><p>Report a pothole to the council's highways team and copy us in, so that "
        "we can follow it up.</p>",
        "tags": ["Roads", "Town centre"],
    },
    {
        "slug": "council-tax-budget-explained",
        "title": "What the council's new budget means for you",
        "date": datetime.date(2017, 3, 2),
        "standfirst": "Council tax rises by 4.99% from April. Here is where the money goes, "
        "and what is being cut.",
        "paragraph": "<p>The council has set its budget for the coming year. A band D home will "
        "pay an extra \u00a363 a year.</p><ul><li>Adult social care: up 6%</li><li>Libraries: "
        "down 12%</li><li>Street cleaning: unchanged</li></ul>",
        "tags": ["Council", "Budget"],
    },
]


def _newsletter_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a title and a few lines of text, written out by hand."""

    def text(value: str) -> str:
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    commands = ["BT", "/F1 22 Tf", "72 760 Td", f"({text(title)}) Tj", "/F1 12 Tf", "0 -36 Td"]
    for line in lines:
        commands += [f"({text(line)}) Tj", "0 -18 Td"]
    commands.append("ET")
    stream = "\n".join(commands).encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(pdf)


def _newsletter_document(*, title: str, filename: str, lines: list[str]):
    """The newsletter's document, uploaded once (found again by its title)."""
    document_model = get_document_model()
    document = document_model.objects.filter(title=title).first()
    if document is not None:
        return document
    data = _newsletter_pdf(title, lines)
    document = document_model(title=title, file_size=len(data))
    document.file.save(filename, ContentFile(data), save=False)
    document.file_hash = hash_filelike(io.BytesIO(data))
    document.save()
    return document


def _news_section(home: HomePage, petition: PetitionPage) -> NewsIndexPage:
    news = child_page_ensure(
        home,
        NewsIndexPage,
        "news",
        title="News & local issues",
        show_in_menus=True,
        intro="Stories from around the borough.",
    )
    child_page_ensure(
        news,
        NewsStoryPage,
        "childrens-services-rated-inadequate",
        title="Inspectors rate Example Borough's children's services 'inadequate'",
        date=datetime.date(2017, 9, 4),
        author="Example Borough Residents press office",
        standfirst=(
            "The borough's children's social care has failed its inspection for the first "
            "time, judged inadequate across the board."
        ),
        body=STORY_BODY,
        notes_to_editors=NOTES_TO_EDITORS,
        related_petition=petition,
        tags=["Children's services", "Council"],
    )
    for details in MORE_STORIES:
        child_page_ensure(
            news,
            NewsStoryPage,
            details["slug"],
            title=details["title"],
            date=details["date"],
            standfirst=details["standfirst"],
            body=[("paragraph", details["paragraph"])],
            tags=details["tags"],
        )
    return news


def _videos(home: HomePage) -> None:
    videos = child_page_ensure(
        home,
        VideoIndexPage,
        "videos",
        title="Videos",
        show_in_menus=True,
        intro="Films from our campaigns. Nothing loads from the video site until you press play.",
    )
    child_page_ensure(
        videos,
        VideoPage,
        "demo-video",
        title="Demo video: Big Buck Bunny",
        date=datetime.date(2017, 9, 8),
        video_url="https://www.youtube.com/watch?v=aqz-KE-bpKQ",
        description=(
            "<p>A short film by the Blender Foundation (Creative Commons Attribution), standing "
            "in for a campaign video in this demo.</p>"
        ),
    )


def _newsletters(home: HomePage) -> None:
    if home.get_children().filter(slug="newsletters").exists():
        return
    spring = _newsletter_document(
        title="In Touch, Spring 2018",
        filename="in-touch-spring-2018.pdf",
        lines=[
            "News from Example Borough Residents.",
            "Children's services: what has changed since the inspection.",
            "Northfield Library: the campaign continues.",
        ],
    )
    autumn = _newsletter_document(
        title="In Touch, Autumn 2017",
        filename="in-touch-autumn-2017.pdf",
        lines=[
            "News from Example Borough Residents.",
            "Children's services rated inadequate: sign our petition.",
            "High Street potholes: the survey results.",
        ],
    )
    child_page_ensure(
        home,
        NewsletterPage,
        "newsletters",
        title="Newsletters",
        show_in_menus=True,
        intro="<p><i>In Touch</i>, our newsletter, delivered to every home twice a year.</p>",
        issues=[
            NewsletterIssue(
                title="In Touch, Autumn 2017", date=datetime.date(2017, 10, 2), document=autumn
            ),
            NewsletterIssue(
                title="In Touch, Spring 2018", date=datetime.date(2018, 3, 5), document=spring
            ),
        ],
    )


def _plain_pages(home: HomePage) -> None:
    parliament = child_page_ensure(
        home,
        SectionPage,
        "parliament-and-assembly",
        title="Parliament & assembly",
        show_in_menus=True,
        intro="Example Borough is split between two parliamentary constituencies.",
    )
    for slug, name, candidate in (
        ("example-borough-north", "Example Borough North", "Priya Shah"),
        ("example-borough-south", "Example Borough South", "Tom Okafor"),
    ):
        child_page_ensure(
            parliament,
            StandardPage,
            slug,
            title=name,
            intro=f"The {name} constituency and our candidate, {candidate}.",
            body=[
                (
                    "paragraph",
                    f"<p>{candidate} has lived in {name} for twenty years and runs the "
                    "residents' surgery on the first Saturday of every month.</p>",
                )
            ],
        )
    child_page_ensure(
        home,
        StandardPage,
        "boundary-review",
        title="Boundary review",
        show_in_menus=True,
        intro="The Boundary Commission is redrawing the borough's wards. Have your say.",
        body=[
            (
                "paragraph",
                "<p>The proposals would merge Northfield and Eastgate wards. You can comment on "
                "them until the end of the consultation; we will publish our response here.</p>",
            )
        ],
    )
    child_page_ensure(
        home,
        StandardPage,
        "youth",
        title="Young Residents",
        show_in_menus=True,
        intro="Our youth group, for members aged 16 to 25.",
        body=[
            (
                "paragraph",
                "<p>We meet once a month, campaign on the issues young people in the borough "
                "care about, and help out at every election.</p>",
            )
        ],
    )
    # The privacy notice is generated from the site settings at /privacy/; the menu links to it.
    child_page_ensure(
        home,
        LinkPage,
        "privacy-policy",
        title="Privacy policy & cookies",
        show_in_menus=True,
        link_url="/privacy/",
    )


@transaction.atomic
def news_demo_load(*, home: HomePage, petition: PetitionPage) -> None:
    """The news section with the reference story, videos, newsletters and the plain pages."""
    _news_section(home, petition)
    _videos(home)
    _newsletters(home)
    _plain_pages(home)
