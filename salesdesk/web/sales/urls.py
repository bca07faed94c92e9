from django.urls import path

from salesdesk.web.sales import views

urlpatterns = [
    path("sales/products/", views.product_list, name="product_list"),
    path("sales/products/new/", views.product_create, name="product_create"),
    path("sales/products/<int:pk>/", views.product_detail, name="product_detail"),
    path("sales/products/<int:pk>/delete/", views.product_delete, name="product_delete"),
    path("sales/product-lines/", views.product_line_list, name="product_line_list"),
    path("sales/product-lines/<int:pk>/", views.product_line_edit, name="product_line_edit"),
    path(
        "sales/product-lines/<int:pk>/delete/",
        views.product_line_delete,
        name="product_line_delete",
    ),
    path("sales/price-lists/", views.price_list_list, name="price_list_list"),
    path("sales/price-lists/new/", views.price_list_create, name="price_list_create"),
    path("sales/price-lists/<int:pk>/", views.price_list_detail, name="price_list_detail"),
    path("sales/price-lists/<int:pk>/delete/", views.price_list_delete, name="price_list_delete"),
    path("sales/contracts/", views.contract_list, name="contract_list"),
    path("sales/contracts/export/", views.contract_export, name="contract_export"),
    path("sales/contracts/new/", views.contract_create, name="contract_create"),
    path("sales/contracts/line-row/", views.contract_line_row, name="contract_line_row"),
    path("sales/contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("sales/contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("sales/contracts/<int:pk>/delete/", views.contract_delete, name="contract_delete"),
    path("settings/approval-chains/", views.approval_chain_list, name="approval_chain_list"),
    path(
        "settings/approval-chains/new/",
        views.approval_chain_create,
        name="approval_chain_create",
    ),
    path(
        "settings/approval-chains/<int:pk>/",
        views.approval_chain_edit,
        name="approval_chain_edit",
    ),
    path(
        "settings/approval-chains/<int:pk>/delete/",
        views.approval_chain_delete,
        name="approval_chain_delete",
    ),
]

urlpatterns += [
    path("sales/receivables/", views.receivable_list, name="receivable_list"),
    path("sales/contracts/<int:pk>/plan/", views.contract_plan_set, name="contract_plan_set"),
    path(
        "sales/contracts/<int:pk>/instalments/<int:instalment_pk>/payments/",
        views.payment_create,
        name="payment_create",
    ),
]

# Last: the status actions' catch-all (submit, approve, reject, recall, complete, void).
urlpatterns += [
    path("sales/contracts/<int:pk>/<slug:action>/", views.contract_action, name="contract_action"),
]

urlpatterns = [
    path("sales/channels/", views.channel_list, name="channel_list"),
    path("sales/channels/performance/", views.channel_performance, name="channel_performance"),
    path("sales/channels/new/", views.channel_create, name="channel_create"),
    path("sales/channels/<int:pk>/", views.channel_edit, name="channel_edit"),
    path("sales/channels/<int:pk>/delete/", views.channel_delete, name="channel_delete"),
    path("sales/partners/new/", views.partner_create, name="partner_create"),
    path("sales/returns/", views.return_list, name="return_list"),
    path("sales/contracts/<int:pk>/returns/", views.return_create, name="return_create"),
    path("sales/partners/<int:pk>/", views.partner_edit, name="partner_edit"),
    path("sales/partners/<int:pk>/delete/", views.partner_delete, name="partner_delete"),
    *urlpatterns,
]
