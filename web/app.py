"""The Litestar application, assembled in exactly one place: `create_app()`."""

from __future__ import annotations

import gc
from pathlib import Path

from jinja2 import Environment
from litestar import Litestar, Response
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import NotAuthorizedException
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from core.db import DB
from core.jobs import broker_from_settings
from core.restriction import ProcessingRestricted
from core.settings import get_settings
from web import request_labels
from web.auth import (
    SessionMiddleware,
    TotpEnrolmentRequired,
    access_guard,
    enrolment_required,
    not_signed_in,
    secret_key,
)
from web.errors import EXCEPTION_HANDLERS
from web.i18n import LocaleMiddleware
from web.i18n_jinja import install_jinja_i18n
from web.middleware import HostTenantRewrite, TenantScopeMiddleware
from web.privacy_labels import purpose_text
from web.routes.access_bundles import AdminBundleController, SelfBundleController
from web.routes.account import AccountController
from web.routes.account_totp import AccountTotpController
from web.routes.accounting_export import AccountingExportController
from web.routes.admin_areas import AdminAreasController
from web.routes.admin_audit import AdminAuditController
from web.routes.admin_newsletter import AdminNewsletterController
from web.routes.admin_operator_access import AdminOperatorAccessController
from web.routes.admin_plugins import AdminPluginsController
from web.routes.admin_processing import AdminProcessingController
from web.routes.admin_processors import AdminProcessorsController, safeguard_text
from web.routes.admin_recipient_tasks import AdminRecipientTasksController
from web.routes.admin_retention import AdminRetentionController
from web.routes.admin_retention_runs import AdminRetentionRunsController
from web.routes.admin_settings import AdminSettingsController
from web.routes.admin_transfers import AdminTransfersController
from web.routes.admin_users import AdminUsersController
from web.routes.api_content import ContentApiController, PersonContentApiController
from web.routes.api_organizations import OrganizationApiController, api_router
from web.routes.api_persons import PersonApiController
from web.routes.attachments import AttachmentController
from web.routes.content import ContentPagesController
from web.routes.content_detail import ContentDetailController
from web.routes.content_embeds import ContentEmbedsController
from web.routes.customer_records import (
    ItemCommentsController,
    OrganizationRecordsController,
    PersonRecordsController,
)
from web.routes.erasure_pages import AdminErasureController
from web.routes.exports import ExportController
from web.routes.health import HealthController
from web.routes.imports import ImportController
from web.routes.language import LanguageController, TenantLanguageController
from web.routes.legal_holds import LegalHoldController
from web.routes.login import LoginController
from web.routes.login_code import LoginCodeController
from web.routes.merge import MergePagesController
from web.routes.operator_console import OperatorConsoleController
from web.routes.operator_login import OperatorLoginController
from web.routes.operator_tools import OperatorToolsController
from web.routes.organizations import OrganizationPagesController
from web.routes.person_changes import PersonChangesController
from web.routes.person_consents import PersonConsentsController, SelfConsentsController
from web.routes.person_privacy import PersonPrivacyController, restricted_response
from web.routes.persons import PersonPagesController
from web.routes.privacy_notice import AdminPrivacyNoticeController, PublicPrivacyNoticeController
from web.routes.search import SearchController
from web.routes.self_service import SelfServiceController
from web.routes.self_service_requests import SelfServiceRequestsController
from web.routes.seller_contacts import SellerContactsController
from web.routes.subject_requests import AdminRequestsController, PersonRequestsController
from web.routes.tenant_home import TenantHomeController

HERE = Path(__file__).parent


def configure_jinja(env: Environment) -> None:
    """The templates' environment: gettext and locale filters that follow each request's
    language (web.i18n) and the product's own filters. The benchmarks' baselines use it too."""
    install_jinja_i18n(env)
    env.filters["actor"] = request_labels.actor_text
    env.filters["safeguard"] = safeguard_text
    env.filters["purpose"] = purpose_text


def _jinja(engine: JinjaTemplateEngine) -> None:
    configure_jinja(engine.engine)


