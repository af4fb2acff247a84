from django.urls import path

from crm import access
from deals import list_views, views

app_name = "deals"

urlpatterns = [
    path("deals/", list_views.deal_list, name="deal-list"),
    path("deals/board/", views.board, name="board"),
    path("pipelines/<int:pk>/board/", views.board, name="board"),
    path("deals/board/stages/<int:pk>/cards/", views.board_column, name="board-column"),
    path("deals/new/", views.deal_create, name="deal-create"),
    path("deals/stage-options/", views.stage_options, name="stage-options"),
    path("deals/lookup/companies/", views.company_lookup, name="company-lookup"),
    path("deals/lookup/contacts/", views.contact_lookup, name="contact-lookup"),
    path("deals/<int:pk>/", views.deal_detail, name="deal-detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal-edit"),
    path("deals/<int:pk>/move/", views.deal_move, name="deal-move"),
    path("deals/<int:pk>/won/", views.deal_won, name="deal-won"),
    path("deals/<int:pk>/lost/", views.deal_lost, name="deal-lost"),
    path("deals/<int:pk>/reopen/", views.deal_reopen, name="deal-reopen"),
    path("deals/<int:pk>/delete/", views.deal_delete, name="deal-delete"),
    path("settings/pipelines/", views.pipeline_list, name="pipeline-list"),
    path("settings/pipelines/new/", views.pipeline_create, name="pipeline-create"),
    path("settings/pipelines/<int:pk>/", views.pipeline_edit, name="pipeline-edit"),
    path("settings/pipelines/<int:pk>/delete/", views.pipeline_delete, name="pipeline-delete"),
]

access.declare(
    app_name,
    {
        "deal-list": access.perm("deals.view_deal"),
        "board": access.perm("deals.view_deal"),
        "board-column": access.perm("deals.view_deal"),
        "deal-create": access.perm("deals.add_deal"),
        "stage-options": access.perm("deals.view_deal"),
        "company-lookup": access.perm("contacts.view_company"),
        "contact-lookup": access.perm("contacts.view_contact"),
        "deal-detail": access.perm("deals.view_deal"),
        "deal-edit": access.perm("deals.change_deal"),
        "deal-move": access.perm("deals.change_deal"),
        "deal-won": access.perm("deals.change_deal"),
        "deal-lost": access.perm("deals.change_deal"),
        "deal-reopen": access.perm("deals.change_deal"),
        "deal-delete": access.perm("deals.delete_deal"),
        "pipeline-list": access.perm("deals.change_pipeline"),
        "pipeline-create": access.perm("deals.add_pipeline"),
        "pipeline-edit": access.perm("deals.change_pipeline"),
        "pipeline-delete": access.perm("deals.delete_pipeline"),
    },
)
