"""Pages send the version they showed; a conflict names both versions, and an edit without
a version is refused (DESIGN §11)."""

from django.urls import reverse

from tests.web.test_sessions import add_sessions, row, session_post


def test_a_stale_edit_names_both_versions_and_a_missing_version_is_refused(client, physio, patient):
    client.force_login(physio)
    session = add_sessions(physio, patient, 1, sign=False)[0]
    url = reverse("web:session_edit", args=[session.pk])
    assert client.post(url, session_post([row("Piriformis")], version=1)).status_code == 302
    stale = client.post(url, session_post([row("Gluteus medius")], version=1)).content.decode()
    assert "version 2" in stale and "you sent 1" in stale
    data = session_post([row("Gluteus medius")], version=2)
    data.pop("version")
    missing = client.post(url, data)
    assert missing.status_code == 400 and "which version" in missing.content.decode()
    session.refresh_from_db()
    assert session.version == 2 and session.targeted_muscles.get().muscle.slug == "piriformis"
