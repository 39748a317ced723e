"""Public URLs of the supporters app: the links in supporters' emails."""

from django.urls import path

from undersigned.supporters import views

app_name = "supporters"

urlpatterns = [
    path("supporters/confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
