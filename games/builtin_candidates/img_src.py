"""Image file names from alt text, by the scheme of an earlier tag:
<img alt="A man in a hat" src="man_in_hat.jpg"><img alt="A dog in my house" src=" -> dog_in_house.jpg"""

from __future__ import annotations

import regex

from games.candidates import Match, candidate

DROPPED = {"a", "an", "the", "my", "your", "his", "her", "its", "our", "their"}
TAG = regex.compile(r'<img\s+alt="(?P<alt>[^"<>]*)"\s+src="(?P<src>[^"<>]+)"')
SEPARATORS = ("_", "-", "", " ", "%20")


def file_stem(alt: str, separator: str, lower: bool) -> str:
    words = [w for w in regex.findall(r"[\w']+", alt) if w.lower() not in DROPPED]
    stem = separator.join(words)
    return stem.lower() if lower else stem


@candidate(
    name="img-alt-src",
    description="An <img alt=\"...\" src=\" tag after an earlier one in the last 4,000 characters: learn the "
                "earlier src's folder, extension, word separator (_ - none space %20) and case such that its alt "
                "words without a/an/the/my/your/his/her/its/our/their give its file name; apply that to this alt. "
                "Abstains when no such scheme explains the earlier tag.",
    tags=["redwood", "gpt2", "induction"],
    finder=r'<img\s+alt="(?P<alt>[^"<>]*)"\s+src="(?P<answer>[^"<>]+)',
    examples=[
        ('<img alt="A man in a hat" src="man_in_hat.jpg"><img alt="A dog in my house" src="', "dog_in_house.jpg"),
        ('<img alt="Red Car" src="/img/Red-Car.png">\n<img alt="The Blue Boat" src="', "/img/Blue-Boat.png"),
    ],
)
def img_alt_src(match: Match, context: str) -> str | None:
    earlier = None
    for earlier in TAG.finditer(context, max(0, len(context) - 4000)):  # noqa: B007 - the loop leaves the last match in earlier
        pass
    if earlier is None:
        return None
    folder, slash, name = earlier["src"].rpartition("/")
    stem, dot, extension = name.rpartition(".") if "." in name else (name, "", "")
    for separator in SEPARATORS:
        for lower in (True, False):
            if file_stem(earlier["alt"], separator, lower) == stem:
                return folder + slash + file_stem(match["alt"], separator, lower) + dot + extension
    return None
