"""The OSDI API's addresses, under ``/api/osdi/v1/`` (no trailing slashes, as OSDI has them)."""

from django.urls import path

from undersigned.osdi import views

app_name = "osdi"

urlpatterns = [
    path("", views.entry_point, name="entry_point"),
    path("petitions", views.petitions, name="petitions"),
    path("petitions/<int:petition_id>", views.petition, name="petition"),
    path("petitions/<int:petition_id>/signatures", views.signatures, name="signatures"),
    path(
        "petitions/<int:petition_id>/signatures/record_signature_helper",
        views.record_signature_helper,
        name="record_signature_helper",
    ),
    path(
        "petitions/<int:petition_id>/signatures/<int:signature_id>",
        views.signature,
        name="signature",
    ),
    path("people", views.people, name="people"),
    path("people/<int:person_id>", views.person, name="person"),
]
