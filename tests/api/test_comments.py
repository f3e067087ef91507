"""Comments: create, list oldest first, author-only edit and delete."""
from .conftest import error_of


def test_comment_lifecycle(api, f):
    ada, bob = f.user(name="Ada"), f.user(name="Bob")
    team = f.team(ada, members=[bob])
    issue = f.issue(team, ada)
    r = api(ada).post(f"/api/v1/issues/{issue.identifier}/comments", json={"body": "**first** <script>x</script>"})
    assert r.status_code == 201 and r.json["author"]["name"] == "Ada"
    assert "<strong>first</strong>" in r.json["body_html"] and "<script" not in r.json["body_html"]
    cid = r.json["id"]
    api(bob).post(f"/api/v1/issues/{issue.id}/comments", json={"body": "second"})
    bodies = [c["body"] for c in api(bob).get(f"/api/v1/issues/{issue.id}/comments").json["items"]]
    assert bodies == ["**first** <script>x</script>", "second"]
    r = api(bob).patch(f"/api/v1/comments/{cid}", json={"body": "hijack"})
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    assert api(bob).delete(f"/api/v1/comments/{cid}").status_code == 403
    assert api(ada).patch(f"/api/v1/comments/{cid}", json={"body": "edited"}).json["body"] == "edited"
    assert api(ada).delete(f"/api/v1/comments/{cid}").status_code == 204
    assert [c["body"] for c in api(ada).get(f"/api/v1/issues/{issue.id}/comments").json["items"]] == ["second"]
    history = [(a["action"], a["field"]) for a in api(ada).get(f"/api/v1/issues/{issue.id}/activity").json["items"]]
    assert history == [("created", None), ("commented", None), ("commented", None), ("updated", "comment"),
                       ("deleted", "comment")]


def test_comment_validation(api, f):
    ada = f.user()
    issue = f.issue(f.team(ada), ada)
    for bad in ({"body": ""}, {"body": "  "}, {"body": "a\x00"}, {"body": "x" * 100_001}, {}, {"body": 1}):
        r = api(ada).post(f"/api/v1/issues/{issue.id}/comments", json=bad)
        assert r.status_code == 422 and "body" in error_of(r)["details"], bad
    assert api(ada).get(f"/api/v1/issues/{issue.id}/comments").json["items"] == []
