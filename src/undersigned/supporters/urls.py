"""Public URLs of the supporters app: the unsubscribe link in every update email."""

from django.urls import path

from undersigned.supporters import views

app_name = "supporters"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
