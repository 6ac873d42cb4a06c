"""The respondent pages, through the test client: paging, validation, resume, idempotency."""
import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, ResponseSegment, ResponseStatus
from tests.factories import make_survey


def form_key(html: str) -> str:
    return re.search(r'name="form_key"[^>]*value="([^"]+)"', html).group(1)


def checked(html: str, name: str, value: str) -> bool:
    inputs = re.findall(r"<input[^>]*>", html)
    return any(f'name="{name}"' in i and f'value="{value}"' in i and "checked" in i for i in inputs)


def page_answers(instrument, index: int, value="8") -> dict:
    data = {}
    for element_id in instrument.pages[index].elements:
        element = instrument.element(element_id)
        kind = getattr(element, "kind", "scale")
        if kind == "text":
            data[element_id] = "Faster checkout"
        elif kind in ("single", "segment"):
            data[element_id] = element.options[0].value
        elif kind == "multiple":
            data[element_id] = [element.options[0].value]
        elif kind == "nps":
            data[element_id] = "9"
        else:
            data[element_id] = value
    return data


def answer_all(client, url, instrument, value="8"):
    key = form_key(client.get(url).get_data(as_text=True))
    reply = None
    for index in range(len(instrument.pages)):
        reply = client.post(url, data={"form_key": key, "page": index, "next": "1", **page_answers(instrument, index, value)})
        assert reply.status_code == 303, reply.get_data(as_text=True)
    return reply, key


@pytest.fixture
def survey(app):
    return make_survey("shop", segment_fields={"store": ["north", "south"]})


@pytest.fixture
def instrument(survey):
    from survey_app.services.surveys.instruments import instrument_of

    return instrument_of(survey.instrument_version)


