"""The daily to-do email (CUS-8): who gets it when, once per local day, in their language."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from salesdesk.core.digest import (
    PREFERENCE_KEY,
    digest_deliver,
    digest_preference_update,
    digests_due,
    digests_send,
)
from salesdesk.core.models import DigestLog, UserPreference
from salesdesk.core.tasks import inbox_digests_send
from salesdesk.customers import services
from tests.customers.conftest import make_customer

UTC = ZoneInfo("UTC")
SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-01-15 00:05 UTC = 08:05 in Shanghai = 00:05 in London (winter)
SH_MORNING = datetime(2026, 1, 15, 0, 5, tzinfo=UTC)
# 2026-01-15 08:05 UTC = 16:05 in Shanghai = 08:05 in London
LDN_MORNING = datetime(2026, 1, 15, 8, 5, tzinfo=UTC)


@pytest.fixture
def people(org):
    """rep (Shanghai, Chinese) and lead (London, English), each with to-dos today."""
    org.rep.email, org.rep.time_zone, org.rep.language = (
        "rep@example.com",
        "Asia/Shanghai",
        "zh-hans",
    )
    org.rep.save(update_fields=["email", "time_zone", "language"])
    org.lead.email, org.lead.time_zone, org.lead.language = (
        "lead@example.com",
        "Europe/London",
        "en",
    )
    org.lead.save(update_fields=["email", "time_zone", "language"])
    customer = make_customer(org.rep, "北京星辰科技有限公司")
    services.task_create(
        actor=org.rep,
        title="回电话 Call back",
        due_at=datetime(2026, 1, 13, 15, 0, tzinfo=SHANGHAI),
        customer=customer,
    )
    services.task_create(
        actor=org.rep,
        title="发报价 Send quote",
        due_at=datetime(2026, 1, 15, 17, 30, tzinfo=SHANGHAI),
    )
    services.task_create(
        actor=org.rep, title="Next week", due_at=datetime(2026, 1, 22, 9, 0, tzinfo=SHANGHAI)
    )
    services.task_create(
        actor=org.lead, title="Review pipeline", due_at=datetime(2026, 1, 15, 11, 0, tzinfo=UTC)
    )
    return {"customer": customer}


def send(now):
    """What the 15-minute job does, with the email sent right away (Huey immediate mode)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("salesdesk.core.digest._queue", lambda pk: digest_deliver(pk, now=now))
        return digests_send(now=now)


