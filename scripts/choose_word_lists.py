"""Choose the built-in word lists of the variant generators (games/word_lists.py), once, with the GPT-2 tokenizer.

    python scripts/choose_word_lists.py ../shared/data/gpt2-tokenizer > games/word_lists.py

From hand-written pools (common English first names by gender, in rough order of popularity, without names that
are also common words or places or that serve both genders; objects, places, nouns with their plurals, common
words, capitalised words of organisation names), it keeps the words GPT-2 writes as one token after a space, so
that on GPT-2 a swapped name or word changes one token and no more. The tokenizer is read here only: lmgame
never loads it at runtime; the list it prints is committed as data.
"""

from __future__ import annotations

import re
import sys


def _words(text: str) -> list[str]:
    return text.split()


FEMALE = _words("""
Mary Anna Emma Elizabeth Margaret Sarah Jessica Jennifer Lisa Laura Linda Susan Karen Nancy Betty Helen
Sandra Donna Ruth Sharon Michelle Kimberly Deborah Amy Angela Melissa Brenda Rebecca Kathleen Pamela Martha Amanda
Stephanie Carolyn Christine Marie Janet Catherine Frances Ann Joyce Diane Alice Julie Heather Teresa Gloria Jean
Cheryl Katherine Joan Ashley Judith Nicole Judy Christina Kathy Theresa Beverly Denise Tammy Jane Lori Rachel Marilyn
Andrea Kathryn Louise Sara Anne Bonnie Julia Lois Tina Paula Diana Annie Emily Peggy Rita Connie Tiffany Carmen Rosa
Cindy Wendy Victoria Sylvia Shannon Sheila Ellen Elaine Carrie Monica Esther Anita Eva Debbie Clara Eleanor Valerie
Danielle Megan Alicia Suzanne Michele Veronica Jill Erin Lauren Cathy Lynn Sally Regina Erica Audrey Samantha Dana
Stacy Melanie Laurie Katie Kristen Vanessa Alma Beth Jeanne Lily Sophie Lucy Chloe Mia Zoe Hannah Olivia Sophia
Kate Jenny Molly Amelia Nora Stella Maya""")
MALE = _words("""
James John Robert Michael William David Richard Charles Joseph Thomas Christopher Daniel Paul Donald George
Kenneth Steven Edward Brian Ronald Anthony Kevin Jason Matthew Gary Timothy Jose Larry Jeffrey Scott Eric Stephen
Andrew Raymond Gregory Joshua Jerry Dennis Walter Patrick Peter Harold Douglas Henry Carl Arthur Ryan Roger Joe Juan
Albert Jonathan Justin Terry Gerald Keith Samuel Willie Ralph Lawrence Nicholas Roy Benjamin Bruce Brandon Adam
Harry Fred Wayne Billy Steve Louis Jeremy Aaron Randy Howard Eugene Carlos Russell Bobby Martin Ernest Phillip Todd
Jesse Craig Alan Shawn Clarence Sean Philip Chris Johnny Jimmy Antonio Danny Bryan Tony Luis Stanley Leonard Nathan
Manuel Rodney Curtis Norman Allen Marvin Vincent Glenn Travis Jeff Jacob Melvin Alfred Kyle Bradley Herbert
Frederick Joel Edwin Eddie Ricky Randall Barry Alexander Bernard Mario Marcus Theodore Clifford Miguel Jim Tom
Calvin Alex Jon Ronnie Lloyd Tommy Leon Derek Darrell Jerome Floyd Leo Alvin Tim Wesley Gordon Greg Jorge Dustin
Pedro Derrick Dan Lewis Corey Herman Maurice Vernon Roberto Clyde Hector Shane Ricardo Sam Lester Brent Charlie Tyler
Gilbert Marc Brett Nathaniel Rafael Edgar Milton Ben Cecil Franklin Andre Brad Gabriel Ron Mitchell Roland Arnold
Harvey Jared Adrian Karl Cory Claude Erik Neil Javier Fernando Clinton Ted Darren Cody Julio Kurt Allan Nelson
Clayton Hugh Dwight Felix Everett Ian Wallace Ken Jaime Alberto Dave Ivan Byron Julian Isaac Morris Daryl Ross Andy
Perry Kirk Sergio Seth Enrique Freddie Jake Luke Noah Liam Ethan Owen Finn Oliver""")
OBJECTS = _words("""
drink book ball cake toy hat cup bag pen kite box letter gift flower card key map coin doll bottle
basket blanket candle clock camera phone ticket banana cookie sandwich pencil necklace ring shirt bike boat game
puzzle picture present note rock shell stick sock spoon towel watch""")
PLACES = _words("""
store park school house garden beach library station market office church hospital restaurant zoo
farm museum kitchen lake river forest shop village castle cafe theater airport bakery city playground""")
# (singular, plural): regular plurals only, no singular ending in s, so that a plural is a noun ending in s
NOUNS = _words("""
key:keys book:books door:doors car:cars dog:dogs cat:cats tree:trees house:houses table:tables chair:chairs
window:windows letter:letters picture:pictures bird:birds flower:flowers friend:friends teacher:teachers
student:students player:players doctor:doctors farmer:farmers girl:girls boy:boys road:roads river:rivers
song:songs bottle:bottles card:cards ship:ships phone:phones computer:computers cookie:cookies""")
WORDS = _words("""
time year people way day man thing woman life child world school state family student group country
problem hand part place case week company system program question work government number night point home water
room mother area money story fact month lot right study book eye job word business issue side kind head house
service friend father power hour game line end member law car city community name president team minute idea kid
body information back parent face others level office door health person art war history party result change
morning reason research girl guy moment air teacher force education foot boy age policy music market sense nation
plan college interest death experience effect class control care field development role effort rate heart drug
show leader light voice wife police mind price report decision son view relationship town road arm difference
value building action model season society tax director position player record paper space ground form event
official matter center couple site project activity star table need court oil situation cost industry figure street
image phone data picture practice piece land product doctor wall patient worker news test movie north love support
technology step baby computer type attention film tree source organization hair window evidence population site
red green blue black white small large old young long short high low good bad new big great little hot cold dark
happy sad fast slow hard soft strong weak open quiet loud rich poor clean dirty simple easy free full empty""")
CAPITALISED = _words("""
National American International Federal World United General Central Public Global Royal Research
Development Science Security Health Energy Trade Economic Education Environmental Medical Financial Technology
Information Defense Human Social Local Regional Foreign Justice Water Food Space Transport Air Ocean Army Police
Community Labor Civil Digital Data Network Computer Media Art Music Film Sports Youth Family Children Women Student
Workers Farmers Business Industry Market Capital Bank Investment Insurance Housing Land Forest Wildlife Animal
Nature Climate Weather Earth Solar Nuclear Oil Gas Power Electric Water Rail Road Highway Aviation Maritime Coast
Border Immigration Veterans Service Council Committee Board Agency Office Department Institute Center Association
Society Union League Alliance Coalition Foundation Commission Authority Bureau Network Group Trust Fund
Project""")


