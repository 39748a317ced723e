"""URLs of the petitions app that are not pages in the CMS tree."""

from django.urls import path

from undersigned.petitions import views

app_name = "petitions"

urlpatterns = [
    path("petitions/<slug:slug>.json", views.petition_json, name="json"),
]
