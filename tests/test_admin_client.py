"""The shared admin client and form helper: CSRF is enforced, so a form without a token fails."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import SignatureFactory
from tests.html_forms import find_form, form_submit
from undersigned.petitions.models import SignatureState


def test_the_admin_client_refuses_a_post_without_a_csrf_token(admin_client, petition):
    signature = SignatureFactory(petition=petition)
    url = reverse("petitions_admin:moderate", args=[signature.pk, "invalidate"])

    assert admin_client.post(url, {"next": ""}).status_code == 403
    signature.refresh_from_db()
    assert signature.state == SignatureState.COUNTED


def test_a_form_whose_token_came_out_empty_fails_through_form_submit(admin_client, petition):
    signature = SignatureFactory(petition=petition)
    listing = reverse("petitions_signature:index")
    invalidate = reverse("petitions_admin:moderate", args=[signature.pk, "invalidate"])

    response = form_submit(admin_client, listing, {"csrfmiddlewaretoken": ""}, action=invalidate)
    assert response.status_code == 403
    signature.refresh_from_db()
    assert signature.state == SignatureState.COUNTED


def test_the_organiser_is_in_the_organisers_group_and_no_superuser(organiser):
    assert not organiser.is_superuser
    assert not organiser.is_staff
    assert list(organiser.groups.values_list("name", flat=True)) == ["Organisers"]


PAGE = """
<form method="get" action="/search/"><input name="q" value="x"></form>
<form method="post" action="/a/?next=/b/">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input type="text" name="title" value="Fish &amp; chips">
  <input type="checkbox" name="ticked" value="yes" checked>
  <input type="checkbox" name="unticked" value="yes">
  <input type="radio" name="pick" value="one"><input type="radio" name="pick" value="two" checked>
  <input type="text" name="off" value="gone" disabled>
  <select name="first"><option value="1">One</option><option value="2">Two</option></select>
  <select name="many" multiple><option selected>a</option><option>b</option>
    <option value="c" selected>C</option></select>
  <textarea name="body">
Line one
</textarea>
  <button type="submit" name="action" value="send">Send</button>
</form>
"""


def test_a_form_is_read_with_the_values_a_browser_would_send():
    form = find_form(PAGE, "/page/", action="/a/")
    assert form.action == "/a/?next=/b/"
    assert form.values() == {
        "csrfmiddlewaretoken": "tok",
        "title": "Fish & chips",
        "ticked": "yes",
        "pick": "two",
        "first": "1",
        "many": ["a", "c"],
        "body": "Line one\n",
    }
    assert form.submit_buttons == [("action", "send")]


def test_finding_a_form_that_is_not_there_says_which_forms_the_page_has():
    with pytest.raises(AssertionError, match=r"/a/\?next=/b/"):
        find_form(PAGE, "/page/", action="/elsewhere/")
