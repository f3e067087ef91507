"""The issue timeline in words: planning fields, relations, edited/deleted comments and files."""
import html as htmllib
import io
import re
from datetime import date

from linear_web.services import attachments, comments, issues, labels, relations, teams
from linear_web.web.activity_words import short_date

from ..services.test_attachments import empty_upload_dir


def _lines(client, ref) -> list[str]:
    html = client.get(f"/issue/{ref}").get_data(as_text=True)
    texts = re.findall(r'<span class="activity-text">(.*?)</span>\s*<time', html, re.S)
    return [htmllib.unescape(" ".join(re.sub(r"<[^>]+>", "", t).split())) for t in texts]


def test_short_date_shows_the_year_only_when_it_is_not_this_year():
    today = date(2026, 3, 1)
    assert short_date("2026-12-05", today) == "Dec 5"
    assert short_date(date(2027, 1, 9), today) == "Jan 9, 2027"
    assert short_date("not a date", today) == "not a date"


def test_planning_changes_read_as_sentences(client, f, eng):
    year = date.today().year
    teams.update_team(eng.admin, eng.team.id, estimates="tshirt")
    bug, ui, docs = (labels.create_label(eng.admin, eng.team.id, n) for n in ("Bug", "UI", "Docs"))
    parent_a, parent_b = f.issue(eng.team, eng.admin, title="A"), f.issue(eng.team, eng.admin, title="B")
    issue = f.issue(eng.team, eng.admin, title="Subject")
    ref = issue.identifier
    steps = [
        ({"label_ids": [str(bug.id)]}, "Ada Lovelace added label Bug"),
        ({"label_ids": [str(bug.id), str(ui.id), str(docs.id)]}, "Ada Lovelace added labels Docs, UI"),
        ({"label_ids": [str(docs.id)]}, "Ada Lovelace removed labels Bug, UI"),
        ({"label_ids": [str(bug.id)]}, "Ada Lovelace added label Bug and removed label Docs"),
        ({"parent_id": parent_a.identifier}, f"Ada Lovelace set parent {parent_a.identifier}"),
        ({"parent_id": parent_b.identifier},
         f"Ada Lovelace changed parent from {parent_a.identifier} to {parent_b.identifier}"),
        ({"parent_id": None}, f"Ada Lovelace removed parent {parent_b.identifier}"),
        ({"due_date": f"{year}-12-05"}, "Ada Lovelace set due date Dec 5"),
        ({"due_date": f"{year + 1}-12-07"}, f"Ada Lovelace changed due date to Dec 7, {year + 1}"),
        ({"due_date": None}, "Ada Lovelace removed the due date"),
        ({"estimate": 3}, "Ada Lovelace set estimate M"),
        ({"estimate": 8}, "Ada Lovelace changed estimate from M to XL"),
        ({"estimate": None}, "Ada Lovelace removed the estimate"),
    ]
    client.login(eng.member)
    for change, words in steps:
        issues.update_issue(eng.admin, issue.id, change)
        assert _lines(client, ref)[-1] == words
    labels.delete_label(eng.admin, bug.id)
    assert _lines(client, ref)[-1] == "Ada Lovelace removed label Bug"


def test_label_names_with_commas_and_quotes_read_back_whole(client, f, eng):
    review, quoted = (labels.create_label(eng.admin, eng.team.id, n) for n in ("Needs, review", 'Say "hi"'))
    bug = labels.create_label(eng.admin, eng.team.id, "Bug")
    issue = f.issue(eng.team, eng.admin)
    client.login(eng.admin)
    issues.update_issue(eng.admin, issue.id, {"label_ids": [str(review.id), str(bug.id)]})
    assert _lines(client, issue.identifier)[-1] == "Ada Lovelace added labels Bug, Needs, review"
    issues.update_issue(eng.admin, issue.id, {"label_ids": [str(bug.id), str(quoted.id)]})
    assert _lines(client, issue.identifier)[-1] == \
        'Ada Lovelace added label Say "hi" and removed label Needs, review'


def test_relations_read_from_each_side(client, f, eng):
    one, two = f.issue(eng.team, eng.admin, title="One"), f.issue(eng.team, eng.admin, title="Two")
    rel = relations.add_relation(eng.admin, one.id, "blocks", two.id)
    client.login(eng.admin)
    assert _lines(client, one.identifier)[-1] == f"Ada Lovelace marked as blocks {two.identifier}"
    assert _lines(client, two.identifier)[-1] == f"Ada Lovelace marked as blocked by {one.identifier}"
    relations.remove_relation(eng.admin, two.id, rel.id)
    assert _lines(client, one.identifier)[-1] == f"Ada Lovelace removed relation blocks {two.identifier}"


def test_comment_and_attachment_changes_read_as_sentences(client, app, eng, crash):
    empty_upload_dir(app)
    c = comments.create_comment(eng.member, crash.id, "Typo hree")
    comments.update_comment(eng.member, c.id, "Typo here")
    client.login(eng.admin)
    assert _lines(client, "ENG-1")[-1] == "Bob Stone edited a comment"
    comments.delete_comment(eng.member, c.id)
    assert _lines(client, "ENG-1")[-1] == "Bob Stone deleted a comment"
    a = attachments.upload(eng.admin, crash.id, io.BytesIO(b"log\n"), "log.txt")
    attachments.rename(eng.admin, a.id, "crash <log>.txt")
    assert _lines(client, "ENG-1")[-1] == "Ada Lovelace renamed the attachment log.txt to crash <log>.txt"
    attachments.delete(eng.admin, a.id)
    assert _lines(client, "ENG-1")[-1] == "Ada Lovelace deleted the attachment crash <log>.txt"
    html = client.get("/issue/ENG-1").get_data(as_text=True)
    assert "crash &lt;log&gt;.txt" in html and "crash <log>" not in html