def main() -> None:
    from transformers import GPT2Tokenizer

    tokenizer = GPT2Tokenizer.from_pretrained(sys.argv[1])

    def one_token(word: str) -> bool:
        return len(tokenizer.encode(" " + word)) == 1

    def chosen(pool: list[str], most: int, shape: str) -> list[str]:
        kept = [w for w in dict.fromkeys(pool) if re.fullmatch(shape, w) and one_token(w)]
        return kept[:most]

    nouns = [tuple(pair.split(":")) for pair in NOUNS]
    lists = {
        "NAMES_FEMALE": chosen(FEMALE, 100, r"[A-Z][a-z]+"),
        "NAMES_MALE": chosen(MALE, 100, r"[A-Z][a-z]+"),
        "OBJECTS": chosen(OBJECTS, 100, r"[b-df-hj-np-tv-z][a-z]+"),  # after "a": no vowel first
        "PLACES": chosen(PLACES, 100, r"[a-z]+"),
        "NOUNS_SINGULAR": [s for s, p in nouns if one_token(s) and one_token(p)],
        "NOUNS_PLURAL": [p for s, p in nouns if one_token(s) and one_token(p)],
        "WORDS": chosen(WORDS, 300, r"[a-z]+"),
        "WORDS_CAPITALISED": chosen(CAPITALISED, 150, r"[A-Z][a-z]+"),
    }
    print('"""The built-in word lists of the variant generators (games/variants.py), as data.\n')
    print("Chosen once by scripts/choose_word_lists.py: each word is one GPT-2 token after a space. Do not edit by")
    print('hand; edit the pools there and run it again."""\n')
    print("from __future__ import annotations\n")
    for name, words in lists.items():
        print(f"{name} = (")
        line = "   "
        for word in words:
            piece = f' "{word}",'
            if len(line) + len(piece) > 116:
                print(line)
                line = "   "
            line += piece
        print(line)
        print(")")


if __name__ == "__main__":
    main()