@pytest.mark.django_db(transaction=True)
class TestDigest:
    def test_each_user_gets_it_at_their_own_8_oclock(self, org, people):
        claimed = send(SH_MORNING)
        assert [(u.username, d.isoformat()) for u, d in claimed] == [("rep", "2026-01-15")]
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["rep@example.com"]
        assert message.subject == "2026-01-15 的待办：逾期 1 条，今天 1 条"
        customer = people["customer"]
        assert message.body == (
            "张三 Zhang San，您好：\n\n"
            "2026-01-15 的待办：逾期 1 条，今天 1 条。\n\n"
            "== 任务 ==\n"
            f"- [已逾期] 2026-01-13 15:00 回电话 Call back · 北京星辰科技有限公司\n"
            f"  http://127.0.0.1:8000/customers/{customer.pk}/?tab=tasks\n"
            "- 2026-01-15 17:30 发报价 Send quote\n"
            "  http://127.0.0.1:8000/customers/tasks/\n\n"
            "打开待办箱： http://127.0.0.1:8000/inbox/\n\n"
            "您收到此邮件是因为开启了每日待办邮件。可在此修改： http://127.0.0.1:8000/inbox/email/\n"
        )
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert (
            f'<a href="http://127.0.0.1:8000/customers/{customer.pk}/?tab=tasks">'
            "回电话 Call back</a>" in html
        )
        assert "Next week" not in html and "Next week" not in message.body
        log = DigestLog.objects.get()
        assert (log.user_id, log.date.isoformat(), log.item_count) == (org.rep.pk, "2026-01-15", 2)
        assert log.sent_at is not None

        # London's 08:00 comes eight hours later: the lead now, the rep not again.
        mail.outbox.clear()
        claimed = send(LDN_MORNING)
        assert [u.username for u, _d in claimed] == ["lead"]
        assert [(m.to, m.subject) for m in mail.outbox] == [
            (["lead@example.com"], "Your to-dos for 2026-01-15: 0 overdue, 1 today")
        ]
        assert "- 2026-01-15 11:00 Review pipeline\n" in mail.outbox[0].body
        assert mail.outbox[0].body.startswith("Hello 李主管 Lead Li,\n")

    def test_reruns_send_nothing_twice(self, org, people):
        send(SH_MORNING)
        send(SH_MORNING + timedelta(minutes=15))
        send(SH_MORNING + timedelta(hours=2))
        assert [m.to for m in mail.outbox] == [["rep@example.com"]]
        assert DigestLog.objects.count() == 1
        # A log claimed by another worker is never delivered twice.
        log = DigestLog.objects.get()
        assert digest_deliver(log.pk, now=SH_MORNING) is False
        assert len(mail.outbox) == 1
        # The next local day brings the next email.
        send(SH_MORNING + timedelta(days=1))
        assert len(mail.outbox) == 2

    def test_not_before_the_hour_nor_long_after(self, org, people):
        assert digests_due(datetime(2026, 1, 14, 23, 55, tzinfo=UTC)) == []  # 07:55 Shanghai
        late = datetime(2026, 1, 15, 4, 5, tzinfo=UTC)  # 12:05 Shanghai: past the catch-up window
        assert [u.username for u, _d in digests_due(late)] == []
        assert [u.username for u, _d in digests_due(late - timedelta(minutes=10))] == ["rep"]

    def test_users_with_nothing_to_do_get_nothing(self, org, people):
        org.director.email, org.director.time_zone = "director@example.com", "Asia/Shanghai"
        org.director.save(update_fields=["email", "time_zone"])
        claimed = send(SH_MORNING)
        assert sorted(u.username for u, _d in claimed) == ["director", "rep"]
        assert [m.to for m in mail.outbox] == [["rep@example.com"]]
        log = DigestLog.objects.get(user=org.director)
        assert (log.sent_at, log.item_count) == (None, 0)

    def test_inactive_users_without_email_or_opted_out_get_nothing(self, org, people):
        org.deactivated.email, org.deactivated.time_zone = "gone@example.com", "Asia/Shanghai"
        org.deactivated.save(update_fields=["email", "time_zone"])
        org.other_rep.time_zone = "Asia/Shanghai"  # no email address
        org.other_rep.save(update_fields=["time_zone"])
        digest_preference_update(actor=org.rep, enabled=False, hour=8)
        assert digests_due(SH_MORNING) == []
        assert send(SH_MORNING) == []
        assert mail.outbox == []
        assert DigestLog.objects.count() == 0

    def test_own_hour(self, org, people):
        digest_preference_update(actor=org.rep, enabled=True, hour=18)
        assert digests_due(SH_MORNING) == []
        evening = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)  # 18:00 Shanghai, 10:00 London
        assert [u.username for u, _d in digests_due(evening)] == ["lead", "rep"]

    def test_preference_validation_changes_nothing(self, org):
        for kwargs, errors in [
            ({"enabled": False, "hour": 24}, {"hour": ["Choose an hour between 0 and 23."]}),
            (
                {"enabled": True, "hour": 8},
                {"enabled": ["Add an email address to your profile first."]},
            ),
        ]:
            with pytest.raises(Exception) as exc:
                digest_preference_update(actor=org.rep, **kwargs)
            assert exc.value.message_dict == errors
        assert not UserPreference.objects.filter(key=PREFERENCE_KEY).exists()

    def test_periodic_job_and_cli(self, org, people, monkeypatch):
        out = StringIO()
        monkeypatch.setattr("salesdesk.core.digest.timezone.now", lambda: SH_MORNING)
        call_command("send_digests", "--dry-run", stdout=out)
        assert out.getvalue() == "rep <rep@example.com> 2026-01-15\n1 to-do email(s) due.\n"
        assert DigestLog.objects.count() == 0 and mail.outbox == []
        assert inbox_digests_send.call_local() == 1
        assert [m.to for m in mail.outbox] == [["rep@example.com"]]
        assert inbox_digests_send.call_local() == 0
        assert len(mail.outbox) == 1
