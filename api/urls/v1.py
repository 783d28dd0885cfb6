"""/api/v1/: the first version of the REST API, with CAP 1.2 alerts
(``messages/<pk>/cap/``) and Atom feeds of them (``feeds/…``)."""

from django.urls import path, re_path

from api.views import aggregates, cap, member_reports, messages, networks
from api.views.base import NotFoundView

app_name = "v1"

urlpatterns = [
    path("networks/", networks.NetworkList.as_view(), name="networks"),
    path("networks/<str:slug>/", networks.NetworkDetail.as_view(), name="network"),
    path("networks/<str:slug>/streets/", networks.StreetList.as_view(), name="streets"),
    path("messages/", messages.MessageListCreate.as_view(), name="messages"),
    path("messages/<int:pk>/", messages.MessageDetail.as_view(), name="message"),
    path("messages/<int:pk>/delivery/", messages.MessageDelivery.as_view(), name="delivery"),
    path("messages/<int:pk>/submit/", messages.MessageSubmit.as_view(), name="submit"),
    path("messages/<int:pk>/publish/", messages.MessagePublish.as_view(), name="publish"),
    path("messages/<int:pk>/cap/", cap.MessageCap.as_view(), name="message_cap"),
    path("feeds/zones/<str:number>/", cap.ZoneCapFeed.as_view(), name="feed_zone"),
    path("feeds/networks/<str:slug>/", cap.NetworkCapFeed.as_view(), name="feed_network"),
    path(
        "aggregates/networks/<str:slug>/",
        aggregates.NetworkAggregates.as_view(),
        name="aggregates_network",
    ),
    path(
        "aggregates/municipalities/<str:code>/",
        aggregates.MunicipalityAggregates.as_view(),
        name="aggregates_municipality",
    ),
    path(
        "aggregates/zones/<str:number>/",
        aggregates.ZoneAggregates.as_view(),
        name="aggregates_zone",
    ),
    path(
        "aggregates/national/", aggregates.NationalAggregates.as_view(), name="aggregates_national"
    ),
    path("member-reports/", member_reports.MemberReportList.as_view(), name="member_reports"),
    path(
        "member-reports/<int:pk>/",
        member_reports.MemberReportDetail.as_view(),
        name="member_report",
    ),
    # Whatever else lies under /api/v1/ (a path a converter refused, a typo)
    # answers 404 in the API's own problem+json, not with the HTML page.
    re_path(r"^[\s\S]*$", NotFoundView.as_view(), name="not_found"),
]
