from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from duban.api import views as api_views
from duban.api.v1 import api as api_v1
from duban.assessment import views as assessment_views
from duban.cockpit import views as cockpit_views
from duban.documents import views as document_views
from duban.notify import views as notify_views
from duban.projects import views as project_views
from duban.sso import account_views
from duban.sso import views as sso_views
from duban.supervision import views as supervision_views
from duban.web import audit as audit_pages
from duban.web import reporting as reporting_pages
from duban.web import start
from duban.web import tasks as task_pages
from duban.web import units as unit_pages
from duban.work import views, views_meetings

# The 400 page says why when a request was too large or sent too many files.
handler400 = "duban.work.uploads.bad_request"

urlpatterns = [
    path("", start.home, name="home"),
    path("inbox/", start.inbox, name="inbox"),
    path("cockpit/", cockpit_views.cockpit, name="cockpit"),
    path("cockpit/screen/", cockpit_views.cockpit_screen, name="cockpit_screen"),
    path("cockpit/data.json", cockpit_views.cockpit_data, name="cockpit_data"),
    path("tasks/", task_pages.task_list, name="task_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", task_pages.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/claim/", views.task_claim, name="task_claim"),
    path("tasks/<int:pk>/report/", views.report_edit, name="report_edit"),
    path("tasks/<int:pk>/deadline/", task_pages.deadline_request, name="deadline_request"),
    path("tasks/<int:pk>/close/", task_pages.close_request, name="close_request"),
    path("tasks/<int:pk>/milestones/", task_pages.milestone_add, name="milestone_add"),
    path("milestones/<int:pk>/delete/", views.milestone_delete, name="milestone_delete"),
    path("tasks/<int:pk>/instruct/", task_pages.instruction_create, name="instruction_create"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
    path("reports/accept/", views.reports_accept_many, name="reports_accept_many"),
    path("deadline-changes/<int:pk>/decide/", views.deadline_decide, name="deadline_decide"),
    path("close-requests/<int:pk>/decide/", views.close_decide, name="close_decide"),
    path("instructions/<int:pk>/read/", views.instruction_read, name="instruction_read"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/view/", views.attachment_view, name="attachment_view"),
    path("plans/", views_meetings.plan_list, name="plan_list"),
    path("plans/new/", views_meetings.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views_meetings.plan_detail, name="plan_detail"),
    path(
        "plans/<int:pk>/warnings/",
        supervision_views.plan_warning_settings,
        name="plan_warning_settings",
    ),
    path("plans/<int:pk>/import/", document_views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", document_views.import_preview, name="import_preview"),
    path("notices/<int:pk>/notice.docx", document_views.export_notice, name="export_notice"),
    path(
        "reviews/<str:month>/bulletin.docx", document_views.export_bulletin, name="export_bulletin"
    ),
    path("projects/export.xlsx", document_views.export_projects, name="export_projects"),
    path("tasks/export.xlsx", document_views.export_tasks, name="export_tasks"),
    path("warnings/export.xlsx", document_views.export_warnings, name="export_warnings"),
    path(
        "assessment/<str:quarter>/ranking.<str:ext>",
        document_views.export_ranking,
        name="export_ranking",
    ),
    path(
        "meetings/<int:pk>/assignment.docx",
        document_views.export_assignment,
        name="export_assignment",
    ),
    path("warnings/", supervision_views.warning_board, name="warning_board"),
    path("tasks/<int:pk>/notice/", task_pages.notice_issue, name="notice_issue"),
    path("notices/<int:pk>/answer/", task_pages.notice_answer, name="notice_answer"),
    path("warnings/<int:pk>/appeal/", task_pages.appeal_file, name="appeal_file"),
    path("appeals/<int:pk>/decide/", supervision_views.appeal_decide, name="appeal_decide"),
    path("reporting/", views_meetings.reporting_status, name="reporting_status"),
    path("reporting/burden/", reporting_pages.reporting_burden, name="reporting_burden"),
    path("reporting/burden/recount/", reporting_pages.burden_recount, name="burden_recount"),
    path("meetings/", views_meetings.meeting_list, name="meeting_list"),
    path("meetings/new/", views_meetings.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", task_pages.meeting_detail, name="meeting_detail"),
    path("units/", unit_pages.unit_list, name="unit_list"),
    path("units/pick/", unit_pages.unit_pick, name="unit_pick"),
    path("tasks/pick/", task_pages.task_pick, name="task_pick"),
    path("units/<int:pk>/", unit_pages.unit_detail, name="unit_detail"),
    path("assessment/", assessment_views.assessment_home, name="assessment_home"),
    path("assessment/<str:quarter>/", assessment_views.assessment_detail, name="assessment_detail"),
    path(
        "assessment/<str:quarter>/units/<int:unit>/adjust/",
        assessment_views.adjustment_edit,
        name="adjustment_edit",
    ),
    path(
        "assessment/<str:quarter>/lock/", assessment_views.assessment_lock, name="assessment_lock"
    ),
    path(
        "assessment/<str:quarter>/recount/",
        assessment_views.assessment_recount,
        name="assessment_recount",
    ),
    path(
        "assessment/<str:quarter>/reopen/",
        assessment_views.assessment_reopen,
        name="assessment_reopen",
    ),
    path("reviews/", assessment_views.review_list, name="review_list"),
    path("reviews/<str:month>/", assessment_views.review_detail, name="review_detail"),
    path("reviews/<str:month>/recount/", assessment_views.review_recount, name="review_recount"),
    path("projects/", project_views.project_list, name="project_list"),
    path("batches/", project_views.batch_list, name="batch_list"),
    path("indicators/", project_views.indicator_list, name="indicator_list"),
    path(
        "indicators/targets/<int:pk>/report/",
        project_views.indicator_report,
        name="indicator_report",
    ),
    path("batches/<int:pk>/", project_views.batch_detail, name="batch_detail"),
    path("projects/new/", project_views.project_edit, name="project_create"),
    path("projects/import/", project_views.project_import, name="project_import"),
    path("projects/<int:pk>/", project_views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", project_views.project_edit, name="project_edit"),
    path("projects/<int:pk>/stage/", project_views.stage_move, name="stage_move"),
    path("stage-moves/<int:pk>/evidence/", project_views.stage_evidence, name="stage_evidence"),
    path("projects/<int:pk>/plan/", project_views.investment_plan, name="investment_plan"),
    path("projects/<int:pk>/report/", project_views.investment_report, name="investment_report"),
    path("projects/<int:pk>/problem/", project_views.problem_raise, name="problem_raise"),
    path(
        "investment-reports/<int:pk>/review/",
        project_views.investment_review,
        name="investment_review",
    ),
    path("messages/", notify_views.message_list, name="message_list"),
    path("messages/<int:pk>/", notify_views.message_open, name="message_open"),
    path("messages/read/", notify_views.message_read_all, name="message_read_all"),
    path("outbox/", notify_views.outbox, name="outbox"),
    path("outbox/<int:pk>/retry/", notify_views.delivery_retry, name="delivery_retry"),
    path("webhooks/", notify_views.webhook_list, name="webhook_list"),
    path("webhooks/<int:pk>/", notify_views.webhook_detail, name="webhook_detail"),
    path("units/<int:pk>/robots/new/", notify_views.hook_create, name="hook_create"),
    path(
        "robots/<int:pk>/<str:action>/",
        notify_views.hook_action,
        name="hook_action",
    ),
    path("i18n/setlang/", notify_views.set_language, name="set_language"),
    path("api/v1/", api_v1.urls),
    path("audit/", audit_pages.audit_log_page, name="audit_log"),
    path("audit/export.xlsx", audit_pages.audit_export, name="audit_export"),
    path("me/tokens/", api_views.token_list, name="token_list"),
    path("me/tokens/<int:pk>/revoke/", api_views.token_revoke, name="token_revoke"),
    path("account/", account_views.account_page, name="account"),
    path("account/password/", account_views.password_change, name="password_change"),
    path("account/second-factor/", account_views.second_factor_verify, name="second_factor_verify"),
    path(
        "account/second-factor/setup/",
        account_views.second_factor_setup,
        name="second_factor_setup",
    ),
    path(
        "account/second-factor/remove/",
        account_views.second_factor_remove,
        name="second_factor_remove",
    ),
    path("account/sessions/<int:pk>/end/", account_views.session_end, name="session_end"),
    path(
        "account/sessions/end-others/",
        account_views.sessions_end_others,
        name="sessions_end_others",
    ),
    path("security/", account_views.security_desk, name="security_desk"),
    path(
        "security/lockouts/<int:pk>/release/",
        account_views.lockout_release,
        name="lockout_release",
    ),
    path("security/people/<int:pk>/reset-factor/", account_views.factor_reset, name="factor_reset"),
    path("login/", sso_views.LoginView.as_view(), name="login"),
    path("login/oidc/", sso_views.OIDCStart.as_view(), name="oidc_start"),
    path(
        "login/oidc/callback/",
        sso_views.OIDCCallback.as_view(),
        name="oidc_authentication_callback",
    ),
    path("login/cas/", sso_views.CASLogin.as_view(), name="cas_login"),
    path("login/<str:method>/", sso_views.chat_start, name="chat_start"),
    path("login/<str:method>/callback/", sso_views.chat_callback, name="chat_callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Uploads are never served from their folder, not even while debugging: each
# goes out through a view that checks who may see it (attachments, evidence).
