"""URLs of the abuse controls that visitors' browsers call."""

from django.urls import path

from undersigned.abuse import views

app_name = "abuse"

urlpatterns = [
    path("abuse/challenge/", views.challenge, name="challenge"),
]
