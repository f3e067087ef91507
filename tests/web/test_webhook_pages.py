"""Team settings · Webhooks in the browser: admins add one (the secret shown once), send a test,
see its deliveries and redeliver, pause and resume, change and delete it; members get 403."""
import re

from linear_web.infra.extensions import db
from linear_web.models import Webhook, WebhookDelivery
from linear_web.services import outbox


def test_add_a_webhook_see_the_secret_once_and_deliveries(client, eng, receiver):
    client.login(eng.admin)
    page = client.get("/team/ENG/webhooks").get_data(as_text=True)
    assert 'aria-current="page">Webhooks<' in page and "No webhooks yet." in page
    resp = client.post("/team/ENG/webhooks", data={"url": receiver.url, "events": ["ISSUE_CREATED"]})
    html = resp.get_data(as_text=True)
    hook = db.session.scalar(db.select(Webhook))
    assert resp.status_code == 201 and hook.secret in html and "only now" in html
    assert resp.headers["Cache-Control"] == "no-store"
    again = client.get("/team/ENG/webhooks").get_data(as_text=True)
    assert hook.secret not in again and receiver.url in again and "ISSUE_CREATED" in again
    assert client.post(f"/team/ENG/webhooks/{hook.id}/test").status_code == 303
    outbox.run_once()
    detail = client.get(f"/team/ENG/webhooks/{hook.id}").get_data(as_text=True)
    row = re.search(r'<tr id="delivery-[^"]+" class="delivery delivery-delivered">.*?</tr>', detail, re.S).group(0)
    assert "PING" in row and ">200<" in row and "Redeliver" in row
    delivery = db.session.scalar(db.select(WebhookDelivery))
    client.post(f"/team/ENG/webhooks/{hook.id}/deliveries/{delivery.id}/redeliver")
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookDelivery)) == 2


def test_refused_urls_re_render_the_form_with_the_message(client, eng):
    client.login(eng.admin)
    resp = client.post("/team/ENG/webhooks", data={"url": "http://127.0.0.1:8000/x"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "private, loopback" in html and 'value="http://127.0.0.1:8000/x"' in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Webhook)) == 0


def test_pause_resume_edit_and_delete(client, eng, receiver):
    client.login(eng.admin)
    client.post("/team/ENG/webhooks", data={"url": receiver.url})
    hook = db.session.scalar(db.select(Webhook))
    client.post(f"/team/ENG/webhooks/{hook.id}/active", data={"active": "false"})
    db.session.expire_all()
    assert db.session.get(Webhook, hook.id).active is False
    assert "Paused" in client.get("/team/ENG/webhooks").get_data(as_text=True)
    client.post(f"/team/ENG/webhooks/{hook.id}/active", data={"active": "true"})
    resp = client.post(f"/team/ENG/webhooks/{hook.id}", data={"url": receiver.url + "/v2",
                                                               "events": ["LABEL_CREATED"]})
    assert resp.status_code == 303
    db.session.expire_all()
    changed = db.session.get(Webhook, hook.id)
    assert changed.active and changed.url.endswith("/v2") and changed.event_types == ["LABEL_CREATED"]
    bad = client.post(f"/team/ENG/webhooks/{hook.id}", data={"url": "gopher://x"})
    assert bad.status_code == 422 and "http:// or https://" in bad.get_data(as_text=True)
    hid = hook.id
    assert client.post(f"/team/ENG/webhooks/{hid}/delete").status_code == 303
    db.session.expire_all()
    assert db.session.get(Webhook, hid) is None


def test_members_get_403_and_outsiders_404(client, eng, receiver, outsider):
    client.login(eng.admin)
    client.post("/team/ENG/webhooks", data={"url": receiver.url})
    hook = db.session.scalar(db.select(Webhook))
    client.login(eng.member)
    assert client.get("/team/ENG/webhooks").status_code == 403
    assert client.get(f"/team/ENG/webhooks/{hook.id}").status_code == 403
    assert client.post(f"/team/ENG/webhooks/{hook.id}/delete").status_code == 403
    client.login(outsider.user)
    assert client.get("/team/ENG/webhooks").status_code == 404
    assert client.post(f"/team/ENG/webhooks/{hook.id}/test").status_code == 404
    assert db.session.get(Webhook, hook.id) is not None


def test_the_webhook_pages_run_a_fixed_number_of_queries(client, eng, receiver, count_queries):
    from linear_web.services import webhooks
    client.login(eng.admin)
    client.post("/team/ENG/webhooks", data={"url": receiver.url})
    hook = db.session.scalar(db.select(Webhook))

    def queries() -> tuple[int, int]:
        client.get(f"/team/ENG/webhooks/{hook.id}")   # warm the session's caches
        with count_queries() as page:
            assert client.get(f"/team/ENG/webhooks/{hook.id}").status_code == 200
        with count_queries() as listing:
            assert client.get("/team/ENG/webhooks").status_code == 200
        return page.count, listing.count

    few = queries()
    for _ in range(5):
        webhooks.ping(eng.admin, hook.id)
    for _ in range(3):
        webhooks.create_webhook(eng.admin, eng.team.id, {"url": receiver.url})
    assert queries() == few
