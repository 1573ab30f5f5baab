"""Messages to people: the in-app inbox, and the outbox of emails, chat robot
posts and other systems' webhooks that the worker sends with retries.

Every message has a key that names what it is about ("warning:12:4", "notice:3"):
the database refuses a second message with the same key to the same person or
robot, so a scan that runs twice, or two workers at once, never send twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duban.lib.crypto import SealedCharField


class Kind(models.TextChoices):
    WARNING = "warning", _("Warning")
    DUE = "due", _("Deadline reminder")
    NOTICE = "notice", _("Supervision notice")
    RETURNED = "returned", _("Report returned")
    INSTRUCTION = "instruction", _("Leader's instruction")
    DIGEST = "digest", _("Weekly digest")
    REVIEW = "review", _("Monthly review")
    PROJECT = "project", _("Project warning")
    TEST = "test", _("Test message")


class Notification(models.Model):
    """One message in one person's in-app inbox. Its text is rendered in the
    reader's language when shown, from the kind and the facts in `data`."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=120)
    task = models.ForeignKey(
        "work.Task", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="one_message_per_key")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.key}"


class HookKind(models.TextChoices):
    DINGTALK = "dingtalk", _("DingTalk robot")
    WECOM = "wecom", _("WeCom robot")
    FEISHU = "feishu", _("Feishu / Lark robot")


class ChatHook(models.Model):
    """A unit's group chat robot: messages about the unit's tasks are posted there."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="chat_hooks")
    kind = models.CharField(_("kind"), max_length=10, choices=HookKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The address carries the robot's access token: sealed, as the secret is.
    url = SealedCharField(_("webhook address"))
    # DingTalk's "加签" and Feishu's "签名校验": the secret signs each post.
    secret = SealedCharField(_("signing secret"), blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit_id", "id"]
        verbose_name = _("chat robot")
        verbose_name_plural = _("chat robots")

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class EventType(models.TextChoices):
    """What an office's systems can be told of (outgoing webhooks)."""

    TASK_ASSIGNED = "task.assigned", _("Task assigned")
    TASK_CLAIMED = "task.claimed", _("Task claimed")
    REPORT_SUBMITTED = "report.submitted", _("Report filed")
    REPORT_ACCEPTED = "report.accepted", _("Report accepted")
    REPORT_RETURNED = "report.returned", _("Report returned")
    WARNING_RAISED = "warning.raised", _("Warning raised")
    WARNING_ESCALATED = "warning.escalated", _("Warning escalated")
    NOTICE_ISSUED = "notice.issued", _("Supervision notice issued")
    TASK_CLOSED = "task.closed", _("Task closed")
    STAGE_MOVED = "project.stage_moved", _("Project stage moved")


class Endpoint(models.Model):
    """An address of another system (the OA, the big-data bureau's platform, a
    dashboard) that an office has told duban to post its events to. Each post
    is signed with the endpoint's secret (``duban.notify.webhooks``)."""

    office = models.ForeignKey(
        "org.Unit", verbose_name=_("office"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("address"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    # Needed in clear to sign each post (so sealed, not hashed); shown once,
    # when it is made.
    secret = SealedCharField()
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["office_id", "id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name

    def event_labels(self) -> list[str]:
        return [str(EventType(e).label) for e in self.events if e in EventType.values]


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    HOOK = "hook", _("Chat robot")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, given up")


class Delivery(models.Model):
    """One message to send outside duban: an email to a person or a post to a
    chat robot. Rendered when queued, in the destination's language; sent by
    the worker, retried with back-off; never deleted when it fails."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    key = models.CharField(max_length=120)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    hook = models.ForeignKey(
        ChatHook, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    address = models.CharField(_("to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    link = models.CharField(max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=models.Q(channel="email"),
                name="one_email_per_key",
            ),
            models.UniqueConstraint(
                fields=["hook", "key"],
                condition=models.Q(channel="hook"),
                name="one_post_per_key",
            ),
            models.UniqueConstraint(
                fields=["endpoint", "key"],
                condition=models.Q(channel="webhook"),
                name="one_event_per_endpoint",
            ),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.key}"


class ScheduleSlot(models.Model):
    """When each scheduled job is next due. A worker claims a run by moving
    `next_run_at` forward with a conditional update, so two workers never
    start the same run twice. The row "heartbeat" says when a worker last looked."""

    name = models.CharField(max_length=40, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class FanoutCursor(models.Model):
    """How far the fan-out has read an append-only record (the task timeline):
    the worker tells people about the rows after ``last_id`` and moves it on
    with a conditional update in the same transaction, so of two workers one
    tells, and a crash tells nothing or everything."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_id}"