def test_first_page_renders_scale_and_progress(client, survey, instrument):
    html = client.get("/s/shop", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"Page 1 of {len(instrument.pages)}" in html
    first_item = instrument.pages[0].elements[0]
    for point in range(1, 11):
        assert f'name="{first_item}"' in html and f'value="{point}"' in html
    assert "<script" not in html
    assert instrument.introduction.get("en") in html


def test_language_follows_accept_language_and_switch(client, survey, instrument):
    zh = client.get("/s/shop", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert instrument.introduction.get("zh") in zh
    en = client.get("/s/shop?lang=en", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert instrument.introduction.get("en") in en
    # The choice sticks for the next page.
    again = client.get("/s/shop", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert instrument.introduction.get("en") in again


def test_missing_answer_keeps_typed_answers_and_points_at_question(client, survey, instrument):
    key = form_key(client.get("/s/shop").get_data(as_text=True))
    elements = instrument.pages[0].elements
    data = {"form_key": key, "page": 0, "next": "1", elements[0]: "7"}
    reply = client.post("/s/shop", data=data, headers={"Accept-Language": "en"})
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert "Please answer this question." in html
    assert f'id="q-{elements[1]}"' in html and 'aria-invalid="true"' in html
    assert checked(html, elements[0], "7")
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0


def test_full_submission_stores_one_response_with_wave_and_segment(client, survey, instrument):
    reply, _ = answer_all(client, "/s/shop?store=north", instrument)
    assert reply.headers["Location"].endswith("/s/shop/thanks")
    response = db.session.scalar(sa.select(Response))
    assert response.status is ResponseStatus.SUBMITTED
    assert response.wave_id == survey.waves[0].id
    assert response.answers[instrument.item_ids[0]] == 8
    assert "Thank you" in client.get(reply.headers["Location"]).get_data(as_text=True)


def test_segment_from_public_link_is_recorded(client, survey, instrument):
    html = client.get("/s/shop?store=north").get_data(as_text=True)
    assert 'name="seg_store" value="north"' in html
    key = form_key(html)
    for index in range(len(instrument.pages)):
        client.post("/s/shop", data={"form_key": key, "page": index, "next": "1", "seg_store": "north",
                                     **page_answers(instrument, index)})
    segment = db.session.scalar(sa.select(ResponseSegment))
    assert (segment.name, segment.value) == ("store", "north")


def test_unknown_segment_value_is_ignored(client, survey, instrument):
    html = client.get("/s/shop?store=mars").get_data(as_text=True)
    assert "seg_store" not in html


def test_resent_final_post_stores_one_response(client, survey, instrument):
    key = form_key(client.get("/s/shop").get_data(as_text=True))
    last = len(instrument.pages) - 1
    for index in range(last):
        client.post("/s/shop", data={"form_key": key, "page": index, "next": "1", **page_answers(instrument, index)})
    final = {"form_key": key, "page": last, "next": "1", **page_answers(instrument, last)}
    first = client.post("/s/shop", data=final)
    second = client.post("/s/shop", data=final)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"].endswith("/thanks")
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1


def test_leaving_and_coming_back_resumes_on_the_same_page(client, survey, instrument):
    key = form_key(client.get("/s/shop").get_data(as_text=True))
    client.post("/s/shop", data={"form_key": key, "page": 0, "next": "1", **page_answers(instrument, 0, "6")})
    html = client.get("/s/shop").get_data(as_text=True)
    assert "Page 2 of" in html and form_key(html) == key
    back = client.post("/s/shop", data={"form_key": key, "page": 1, "back": "1"})
    assert back.status_code == 303
    html = client.get("/s/shop").get_data(as_text=True)
    first_item = instrument.pages[0].elements[0]
    assert checked(html, first_item, "6")


def test_dont_know_is_stored_as_null(client, survey, instrument):
    item = next(instrument.item(i) for i in instrument.pages[0].elements if instrument.item(i).scale.dont_know)
    key = form_key(client.get("/s/shop").get_data(as_text=True))
    data = {"form_key": key, "page": 0, "next": "1", **page_answers(instrument, 0), item.id: "dk"}
    assert client.post("/s/shop", data=data).status_code == 303
    response = db.session.scalar(sa.select(Response))
    assert item.id in response.answers and response.answers[item.id] is None


@pytest.mark.parametrize("status, code", [("paused", 503), ("closed", 410)])
def test_paused_or_closed_survey_shows_polite_page(client, survey, status, code):
    from survey_app.models import SurveyStatus
    from survey_app.services.surveys.publishing import change_status

    change_status(survey, SurveyStatus(status))
    reply = client.get("/s/shop", headers={"Accept-Language": "en"})
    assert reply.status_code == code
    assert "survey" in reply.get_data(as_text=True).lower()


def test_unknown_survey_is_404(client, app):
    assert client.get("/s/nothing-here").status_code == 404


def test_tampered_page_number_is_clamped(client, survey, instrument):
    key = form_key(client.get("/s/shop").get_data(as_text=True))
    reply = client.post("/s/shop", data={"form_key": key, "page": "999x", "next": "1"})
    assert reply.status_code == 422


@pytest.mark.parametrize("garbage", ["abc", "11", "0", "", "9" * 5000, "<script>"])
def test_values_not_offered_get_a_message_never_a_500(client, survey, instrument, garbage):
    key = form_key(client.get("/s/shop").get_data(as_text=True))
    first = instrument.pages[0].elements[0]
    data = {"form_key": key, "page": 0, "next": "1", **page_answers(instrument, 0), first: garbage}
    reply = client.post("/s/shop", data=data, headers={"Accept-Language": "en"})
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert "Please choose one of the answers shown." in html or "Please answer this question." in html
    assert "<script>" not in html  # escaped, never echoed as markup


def test_oversized_open_answer_is_refused_with_the_text_kept(client, survey, instrument):
    key = form_key(client.get("/s/shop").get_data(as_text=True))
    last = len(instrument.pages) - 1
    for index in range(last):
        client.post("/s/shop", data={"form_key": key, "page": index, "next": "1", **page_answers(instrument, index)})
    text = "很长的意见" * 300
    reply = client.post("/s/shop", data={"form_key": key, "page": last, "next": "1", "improve": text},
                        headers={"Accept-Language": "zh-CN"})
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert text in html and "个字符以内" in html


def test_language_switch_keeps_the_store_of_the_link(client, survey):
    html = client.get("/s/shop?store=north", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'href="/s/shop?store=north&amp;lang=en"' in html


def test_forged_last_page_number_cannot_submit_an_empty_response(client, survey, instrument):
    key = form_key(client.get("/s/shop").get_data(as_text=True))
    last = len(instrument.pages) - 1
    for page in (99, last):
        reply = client.post("/s/shop", data={"form_key": key, "page": page, "next": "1",
                                             **page_answers(instrument, last)})
        assert reply.status_code == 303 and not reply.headers["Location"].endswith("/thanks")
    response = db.session.scalar(sa.select(Response))
    assert response.status is ResponseStatus.DRAFT and response.page == 0
    assert "Page 1 of" in client.get("/s/shop").get_data(as_text=True)


def test_malformed_form_keys_are_replaced_by_issued_ones(client, survey, instrument):
    for forged in ("k123", "x" * 5000, "<script>"):
        client.post("/s/shop", data={"form_key": forged, "page": 0, "next": "1", **page_answers(instrument, 0)})
    keys = db.session.scalars(sa.select(Response.form_key)).all()
    assert len(keys) == 3 and all(len(k) == 32 for k in keys)


def test_survey_in_one_language_shows_the_whole_page_in_it(client, app):
    make_survey("english", languages=["en"])
    html = client.get("/s/english", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'lang="en"' in html and "Page 1 of" in html and "第 1 页" not in html


def test_submission_needs_the_csrf_token_of_the_page(app, client, survey, instrument):
    app.config["WTF_CSRF_ENABLED"] = True
    html = client.get("/s/shop").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"form_key": form_key(html), "page": 0, "next": "1", **page_answers(instrument, 0)}
    assert client.post("/s/shop", data=data).status_code == 400
    assert client.post("/s/shop", data={**data, "csrf_token": "forged"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0
    assert client.post("/s/shop", data={**data, "csrf_token": token}).status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1


def heading(html: str) -> str:
    """The title in the page's header bar, where the respondent reads which survey this is."""
    return re.search(r'<header class="bar">.*?<strong>(.*?)</strong></header>', html, re.DOTALL).group(1)


def invitation_path(survey) -> str:
    from survey_app.models.base import now_utc
    from survey_app.services.platform.settings import settings
    from survey_app.services.surveys.invitations import issue_invitation, token_for

    invitation = issue_invitation(survey, None, None, {}, settings().secret_key, now_utc(), 30)
    db.session.commit()
    return f"/i/{token_for(invitation, settings().secret_key)}"


def test_every_respondent_page_shows_the_title_the_manager_published(client, instrument):
    from survey_app.models import SurveyStatus
    from survey_app.services.surveys.publishing import change_status

    survey = make_survey("spring", title="Spring visit, Nanjing Road store")
    invited = invitation_path(survey)
    for language in ("en", "zh-CN"):
        for path in ("/s/spring", invited):
            html = client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)
            assert heading(html) == "Spring visit, Nanjing Road store", (path, language)
            assert "<title>Spring visit, Nanjing Road store</title>" in html
            assert instrument.title.get("en") not in html and instrument.title.get("zh") not in html
    reply, _ = answer_all(client, "/s/spring", instrument)
    thanks = client.get(reply.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Your answers to “Spring visit, Nanjing Road store” are saved." in thanks
    assert instrument.title.get("en") not in thanks
    change_status(survey, SurveyStatus.PAUSED)
    paused = client.get("/s/spring", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Spring visit, Nanjing Road store</h1>" in paused and instrument.title.get("en") not in paused


def test_the_handling_survey_is_titled_in_the_customers_language(client, app):
    from survey_app.services.cases.handling_survey import handling_survey
    from survey_app.services.surveys.instruments import instrument_of

    survey = handling_survey()
    db.session.commit()
    title = instrument_of(survey.instrument_version).title
    path = invitation_path(survey)
    assert heading(client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)) == title.get("zh")
    assert heading(client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)) == title.get("en")


def test_a_survey_published_without_a_title_shows_the_instruments(client, instrument):
    make_survey("untitled", title="  ")
    html = client.get("/s/untitled", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert heading(html) == instrument.title.get("zh")


def test_thank_you_page_has_the_header_and_a_language_switch_that_stays_on_it(client, survey, instrument):
    answer_all(client, "/s/shop", instrument)
    thanks = client.get("/s/shop/thanks", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert heading(thanks) == "Shop survey"
    assert 'href="/s/shop/thanks?lang=zh"' in thanks
    switched = client.get("/s/shop/thanks?lang=zh", headers={"Accept-Language": "en"})
    html = switched.get_data(as_text=True)
    assert switched.status_code == 200 and "谢谢" in html and heading(html) == "Shop survey"
    assert 'href="/s/shop/thanks?lang=en"' in html
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1


def test_language_switch_under_refused_contact_details_leads_to_the_thank_you_page(client, app):
    from tests.web.test_respondent_contact import answer_pulse

    make_survey("pulse", "nps-pulse")
    answer_pulse(client)
    refused = client.post("/s/pulse/contact", data={"phone": "12"}, headers={"Accept-Language": "en"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and heading(html) == "Shop survey"
    assert 'href="/s/pulse/thanks?lang=zh"' in html and "/s/pulse/contact?" not in html
    assert client.get("/s/pulse/thanks?lang=zh").status_code == 200


def test_invited_thank_you_page_switches_language_on_itself(client, survey, instrument):
    path = invitation_path(survey)
    reply, _ = answer_all(client, path, instrument)
    thanks = client.get(reply.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'href="{path}/thanks?lang=zh"' in thanks
    switched = client.get(f"{path}/thanks?lang=zh")
    assert switched.status_code == 200 and "谢谢" in switched.get_data(as_text=True)


def test_a_one_page_survey_has_no_page_counter_nor_saved_on_every_page(client, app):
    make_survey("pulse", "nps-pulse")
    html = client.get("/s/pulse", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Page 1 of 1" not in html and "<progress" not in html and "saved on every page" not in html
    zh = client.get("/s/pulse", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<progress" not in zh


def test_a_survey_of_several_pages_keeps_its_counter_and_saved_hint(client, survey, instrument):
    assert len(instrument.pages) > 1
    html = client.get("/s/shop", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"Page 1 of {len(instrument.pages)}" in html and "<progress" in html
    assert "Your answers are saved on every page." in html
