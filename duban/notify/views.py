"""Pages: a person's messages; the office's outbox; a unit's chat robots; the
office's webhooks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from duban.org.http import AuthedRequest, chosen_office, forget_badges, office_query
from duban.org.models import Person
from duban.org.scope import scope_of
from duban.work.queries import visible_units
from duban.work.views import apply_errors

from . import services
from .forms import ChatHookForm, EndpointForm, EventsForm
from .models import Channel, ChatHook, DeliveryState, Endpoint, Notification
from .outbox import worker_last_seen
from .queries import visible_deliveries, visible_endpoints, visible_hooks
from .render import render as render_text


@login_required
def message_list(request: AuthedRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    mine = Notification.objects.filter(recipient=request.user)
    if unread_only:
        mine = mine.filter(read_at__isnull=True)
    page = Paginator(mine.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    # A message counts a warning's days to the day it was sent.
    items = [
        (n, render_text(n.kind, n.data, timezone.localdate(n.created_at))) for n in page.object_list
    ]
    # The badge, exact here (the menu keeps it a little while elsewhere).
    request.unread_total = (  # type: ignore[attr-defined]
        Notification.objects.filter(recipient=request.user, read_at__isnull=True).count()
    )
    return render(
        request,
        "notify/messages.html",
        {"page": page, "items": items, "unread_only": unread_only},
    )


@login_required
def message_open(request: AuthedRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(actor=request.user, notification=note)
    forget_badges(request)
    link = render_text(note.kind, note.data).link
    return redirect(link or "message_list")


@login_required
@require_POST
def message_read_all(request: AuthedRequest) -> HttpResponse:
    n = services.mark_read(actor=request.user)
    forget_badges(request)
    messages.success(request, _("%(n)s message(s) marked as read.") % {"n": n})
    return redirect("message_list")


@login_required
def outbox(request: AuthedRequest) -> HttpResponse:
    if not request.user.is_office:
        raise PermissionDenied(_("Only the supervision office can see the outbox."))
    state = request.GET.get("state", "")
    visible = visible_deliveries(request.user)
    rows = visible.select_related("hook__unit", "recipient", "endpoint")
    if state in DeliveryState.values:
        rows = rows.filter(state=state)
    counts = dict(visible.values("state").annotate(n=Count("id")).values_list("state", "n"))
    page = Paginator(rows.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/outbox.html",
        {
            "page": page,
            "state": state,
            "states": [
                (value, label, counts.get(value, 0)) for value, label in DeliveryState.choices
            ],
            "email_enabled": settings.DUBAN_EMAIL_ENABLED,
            "email_host": settings.EMAIL_HOST,
            "worker_seen": worker_last_seen(),
            "Channel": Channel,
        },
    )


@login_required
@require_POST
def delivery_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.is_office:
        raise PermissionDenied(_("Only the supervision office can resend messages."))
    delivery = get_object_or_404(visible_deliveries(request.user), pk=pk)
    services.delivery_retry(actor=request.user, delivery=delivery)
    messages.success(request, _("The message is queued again; the worker sends it shortly."))
    if delivery.endpoint_id:
        return redirect("webhook_detail", pk=delivery.endpoint_id)
    return redirect("outbox")


@login_required
def hook_create(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(visible_units(request.user), pk=pk)
    if not request.user.is_office:
        raise PermissionDenied(_("Only the supervision office can set up chat robots."))
    form = ChatHookForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            services.hook_create(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Chat robot added. Send a test message to check it."))
            return redirect("unit_detail", pk=unit.pk)
    return render(
        request,
        "work/simple_form.html",
        {"form": form, "title": _("Add a chat robot: %(unit)s") % {"unit": unit}},
        status=400 if request.method == "POST" else 200,
    )


def _hook(request: AuthedRequest, pk: int) -> ChatHook:
    """A robot of a unit inside the office person's scope (403 for another role, 404 outside)."""
    if not request.user.is_office:
        raise PermissionDenied(_("Only the supervision office can set up chat robots."))
    return get_object_or_404(visible_hooks(request.user).select_related("unit"), pk=pk)


