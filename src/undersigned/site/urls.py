"""Site-wide URLs that are not pages: search, sitemap, robots.txt and the brand colours."""

from django.urls import path, re_path
from wagtail.contrib.sitemaps.views import sitemap

from undersigned.site import views

app_name = "site"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    re_path(
        r"^brand/(?P<brand>[0-9a-f]{6})-(?P<accent>[0-9a-f]{6})\.css$",
        views.brand_css,
        name="brand_css",
    ),
]

# Outside the "site" namespace, where Django's sitemap machinery looks it up.
sitemap_urlpatterns = [path("sitemap.xml", sitemap, name="sitemap")]
