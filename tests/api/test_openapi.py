"""The OpenAPI document and the Swagger UI docs page (local assets only, CSP-clean)."""

from __future__ import annotations

import re

from tests.api.conftest import ApiClient

EXPECTED_OPERATIONS = {
    ("/api/v1/auth/token", "post"): "auth_token_create",
    ("/api/v1/auth/tokens", "get"): "auth_token_list",
    ("/api/v1/auth/tokens/{token_id}", "delete"): "auth_token_revoke",
    ("/api/v1/me", "get"): "me_detail",
    ("/api/v1/me", "patch"): "me_update",
    ("/api/v1/org-units", "get"): "org_unit_list",
    ("/api/v1/org-units", "post"): "org_unit_create",
    ("/api/v1/org-units/{unit_id}", "get"): "org_unit_detail",
    ("/api/v1/org-units/{unit_id}", "patch"): "org_unit_update",
    ("/api/v1/org-units/{unit_id}", "delete"): "org_unit_delete",
    ("/api/v1/users", "get"): "user_list",
    ("/api/v1/users", "post"): "user_create",
    ("/api/v1/users/{user_id}", "get"): "user_detail",
    ("/api/v1/users/{user_id}", "patch"): "user_update",
    ("/api/v1/users/{user_id}/deactivate", "post"): "user_deactivate",
    ("/api/v1/users/{user_id}/reactivate", "post"): "user_reactivate",
    ("/api/v1/users/{user_id}/unlock", "post"): "user_unlock",
    ("/api/v1/users/{user_id}/reset-two-factor", "post"): "user_reset_two_factor",
    ("/api/v1/roles", "get"): "role_list",
    ("/api/v1/roles/{role_id}", "get"): "role_detail",
    ("/api/v1/roles/{role_id}", "patch"): "role_update",
    ("/api/v1/customers", "get"): "customer_list",
    ("/api/v1/customers", "post"): "customer_create",
    ("/api/v1/customers/duplicates", "get"): "customer_duplicate_check",
    ("/api/v1/customers/{customer_id}", "get"): "customer_detail",
    ("/api/v1/customers/{customer_id}", "patch"): "customer_update",
    ("/api/v1/customers/{customer_id}", "delete"): "customer_delete",
    ("/api/v1/customers/{customer_id}/timeline", "get"): "customer_timeline",
    ("/api/v1/customers/{customer_id}/transfer", "post"): "customer_transfer",
    ("/api/v1/contacts", "get"): "contact_list",
    ("/api/v1/contacts", "post"): "contact_create",
    ("/api/v1/contacts/{contact_id}", "get"): "contact_detail",
    ("/api/v1/contacts/{contact_id}", "patch"): "contact_update",
    ("/api/v1/contacts/{contact_id}", "delete"): "contact_delete",
    ("/api/v1/follow-ups", "get"): "follow_up_list",
    ("/api/v1/follow-ups", "post"): "follow_up_create",
    ("/api/v1/follow-ups/{follow_up_id}", "delete"): "follow_up_delete",
    ("/api/v1/tasks", "get"): "task_list",
    ("/api/v1/tasks", "post"): "task_create",
    ("/api/v1/tasks/{task_id}/complete", "post"): "task_complete",
    ("/api/v1/tasks/{task_id}/reopen", "post"): "task_reopen",
    ("/api/v1/tags", "get"): "tag_list",
    ("/api/v1/tags", "post"): "tag_create",
    ("/api/v1/segments", "get"): "segment_list",
    ("/api/v1/segments", "post"): "segment_create",
    ("/api/v1/segments/{segment_id}", "get"): "segment_detail",
    ("/api/v1/segments/{segment_id}", "patch"): "segment_update",
    ("/api/v1/segments/{segment_id}", "delete"): "segment_delete",
    ("/api/v1/segments/{segment_id}/persona", "get"): "segment_persona",
    ("/api/v1/segments/{segment_id}/customers", "get"): "segment_customer_list",
    ("/api/v1/recycle-bin", "get"): "recycle_bin_list",
    ("/api/v1/recycle-bin/{type}/{record_id}/restore", "post"): "recycle_bin_restore",
    ("/api/v1/recycle-bin/{type}/{record_id}", "delete"): "recycle_bin_purge",
    ("/api/v1/audit-events", "get"): "audit_event_list",
    ("/api/v1/imports", "post"): "import_job_create",
    ("/api/v1/imports", "get"): "import_job_list",
    ("/api/v1/imports/{job_id}", "get"): "import_job_detail",
    ("/api/v1/imports/{job_id}/run", "post"): "import_job_run",
    ("/api/v1/imports/{job_id}/errors", "get"): "import_job_errors",
    ("/api/v1/imports/templates/{entity}", "get"): "import_template_download",
    ("/api/v1/customers/export", "get"): "customer_export_file",
    ("/api/v1/inbox", "get"): "inbox_list",
    ("/api/v1/inbox/counts", "get"): "inbox_counts",
    ("/api/v1/handovers", "get"): "handover_list",
    ("/api/v1/handovers", "post"): "handover_create",
    ("/api/v1/handovers/{handover_id}", "get"): "handover_get",
    ("/api/v1/handovers/preview", "post"): "handover_preview",
    ("/api/v1/customers/{customer_id}/merge", "post"): "customer_merge",
    ("/api/v1/return-visits", "get"): "return_visit_list",
    ("/api/v1/return-visits", "post"): "return_visit_create",
    ("/api/v1/visit-policies", "get"): "visit_policy_list",
    ("/api/v1/visit-policies/{policy_id}", "patch"): "visit_policy_update",
    ("/api/v1/care-reminders", "get"): "care_reminder_list",
    ("/api/v1/care-reminders/{reminder_id}/sent", "post"): "care_reminder_mark_sent",
    ("/api/v1/care-reminders/{reminder_id}/skip", "post"): "care_reminder_skip",
    ("/api/v1/greeting-templates", "get"): "greeting_template_list",
    ("/api/v1/greeting-templates/{template_id}", "patch"): "greeting_template_update",
    ("/api/v1/satisfaction", "get"): "satisfaction_list",
    ("/api/v1/satisfaction", "post"): "satisfaction_create",
    ("/api/v1/feedback-tickets", "get"): "feedback_ticket_list",
    ("/api/v1/feedback-tickets", "post"): "feedback_ticket_create",
    ("/api/v1/feedback-tickets/{ticket_id}", "get"): "feedback_ticket_get",
    ("/api/v1/feedback-tickets/{ticket_id}", "patch"): "feedback_ticket_update",
    ("/api/v1/feedback-tickets/{ticket_id}", "delete"): "feedback_ticket_delete",
    ("/api/v1/feedback/dashboard", "get"): "feedback_dashboard",
    ("/api/v1/pools", "get"): "pool_list",
    ("/api/v1/pools", "post"): "pool_create",
    ("/api/v1/pools/{pool_id}", "get"): "pool_get",
    ("/api/v1/pools/{pool_id}", "patch"): "pool_update",
    ("/api/v1/pools/{pool_id}", "delete"): "pool_delete",
    ("/api/v1/pools/{pool_id}/customers", "get"): "pool_customer_list",
    ("/api/v1/pools/{pool_id}/assign", "post"): "pool_assign",
    ("/api/v1/pools/{pool_id}/rules", "get"): "pool_rule_list",
    ("/api/v1/pools/{pool_id}/rules", "post"): "pool_rule_create",
    ("/api/v1/pool-rules/{rule_id}", "patch"): "pool_rule_update",
    ("/api/v1/pool-rules/{rule_id}", "delete"): "pool_rule_delete",
    ("/api/v1/customers/{customer_id}/claim", "post"): "customer_claim",
    ("/api/v1/customers/{customer_id}/return", "post"): "customer_return",
    ("/api/v1/calendar-days", "get"): "calendar_day_list",
    ("/api/v1/calendar-days", "post"): "calendar_day_create",
    ("/api/v1/calendar-days/{day_id}", "delete"): "calendar_day_delete",
    ("/api/v1/pipelines", "get"): "pipeline_list",
    ("/api/v1/pipelines", "post"): "pipeline_create",
    ("/api/v1/pipelines/{pipeline_id}", "get"): "pipeline_detail",
    ("/api/v1/pipelines/{pipeline_id}", "patch"): "pipeline_update",
    ("/api/v1/pipelines/{pipeline_id}/stages", "post"): "stage_create",
    ("/api/v1/pipelines/{pipeline_id}/stage-order", "put"): "stage_reorder",
    ("/api/v1/stages/{stage_id}", "patch"): "stage_update",
    ("/api/v1/stages/{stage_id}", "delete"): "stage_delete",
    ("/api/v1/opportunities", "get"): "opportunity_list",
    ("/api/v1/opportunities", "post"): "opportunity_create",
    ("/api/v1/opportunities/{opportunity_id}", "get"): "opportunity_detail",
    ("/api/v1/opportunities/{opportunity_id}", "patch"): "opportunity_update",
    ("/api/v1/opportunities/{opportunity_id}", "delete"): "opportunity_delete",
    ("/api/v1/opportunities/{opportunity_id}/move", "post"): "opportunity_move",
    ("/api/v1/opportunities/{opportunity_id}/win", "post"): "opportunity_win",
    ("/api/v1/opportunities/{opportunity_id}/lose", "post"): "opportunity_lose",
    ("/api/v1/opportunities/{opportunity_id}/reopen", "post"): "opportunity_reopen",
    ("/api/v1/opportunities/{opportunity_id}/stage-events", "get"): "opportunity_stage_events",
    ("/api/v1/pipelines/{pipeline_id}/funnel", "get"): "pipeline_funnel",
    ("/api/v1/pipelines/{pipeline_id}/time-metrics", "get"): "pipeline_time_metrics",
    ("/api/v1/pipelines/{pipeline_id}/time-metrics/deals", "get"): "pipeline_time_metric_deals",
    ("/api/v1/product-lines", "get"): "product_line_list",
    ("/api/v1/product-lines", "post"): "product_line_create",
    ("/api/v1/product-lines/{line_id}", "patch"): "product_line_update",
    ("/api/v1/product-lines/{line_id}", "delete"): "product_line_delete",
    ("/api/v1/products", "get"): "product_list",
    ("/api/v1/products", "post"): "product_create",
    ("/api/v1/products/{product_id}", "get"): "product_detail",
    ("/api/v1/products/{product_id}", "patch"): "product_update",
    ("/api/v1/products/{product_id}", "delete"): "product_delete",
    ("/api/v1/price-lists", "get"): "price_list_list",
    ("/api/v1/price-lists", "post"): "price_list_create",
    ("/api/v1/price-lists/{price_list_id}", "get"): "price_list_detail",
    ("/api/v1/price-lists/{price_list_id}", "patch"): "price_list_update",
    ("/api/v1/price-lists/{price_list_id}", "delete"): "price_list_delete",
    ("/api/v1/prices", "get"): "price_quote",
    ("/api/v1/contracts", "get"): "contract_list",
    ("/api/v1/contracts", "post"): "contract_create",
    ("/api/v1/contracts/{contract_id}", "get"): "contract_detail",
    ("/api/v1/contracts/{contract_id}", "patch"): "contract_update",
    ("/api/v1/contracts/{contract_id}", "delete"): "contract_delete",
    ("/api/v1/contracts/{contract_id}/submit", "post"): "contract_submit",
    ("/api/v1/contracts/{contract_id}/approve", "post"): "contract_approve",
    ("/api/v1/contracts/{contract_id}/reject", "post"): "contract_reject",
    ("/api/v1/contracts/{contract_id}/recall", "post"): "contract_recall",
    ("/api/v1/contracts/{contract_id}/complete", "post"): "contract_complete",
    ("/api/v1/contracts/{contract_id}/void", "post"): "contract_void",
    ("/api/v1/approval-chains", "get"): "approval_chain_list",
    ("/api/v1/approval-chains", "post"): "approval_chain_create",
    ("/api/v1/approval-chains/{chain_id}", "patch"): "approval_chain_update",
    ("/api/v1/approval-chains/{chain_id}", "delete"): "approval_chain_delete",
    ("/api/v1/receivables", "get"): "receivable_list",
    ("/api/v1/receivables/totals", "get"): "receivable_totals",
    ("/api/v1/contracts/{contract_id}/payment-plan", "put"): "payment_plan_set",
    ("/api/v1/contracts/{contract_id}/payments", "get"): "payment_list",
    ("/api/v1/contracts/{contract_id}/payments", "post"): "payment_create",
    ("/api/v1/channels", "get"): "channel_list",
    ("/api/v1/channels", "post"): "channel_create",
    ("/api/v1/channels/performance", "get"): "channel_performance",
    ("/api/v1/channels/{channel_id}", "patch"): "channel_update",
    ("/api/v1/channels/{channel_id}", "delete"): "channel_delete",
    ("/api/v1/partners", "get"): "partner_list",
    ("/api/v1/partners", "post"): "partner_create",
    ("/api/v1/partners/{partner_id}", "patch"): "partner_update",
    ("/api/v1/partners/{partner_id}", "delete"): "partner_delete",
    ("/api/v1/returns", "get"): "sales_return_list",
    ("/api/v1/returns/rates", "get"): "return_rate_list",
    ("/api/v1/contracts/{contract_id}/returns", "post"): "sales_return_create",
    ("/api/v1/leads", "get"): "lead_list",
    ("/api/v1/leads", "post"): "lead_create",
    ("/api/v1/leads/{lead_id}", "get"): "lead_detail",
    ("/api/v1/leads/{lead_id}", "patch"): "lead_update",
    ("/api/v1/leads/{lead_id}", "delete"): "lead_delete",
    ("/api/v1/leads/{lead_id}/claim", "post"): "lead_claim",
    ("/api/v1/leads/assign", "post"): "lead_assign",
    ("/api/v1/leads/{lead_id}/convert", "post"): "lead_convert",
    ("/api/v1/goals", "get"): "goal_list",
    ("/api/v1/goals", "post"): "goal_create",
    ("/api/v1/goals/check", "post"): "goal_check",
    ("/api/v1/goals/{goal_id}", "get"): "goal_detail",
    ("/api/v1/goals/{goal_id}", "patch"): "goal_update",
    ("/api/v1/goals/{goal_id}", "delete"): "goal_delete",
    ("/api/v1/goals/{goal_id}/decompose", "post"): "goal_decompose",
    ("/api/v1/goals/{goal_id}/rebalance", "post"): "goal_rebalance",
    ("/api/v1/goals/{goal_id}/allocation", "get"): "goal_allocation",
    ("/api/v1/goals/{goal_id}/allocation/{part_id}", "patch"): "goal_part_update",
    ("/api/v1/work-reports", "get"): "workreport_list",
    ("/api/v1/work-reports", "post"): "workreport_create",
    ("/api/v1/work-reports/{report_id}", "get"): "workreport_detail",
    ("/api/v1/work-reports/{report_id}", "patch"): "workreport_update",
    ("/api/v1/work-reports/{report_id}", "delete"): "workreport_delete",
    ("/api/v1/work-reports/{report_id}/submit", "post"): "workreport_submit",
    ("/api/v1/work-reports/{report_id}/comments", "post"): "workreport_comment",
    ("/api/v1/goals/{goal_id}/progress", "get"): "goal_progress",
    ("/api/v1/progress", "get"): "progress_list",
    ("/api/v1/kpi-schemes", "get"): "kpi_scheme_list",
    ("/api/v1/kpi-schemes", "post"): "kpi_scheme_create",
    ("/api/v1/kpi-schemes/{scheme_id}", "get"): "kpi_scheme_detail",
    ("/api/v1/kpi-schemes/{scheme_id}", "patch"): "kpi_scheme_update",
    ("/api/v1/kpi-schemes/{scheme_id}", "delete"): "kpi_scheme_delete",
    ("/api/v1/scorecards", "get"): "scorecard_list",
    ("/api/v1/scorecards/{card_id}", "get"): "scorecard_detail",
    ("/api/v1/scorecards/compute", "post"): "scorecards_compute",
    ("/api/v1/scorecards/{card_id}/publish", "post"): "scorecard_publish",
    ("/api/v1/scorecards/{card_id}/lock", "post"): "scorecard_lock",
    ("/api/v1/scorecards/{card_id}/feedback", "patch"): "scorecard_feedback",
    ("/api/v1/leaderboard", "get"): "leaderboard",
    ("/api/v1/training-programs", "get"): "training_program_list",
    ("/api/v1/training-programs", "post"): "training_program_create",
    ("/api/v1/training-programs/{program_id}", "get"): "training_program_detail",
    ("/api/v1/training-programs/{program_id}", "patch"): "training_program_update",
    ("/api/v1/training-programs/{program_id}", "delete"): "training_program_delete",
    ("/api/v1/training-programs/{program_id}/effect", "get"): "training_program_effect",
    ("/api/v1/training-programs/{program_id}/sessions", "get"): "training_session_list",
    ("/api/v1/training-programs/{program_id}/sessions", "post"): "training_session_create",
    ("/api/v1/training-sessions/{session_id}", "get"): "training_session_detail",
    ("/api/v1/training-sessions/{session_id}", "patch"): "training_session_update",
    ("/api/v1/training-sessions/{session_id}", "delete"): "training_session_delete",
    ("/api/v1/training-sessions/{session_id}/attendance", "get"): "training_attendance_list",
    ("/api/v1/training-sessions/{session_id}/attendance", "post"): "training_attendance_record",
    ("/api/v1/training-sessions/{session_id}/invitations", "post"): "training_invite",
    ("/api/v1/training/mine", "get"): "training_mine",
    ("/api/v1/tiers", "get"): "tier_list",
    ("/api/v1/tiers", "post"): "tier_create",
    ("/api/v1/tiers/{tier_id}", "get"): "tier_detail",
    ("/api/v1/tiers/{tier_id}", "patch"): "tier_update",
    ("/api/v1/tiers/{tier_id}", "delete"): "tier_delete",
    ("/api/v1/tier-memberships", "get"): "tier_membership_list",
    ("/api/v1/tier-memberships", "post"): "tier_membership_create",
    ("/api/v1/tier-reviews", "get"): "tier_review_list",
    ("/api/v1/tier-reviews/compute", "post"): "tier_review_compute",
    ("/api/v1/tier-reviews/{review_id}/proposals", "get"): "tier_proposal_list",
    ("/api/v1/tier-proposals/confirm", "post"): "tier_proposals_confirm",
    ("/api/v1/tier-proposals/reject", "post"): "tier_proposals_reject",
    ("/api/v1/commission-plans", "get"): "commission_plan_list",
    ("/api/v1/commission-plans", "post"): "commission_plan_create",
    ("/api/v1/commission-plans/{plan_id}", "get"): "commission_plan_detail",
    ("/api/v1/commission-plans/{plan_id}", "patch"): "commission_plan_update",
    ("/api/v1/commission-plans/{plan_id}", "delete"): "commission_plan_delete",
    ("/api/v1/commission-statements", "get"): "commission_statement_list",
    ("/api/v1/commission-statements/{statement_id}", "get"): "commission_statement_detail",
    ("/api/v1/commission-statements/compute", "post"): "commission_statements_compute",
    ("/api/v1/commission-periods/lock", "post"): "commission_period_lock",
    ("/api/v1/commission-periods/unlock", "post"): "commission_period_unlock",
    ("/api/v1/lead-rules", "get"): "lead_rule_list",
    ("/api/v1/lead-rules", "post"): "lead_rule_create",
    ("/api/v1/lead-rules/{rule_id}", "put"): "lead_rule_update",
    ("/api/v1/lead-rules/{rule_id}", "delete"): "lead_rule_delete",
    ("/api/v1/metrics", "get"): "metric_list",
    ("/api/v1/metrics/{key}/values", "get"): "metric_values_list",
}


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_document_lists_every_operation(db):
    response = ApiClient().get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "SalesDesk API"
    operations = {
        (path, method): op["operationId"]
        for path, item in doc["paths"].items()
        for method, op in item.items()
    }
    assert operations == EXPECTED_OPERATIONS
    # Every $ref resolves; every operation documents its answers and (but one) needs auth.
    schemas = doc["components"]["schemas"]
    for ref in set(_refs(doc)):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schemas, ref
    assert set(doc["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    assert doc["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    for (path, method), op_id in EXPECTED_OPERATIONS.items():
        op = doc["paths"][path][method]
        assert op["responses"], op_id
        if op_id == "auth_token_create":
            assert "security" not in op
        else:
            assert op["security"] == [{"TokenAuth": []}, {"SessionAuth": []}], op_id
            assert op["responses"]["401"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }


def test_list_operations_document_the_page_parameters(db):
    doc = ApiClient().get("/api/openapi.json").json()
    for path in [
        "/api/v1/users",
        "/api/v1/org-units",
        "/api/v1/roles",
        "/api/v1/recycle-bin",
        "/api/v1/audit-events",
        "/api/v1/auth/tokens",
        "/api/v1/inbox",
    ]:
        params = {p["name"]: p for p in doc["paths"][path]["get"]["parameters"]}
        assert params["page_size"]["schema"]["maximum"] == 200, path
        assert params["page"]["schema"]["minimum"] == 1, path


def test_docs_page_uses_only_local_assets_and_fits_the_csp(db):
    client = ApiClient()
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert (
        "unsafe-inline"
        not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    scripts = re.findall(r"<script([^>]*)>", html)
    # Only external same-origin scripts run; the settings block is inert JSON.
    assert scripts == [
        ' type="application/json" id="swagger-settings"',
        ' src="/static/ninja/swagger-ui-bundle.js"',
        ' src="/static/ninja/swagger-ui-init.js"',
    ]
    assert '"url": "/api/openapi.json"' in html
    for asset in re.findall(r"""(?:src|href)="(/static/[^"]+)""", html):
        served = client.client.get(asset)
        assert served.status_code == 200, asset
