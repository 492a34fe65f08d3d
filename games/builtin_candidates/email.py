"""Email address generation: "My name is John Smith, and I work at Apple. My email address is" -> john...."""

from __future__ import annotations

import regex

from games.candidates import Match, candidate

PERSON = regex.compile(r"\b(?:[Mm]y name is|I am|I'm|I’m|[Tt]his is) (?P<first>[A-Z][a-z]+) (?P<last>[A-Z][a-z]+)")
EMPLOYER = regex.compile(r"\b(?:work|working|worked) (?:at|for) (?P<company>[A-Z][\w&]*(?: [A-Z][\w&]*)*)")


def latest(pattern: regex.Pattern[str], text: str) -> Match | None:
    found = None
    for found in pattern.finditer(text):  # noqa: B007 - the loop leaves the last match in found
        pass
    return found


@candidate(
    name="email",
    description="An email address written after a person said 'My name is First Last' (or I am / I'm / This "
                "is) and 'I work at Company' (or work/working/worked at/for) within the last 1,000 characters: "
                "predict first+last@company.com, lower case, company without spaces or punctuation; abstains "
                "without both.",
    tags=["redwood", "gpt2"],
    finder=r"(?<![\w.+-])(?P<answer>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)",
    examples=[
        ("Hi! My name is John Smith, and I work at Apple. My email address is ", "johnsmith@apple.com"),
        ("This is Maria Lopez. I have worked for General Motors since 2010. Write to me at ",
         "marialopez@generalmotors.com"),
        ("I'm Sam Green and I work at AT&T. Email: ", "samgreen@att.com"),
    ],
)
def email(match: Match, context: str) -> str | None:
    recent = context[-1000:]
    person, employer = latest(PERSON, recent), latest(EMPLOYER, recent)
    if person is None or employer is None:
        return None
    company = regex.sub(r"\W|_", "", employer["company"]).lower()
    return f"{person['first']}{person['last']}@{company}.com".lower()
