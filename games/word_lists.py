"""The built-in word lists of the variant generators (games/variants.py), as data.

Chosen once by scripts/choose_word_lists.py: each word is one GPT-2 token after a space. Do not edit by
hand; edit the pools there and run it again."""

from __future__ import annotations

NAMES_FEMALE = (
    "Mary", "Anna", "Emma", "Elizabeth", "Margaret", "Sarah", "Jessica", "Jennifer", "Lisa", "Laura", "Linda",
    "Susan", "Karen", "Nancy", "Betty", "Helen", "Sandra", "Donna", "Ruth", "Sharon", "Michelle", "Kimberly",
    "Deborah", "Amy", "Angela", "Melissa", "Brenda", "Rebecca", "Kathleen", "Pamela", "Martha", "Amanda",
    "Stephanie", "Carolyn", "Christine", "Marie", "Janet", "Catherine", "Frances", "Ann", "Joyce", "Diane", "Alice",
    "Julie", "Heather", "Teresa", "Gloria", "Jean", "Cheryl", "Katherine", "Joan", "Ashley", "Judith", "Nicole",
    "Judy", "Christina", "Kathy", "Theresa", "Beverly", "Denise", "Tammy", "Jane", "Lori", "Rachel", "Marilyn",
    "Andrea", "Kathryn", "Louise", "Sara", "Anne", "Bonnie", "Julia", "Lois", "Tina", "Paula", "Diana", "Annie",
    "Emily", "Peggy", "Rita", "Connie", "Tiffany", "Carmen", "Rosa", "Cindy", "Wendy", "Victoria", "Sylvia",
    "Shannon", "Sheila", "Ellen", "Elaine", "Carrie", "Monica", "Esther", "Anita", "Eva", "Debbie", "Clara",
    "Eleanor",
)
NAMES_MALE = (
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Charles", "Joseph", "Thomas",
    "Christopher", "Daniel", "Paul", "Donald", "George", "Kenneth", "Steven", "Edward", "Brian", "Ronald",
    "Anthony", "Kevin", "Jason", "Matthew", "Gary", "Timothy", "Jose", "Larry", "Jeffrey", "Scott", "Eric",
    "Stephen", "Andrew", "Raymond", "Gregory", "Joshua", "Jerry", "Dennis", "Walter", "Patrick", "Peter", "Harold",
    "Douglas", "Henry", "Carl", "Arthur", "Ryan", "Roger", "Joe", "Juan", "Albert", "Jonathan", "Justin", "Terry",
    "Gerald", "Keith", "Samuel", "Willie", "Ralph", "Lawrence", "Nicholas", "Roy", "Benjamin", "Bruce", "Brandon",
    "Adam", "Harry", "Fred", "Wayne", "Billy", "Steve", "Louis", "Jeremy", "Aaron", "Randy", "Howard", "Eugene",
    "Carlos", "Russell", "Bobby", "Martin", "Ernest", "Phillip", "Todd", "Jesse", "Craig", "Alan", "Shawn",
    "Clarence", "Sean", "Philip", "Chris", "Johnny", "Jimmy", "Antonio", "Danny", "Bryan", "Tony", "Luis",
    "Stanley",
)
OBJECTS = (
    "drink", "book", "ball", "cake", "toy", "hat", "cup", "bag", "pen", "box", "letter", "gift", "flower", "card",
    "key", "map", "coin", "doll", "bottle", "basket", "blanket", "candle", "clock", "camera", "phone", "ticket",
    "banana", "cookie", "sandwich", "pencil", "necklace", "ring", "shirt", "bike", "boat", "game", "puzzle",
    "picture", "present", "note", "rock", "shell", "stick", "sock", "spoon", "towel", "watch",
)
PLACES = (
    "store", "park", "school", "house", "garden", "beach", "library", "station", "market", "office", "church",
    "hospital", "restaurant", "zoo", "farm", "museum", "kitchen", "lake", "river", "forest", "shop", "village",
    "castle", "cafe", "theater", "airport", "bakery", "city", "playground",
)
NOUNS_SINGULAR = (
    "key", "book", "door", "car", "dog", "cat", "tree", "house", "table", "chair", "window", "letter", "picture",
    "bird", "flower", "friend", "teacher", "student", "player", "doctor", "farmer", "girl", "boy", "road", "river",
    "song", "bottle", "card", "ship", "phone", "computer", "cookie",
)
NOUNS_PLURAL = (
    "keys", "books", "doors", "cars", "dogs", "cats", "trees", "houses", "tables", "chairs", "windows", "letters",
    "pictures", "birds", "flowers", "friends", "teachers", "students", "players", "doctors", "farmers", "girls",
    "boys", "roads", "rivers", "songs", "bottles", "cards", "ships", "phones", "computers", "cookies",
)
WORDS = (
    "time", "year", "people", "way", "day", "man", "thing", "woman", "life", "child", "world", "school", "state",
    "family", "student", "group", "country", "problem", "hand", "part", "place", "case", "week", "company",
    "system", "program", "question", "work", "government", "number", "night", "point", "home", "water", "room",
    "mother", "area", "money", "story", "fact", "month", "lot", "right", "study", "book", "eye", "job", "word",
    "business", "issue", "side", "kind", "head", "house", "service", "friend", "father", "power", "hour", "game",
    "line", "end", "member", "law", "car", "city", "community", "name", "president", "team", "minute", "idea",
    "kid", "body", "information", "back", "parent", "face", "others", "level", "office", "door", "health", "person",
    "art", "war", "history", "party", "result", "change", "morning", "reason", "research", "girl", "guy", "moment",
    "air", "teacher", "force", "education", "foot", "boy", "age", "policy", "music", "market", "sense", "nation",
    "plan", "college", "interest", "death", "experience", "effect", "class", "control", "care", "field",
    "development", "role", "effort", "rate", "heart", "drug", "show", "leader", "light", "voice", "wife", "police",
    "mind", "price", "report", "decision", "son", "view", "relationship", "town", "road", "arm", "difference",
    "value", "building", "action", "model", "season", "society", "tax", "director", "position", "player", "record",
    "paper", "space", "ground", "form", "event", "official", "matter", "center", "couple", "site", "project",
    "activity", "star", "table", "need", "court", "oil", "situation", "cost", "industry", "figure", "street",
    "image", "phone", "data", "picture", "practice", "piece", "land", "product", "doctor", "wall", "patient",
    "worker", "news", "test", "movie", "north", "love", "support", "technology", "step", "baby", "computer", "type",
    "attention", "film", "tree", "source", "organization", "hair", "window", "evidence", "population", "red",
    "green", "blue", "black", "white", "small", "large", "old", "young", "long", "short", "high", "low", "good",
    "bad", "new", "big", "great", "little", "hot", "cold", "dark", "happy", "sad", "fast", "slow", "hard", "soft",
    "strong", "weak", "open", "quiet", "loud", "rich", "poor", "clean", "dirty", "simple", "easy", "free", "full",
    "empty",
)
WORDS_CAPITALISED = (
    "National", "American", "International", "Federal", "World", "United", "General", "Central", "Public", "Global",
    "Royal", "Research", "Development", "Science", "Security", "Health", "Energy", "Trade", "Economic", "Education",
    "Environmental", "Medical", "Financial", "Technology", "Information", "Defense", "Human", "Social", "Local",
    "Regional", "Foreign", "Justice", "Water", "Food", "Space", "Transport", "Air", "Ocean", "Army", "Police",
    "Community", "Labor", "Civil", "Digital", "Data", "Network", "Computer", "Media", "Art", "Music", "Film",
    "Sports", "Youth", "Family", "Children", "Women", "Student", "Workers", "Farmers", "Business", "Industry",
    "Market", "Capital", "Bank", "Investment", "Insurance", "Housing", "Land", "Forest", "Wildlife", "Animal",
    "Nature", "Climate", "Weather", "Earth", "Solar", "Nuclear", "Oil", "Gas", "Power", "Electric", "Rail", "Road",
    "Highway", "Aviation", "Maritime", "Coast", "Border", "Immigration", "Veterans", "Service", "Council",
    "Committee", "Board", "Agency", "Office", "Department", "Institute", "Center", "Association", "Society",
    "Union", "League", "Alliance", "Coalition", "Foundation", "Commission", "Authority", "Bureau", "Group", "Trust",
    "Fund", "Project",
)