async def _vary_on_htmx(response: Response) -> Response:
    # Pages and their fragments share URLs; caches must keep them apart.
    vary = response.headers.get("Vary", "")
    if "HX-Request" not in vary:
        response.headers["Vary"] = f"{vary}, HX-Request" if vary else "HX-Request"
    return response


def _freeze_startup_objects() -> None:
    """What start-up built (routes, templates, catalogs) lives as long as the process: frozen
    out of the collector's way, a full collection no longer walks it. Measured on the person
    page: a 100–170 ms pause every ~70 requests before, ~2 ms after."""
    gc.collect()
    gc.freeze()


def create_app(*, prepare_runtime: bool = True) -> HostTenantRewrite:
    """Build the ASGI app. `prepare_runtime` finds the servers (skipped when tests already did)."""
    settings = get_settings()
    if prepare_runtime:
        from tenants.runtime import prepare

        settings = prepare()
        # Jobs a request commits go to the broker right after the commit (tenants.scope);
        # without a broker in this process they would wait for the scheduler's minute sweep.
        broker_from_settings(settings)
    app = Litestar(
        route_handlers=[
            HealthController,
            TenantHomeController,
            LoginController,
            LoginCodeController,
            AccountController,
            AccountTotpController,
            AdminOperatorAccessController,
            OperatorLoginController,
            OperatorConsoleController,
            OperatorToolsController,
            AdminSettingsController,
            AdminUsersController,
            AdminAreasController,
            AdminAuditController,
            AdminProcessingController,
            AdminRetentionController,
            AdminRetentionRunsController,
            SelfServiceController,
            SelfConsentsController,
            SelfServiceRequestsController,
            SelfBundleController,
            AdminRequestsController,
            AdminRecipientTasksController,
            AdminPrivacyNoticeController,
            PublicPrivacyNoticeController,
            AdminPluginsController,
            AdminNewsletterController,
            AdminProcessorsController,
            AdminTransfersController,
            AdminBundleController,
            PersonRequestsController,
            PersonChangesController,
            LanguageController,
            TenantLanguageController,
            api_router(
                OrganizationApiController,
                PersonApiController,
                PersonContentApiController,
                ContentApiController,
            ),
            ImportController,
            ExportController,
            AccountingExportController,
            PersonPagesController,
            PersonConsentsController,
            PersonPrivacyController,
            LegalHoldController,
            AdminErasureController,
            MergePagesController,
            OrganizationPagesController,
            PersonRecordsController,
            OrganizationRecordsController,
            ItemCommentsController,
            SellerContactsController,
            ContentPagesController,
            ContentDetailController,
            ContentEmbedsController,
            AttachmentController,
            SearchController,
            create_static_files_router(path="/static", directories=[HERE / "static"]),
        ],
        # Order matters: the session is read inside the tenant's transaction.
        middleware=[LocaleMiddleware(), TenantScopeMiddleware(), SessionMiddleware()],
        guards=[access_guard],
        csrf_config=CSRFConfig(
            secret=secret_key(),
            cookie_name="kortisto_csrf",
            header_name="x-csrf-token",
            cookie_secure=settings.env not in ("development", "test"),
            cookie_samesite="lax",
            cookie_httponly=False,
        ),
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(
            directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_jinja
        ),
        exception_handlers={
            **EXCEPTION_HANDLERS,
            NotAuthorizedException: not_signed_in,
            TotpEnrolmentRequired: enrolment_required,
            ProcessingRestricted: restricted_response,  # Art. 18: 409 with the reason
        },  # type: ignore[dict-item]
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        # Test runs build hundreds of short-lived apps: freezing each would keep them all.
        on_startup=[] if settings.env == "test" else [_freeze_startup_objects],
        on_shutdown=[DB.close_pools_of_current_loop],
        after_request=_vary_on_htmx,
        debug=False,
    )
    return HostTenantRewrite(app, cache_seconds=settings.tenant_cache_seconds)
