"""The staff entry form speaks to the staff member taking a complaint down, in English and Chinese,
while the customer's own form goes on speaking to the customer."""
import re

import pytest

# Words of the customer's form that address the complainant (you, me) rather than staff.
TO_THE_CUSTOMER = {
    "en": re.compile(r"\b(you|your|me|tell us)\b", re.IGNORECASE),
    "zh": re.compile(r"您|联系我|告诉我们"),
}
STAFF_WORDS = {
    "en": ("Caller's name", "What the customer wants done", "The customer agrees to be contacted"),
    "zh": ("来电人姓名", "顾客希望如何处理", "顾客同意"),
}
# What the staff form says when nothing is filled in: every field it refuses, in staff words.
STAFF_ERRORS = {
    "en": ("Write down what the customer says happened.", "so we can answer the customer."),
    "zh": ("请记下顾客所说的经过。", "以便我们答复顾客。"),
}


def entry_form(html: str) -> str:
    """The text of the entry form (labels, hints and errors), without the markup."""
    form = html[html.index('<form method="post"'):html.index("</form>", html.index('<form method="post"'))]
    return re.sub(r"<[^>]+>", " ", form)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_staff_entry_form_speaks_to_staff(client, staff, auth, language):
    auth.login("agent")
    headers = {"Accept-Language": language}
    html = client.get("/staff/cases/new", headers=headers).get_data(as_text=True)
    assert all(words in html for words in STAFF_WORDS[language])
    assert not TO_THE_CUSTOMER[language].search(entry_form(html)), TO_THE_CUSTOMER[language].findall(entry_form(html))
    refused = client.post("/staff/cases/new", headers=headers, data={"channel": "phone", "category": "product",
                                                                     "description": " ", "phone": "", "email": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and all(words in html for words in STAFF_ERRORS[language])
    assert not TO_THE_CUSTOMER[language].search(entry_form(html)), TO_THE_CUSTOMER[language].findall(entry_form(html))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_public_form_still_speaks_to_the_customer(client, language):
    headers = {"Accept-Language": language}
    html = client.get("/complaints/new", headers=headers).get_data(as_text=True)
    assert {"en": "Your name", "zh": "您的姓名"}[language] in html
    assert not any(words in html for words in STAFF_WORDS[language])
    refused = client.post("/complaints/new", headers=headers, data={"category": "product", "description": " "})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert {"en": "so we can answer you.", "zh": "以便我们答复您。"}[language] in html
    assert {"en": "Tell us what happened.", "zh": "请告诉我们发生了什么。"}[language] in html
