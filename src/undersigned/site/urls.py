"""Site-wide URLs that are not pages: search, sitemap and robots.txt."""

from django.urls import path
from wagtail.contrib.sitemaps.views import sitemap

from undersigned.site import views

app_name = "site"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]

# Outside the "site" namespace, where Django's sitemap machinery looks it up.
sitemap_urlpatterns = [path("sitemap.xml", sitemap, name="sitemap")]
