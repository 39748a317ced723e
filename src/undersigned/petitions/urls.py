"""URLs of the petitions app that are not pages in the CMS tree."""

from django.urls import path, re_path

from undersigned.petitions import embed, open_data, views

app_name = "petitions"
# Where the sign form posts (also matched by sign_fast_path, in front of Django).
SIGN_PATTERN = r"^petitions/(?P<slug>[-\w]+)/sign/$"

urlpatterns = [
    # Open data: every published petition (not the petitions section's page at /petitions/).
    path("petitions.json", open_data.petition_list_json, name="list_json"),
    path("petitions.csv", open_data.petition_list_csv, name="list_csv"),
    # Page slugs may be Unicode ("café-closure"), which Django's <slug:> converter refuses.
    re_path(r"^petitions/(?P<slug>[-\w]+)\.json$", open_data.petition_json, name="json"),
    re_path(SIGN_PATTERN, views.petition_sign, name="sign"),
    re_path(
        r"^petitions/(?P<slug>[-\w]+)/share-card\.png$",
        views.petition_share_card,
        name="share_card",
    ),
    # The sign form in a partner site's frame (petitions/embed.py).
    re_path(r"^petitions/(?P<slug>[-\w]+)/embed/$", embed.petition_embed, name="embed"),
    re_path(
        r"^petitions/(?P<slug>[-\w]+)/embed/sign/$", embed.petition_embed_sign, name="embed_sign"
    ),
    re_path(
        r"^petitions/(?P<slug>[-\w]+)/embed/thank-you/$",
        embed.petition_embed_thank_you,
        name="embed_thank_you",
    ),
]
