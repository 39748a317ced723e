"""URLs for privacy: the public notice at ``/privacy/`` and the organisers' request screens."""

from django.urls import path

from undersigned.supporters import privacy_views

app_name = "privacy"

urlpatterns = [
    path("privacy/", privacy_views.privacy_notice, name="notice"),
]

# Mounted under /admin/privacy/ by supporters/wagtail_hooks.py (after the admin login check).
admin_urls = (
    [
        path("", privacy_views.subject_search, name="search"),
        path("export/", privacy_views.subject_export, name="export"),
        path("erase/", privacy_views.subject_erase, name="erase"),
    ],
    "privacy_admin",
)
