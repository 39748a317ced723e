"""The news factories build valid, published pages in the right place in the tree."""

import pytest

from tests.factories import (
    NewsletterIssueFactory,
    NewsStoryPageFactory,
    SectionPageFactory,
    StandardPageFactory,
    VideoPageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory",
    [NewsStoryPageFactory, StandardPageFactory, SectionPageFactory, VideoPageFactory],
)
def test_page_factories_build_live_pages_that_pass_validation(home, factory):
    page = factory()
    page.full_clean()
    assert page.live
    assert page.specific_class.can_exist_under(page.get_parent().specific)


def test_the_newsletter_issue_factory_builds_an_issue_with_a_document(home):
    issue = NewsletterIssueFactory()
    issue.full_clean()
    assert issue.document.file.name.endswith(".pdf")
    assert issue.page.live
