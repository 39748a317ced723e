"""URL routing: Django views that are not pages first, then Wagtail's page tree."""

from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from undersigned.petitions import urls as petitions_urls
from undersigned.site import urls as site_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include(petitions_urls)),
    path("api/osdi/v1/", include("undersigned.osdi.urls")),
    path("", include("undersigned.abuse.urls")),
    path("", include("undersigned.supporters.urls")),
    path("", include(site_urls)),
    path("", include("undersigned.supporters.privacy_urls")),
    *site_urls.sitemap_urlpatterns,
]

if settings.DEBUG or settings.UNDERSIGNED_SERVE_MEDIA:
    # Uploaded images and documents, for installs without a web server in front.
    from django.views.static import serve as serve_file

    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve_file,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

urlpatterns += [path("", include(wagtail_urls))]

# A database outage is a 503 with Retry-After, not a 500 (see undersigned.site.outages).
handler500 = "undersigned.site.outages.server_error"
# Neither error page reads the request's body (a form Django cannot read must not fail twice).
handler400 = "undersigned.site.views.bad_request"