@login_required
@require_POST
def hook_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    hook = _hook(request, pk)
    try:
        if action == "test":
            services.hook_test(actor=request.user, hook=hook)
            messages.success(request, _("Test message queued; see the outbox for the result."))
        elif action in ("on", "off"):
            services.hook_set_enabled(actor=request.user, hook=hook, enabled=action == "on")
        elif action == "delete":
            services.hook_delete(actor=request.user, hook=hook)
            messages.success(request, _("Chat robot removed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("unit_detail", pk=hook.unit_id)


def _office_only(request: AuthedRequest) -> None:
    if not scope_of(request.user).manages:
        raise PermissionDenied(services.WEBHOOKS_ONLY)


@never_cache
@login_required
def webhook_list(request: AuthedRequest) -> HttpResponse:
    """The office's webhooks, and a form to add one (its secret is shown once)."""
    _office_only(request)
    office = chosen_office(request)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(
                actor=request.user, office=office, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _endpoint_page(request, endpoint, secret=endpoint.secret, made=True)
    offices = list(scope_of(request.user).offices()[:50])
    return render(
        request,
        "notify/webhooks.html",
        {
            "form": form,
            "office": office,
            "offices": offices if len(offices) > 1 else [],
            "endpoints": visible_endpoints(request.user).filter(office=office),
            "office_query": office_query(request, office),
        },
        status=400 if request.method == "POST" else 200,
    )


def _endpoint_page(
    request: AuthedRequest,
    endpoint: Endpoint,
    *,
    form: EventsForm | None = None,
    secret: str = "",
    made: bool = False,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    deliveries = endpoint.deliveries.order_by("-created_at", "-id")
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    form = form or EventsForm(initial={"events": endpoint.events})
    return render(
        request,
        "notify/webhook.html",
        {
            "endpoint": endpoint,
            "form": form,
            "page": page,
            "secret": secret,
            "made": made,
            "problem": problem,
        },
        status=status,
    )


@never_cache
@login_required
def webhook_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One webhook: the events it hears, its deliveries, and what to do with it."""
    _office_only(request)
    endpoint = get_object_or_404(visible_endpoints(request.user).select_related("office"), pk=pk)
    if request.method != "POST":
        return _endpoint_page(request, endpoint)
    action = request.POST.get("action", "")
    try:
        if action == "events":
            form = EventsForm(request.POST)
            if not form.is_valid():
                return _endpoint_page(request, endpoint, form=form, status=400)
            services.endpoint_update(
                actor=request.user, endpoint=endpoint, events=form.cleaned_data["events"]
            )
            messages.success(request, _("The webhook's events are saved."))
        elif action == "ping":
            services.endpoint_ping(actor=request.user, endpoint=endpoint)
            messages.success(request, _("Test event queued; its delivery is listed below."))
        elif action in ("on", "off"):
            services.endpoint_set_enabled(
                actor=request.user, endpoint=endpoint, enabled=action == "on"
            )
            messages.success(
                request,
                _("The webhook is on.") if action == "on" else _("The webhook is off."),
            )
        elif action == "secret":
            endpoint = services.endpoint_new_secret(actor=request.user, endpoint=endpoint)
            return _endpoint_page(request, endpoint, secret=endpoint.secret)
        elif action == "delete":
            services.endpoint_delete(actor=request.user, endpoint=endpoint)
            messages.success(request, _("Webhook “%(name)s” removed.") % {"name": endpoint.name})
            return redirect(reverse("webhook_list") + office_query(request, endpoint.office))
        else:
            problem = _("Choose one of the page's buttons: there is no such action.")
            return _endpoint_page(request, endpoint, problem=problem, status=400)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("webhook_detail", pk=endpoint.pk)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; for a signed-in person it also becomes the
    language of their emails."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user: Any = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES):
        Person.objects.filter(pk=user.pk).update(language=language)
    return response
