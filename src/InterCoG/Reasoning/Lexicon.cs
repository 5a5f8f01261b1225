using InterCoG.Perception;

namespace InterCoG.Reasoning;

/// <summary>A noun phrase matched against the detector's vocabulary.</summary>
/// <param name="Category">COCO name (see <see cref="CocoClasses.Names"/>), or the noun itself when outside it.</param>
/// <param name="Noun">The words as written (plural kept), e.g. "mugs".</param>
/// <param name="TokenCount">How many tokens the match consumed (1..3).</param>
/// <param name="InVocabulary">False when the noun maps onto no COCO class.</param>
public sealed record NounMatch(string Category, string Noun, int TokenCount, bool InVocabulary);

/// <summary>Maps nouns (synonyms, plurals, multiword names) onto the 80 COCO class names.</summary>
/// <remarks>Decisions: "glass"/"glasses" → cup (COCO annotates tumblers and drinking glasses as cup; a stemmed
/// glass is "wine glass" and has its own words); "notebook" → laptop; "table"/"desk" → dining table (COCO's only
/// table); "monitor"/"screen"/"television" → tv.</remarks>
public static class NounLexicon
{
    /// <summary>Longest phrase in the lexicon, in words.</summary>
    public const int MaxPhraseWords = 3;

    private static readonly (string Category, string[] Synonyms)[] Entries =
    [
        ("person", ["person", "man", "woman", "boy", "girl", "child", "kid", "people", "persons", "guy", "lady", "human", "player", "baby", "men", "women", "children", "gentleman", "skier", "surfer", "toddler"]),
        ("bicycle", ["bicycle", "bike", "cycle", "push bike"]),
        ("car", ["car", "automobile", "sedan", "taxi", "cab", "suv", "jeep", "van"]),
        ("motorcycle", ["motorcycle", "motorbike", "motor bike", "scooter", "moped"]),
        ("airplane", ["airplane", "aeroplane", "plane", "jet", "aircraft", "airliner"]),
        ("bus", ["bus", "buses", "coach", "minibus"]),
        ("train", ["train", "locomotive", "tram"]),
        ("truck", ["truck", "lorry", "pickup", "pickup truck"]),
        ("boat", ["boat", "ship", "canoe", "kayak", "yacht", "sailboat"]),
        ("traffic light", ["traffic light", "traffic signal", "stoplight", "stop light"]),
        ("fire hydrant", ["fire hydrant", "hydrant"]),
        ("stop sign", ["stop sign"]),
        ("parking meter", ["parking meter", "meter"]),
        ("bench", ["bench", "benches"]),
        ("bird", ["bird", "pigeon", "seagull", "gull", "duck", "parrot", "sparrow", "crow", "goose", "chicken"]),
        ("cat", ["cat", "kitten", "kitty"]),
        ("dog", ["dog", "puppy", "pup", "doggy", "hound"]),
        ("horse", ["horse", "pony", "foal", "stallion", "mare"]),
        ("sheep", ["sheep", "lamb", "ram"]),
        ("cow", ["cow", "cattle", "bull", "calf", "ox", "oxen", "calves"]),
        ("elephant", ["elephant"]),
        ("bear", ["bear"]),
        ("zebra", ["zebra"]),
        ("giraffe", ["giraffe"]),
        ("backpack", ["backpack", "rucksack", "knapsack"]),
        ("umbrella", ["umbrella", "parasol"]),
        ("handbag", ["handbag", "purse", "bag"]),
        ("tie", ["tie", "necktie"]),
        ("suitcase", ["suitcase", "luggage", "baggage"]),
        ("frisbee", ["frisbee", "flying disc"]),
        ("skis", ["skis", "ski"]),
        ("snowboard", ["snowboard"]),
        ("sports ball", ["sports ball", "ball", "football", "soccer ball", "basketball", "tennis ball", "baseball", "volleyball"]),
        ("kite", ["kite"]),
        ("baseball bat", ["baseball bat", "bat"]),
        ("baseball glove", ["baseball glove", "glove", "mitt"]),
        ("skateboard", ["skateboard"]),
        ("surfboard", ["surfboard", "surf board"]),
        ("tennis racket", ["tennis racket", "racket", "racquet", "tennis racquet"]),
        ("bottle", ["bottle"]),
        ("wine glass", ["wine glass", "wineglass", "champagne glass", "goblet"]),
        ("cup", ["cup", "mug", "glass", "tumbler", "teacup", "coffee cup", "coffee mug", "tea cup"]),
        ("fork", ["fork"]),
        ("knife", ["knife", "knives"]),
        ("spoon", ["spoon"]),
        ("bowl", ["bowl"]),
        ("banana", ["banana"]),
        ("apple", ["apple"]),
        ("sandwich", ["sandwich", "sandwiches", "burger", "hamburger", "sub"]),
        ("orange", ["orange", "tangerine", "mandarin"]),
        ("broccoli", ["broccoli"]),
        ("carrot", ["carrot"]),
        ("hot dog", ["hot dog", "hotdog"]),
        ("pizza", ["pizza"]),
        ("donut", ["donut", "doughnut"]),
        ("cake", ["cake", "cupcake"]),
        ("chair", ["chair", "stool", "armchair"]),
        ("couch", ["couch", "sofa", "settee", "loveseat", "love seat", "couches"]),
        ("potted plant", ["potted plant", "plant", "houseplant", "house plant", "flowerpot", "flower pot", "pot plant"]),
        ("bed", ["bed"]),
        ("dining table", ["dining table", "table", "desk", "kitchen table", "coffee table"]),
        ("toilet", ["toilet", "loo"]),
        ("tv", ["tv", "television", "monitor", "tv set", "tv screen", "screen", "telly"]),
        ("laptop", ["laptop", "notebook", "notebook computer", "laptop computer", "computer"]),
        ("mouse", ["mouse", "computer mouse", "mice"]),
        ("remote", ["remote", "tv remote", "remote control", "controller", "clicker"]),
        ("keyboard", ["keyboard"]),
        ("cell phone", ["cell phone", "cellphone", "phone", "smartphone", "smart phone", "mobile", "mobile phone", "iphone", "telephone"]),
        ("microwave", ["microwave", "microwave oven"]),
        ("oven", ["oven", "stove", "cooker"]),
        ("toaster", ["toaster"]),
        ("sink", ["sink", "basin", "washbasin"]),
        ("refrigerator", ["refrigerator", "fridge", "freezer"]),
        ("book", ["book", "novel", "magazine"]),
        ("clock", ["clock"]),
        ("vase", ["vase"]),
        ("scissors", ["scissors", "scissor"]),
        ("teddy bear", ["teddy bear", "teddy", "stuffed animal", "plush toy", "teddybear"]),
        ("hair drier", ["hair drier", "hair dryer", "hairdryer", "blow dryer", "blow drier"]),
        ("toothbrush", ["toothbrush", "tooth brush"]),
    ];

    // Phrase (singular, space-joined) → COCO name. Built once; synonyms never collide (checked by a test).
    private static readonly Dictionary<string, string> ByPhrase = BuildIndex();

    private static Dictionary<string, string> BuildIndex()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (category, synonyms) in Entries)
        {
            d[category] = category;
            foreach (string s in synonyms) d[s] = category;
        }
        return d;
    }

    /// <summary>Every phrase the lexicon knows, with its COCO name.</summary>
    public static IReadOnlyDictionary<string, string> Phrases => ByPhrase;

    /// <summary>Whether <paramref name="word"/> is the start of some phrase the lexicon knows (cheap pre-check).</summary>
    public static bool IsKnownNoun(string word) => Lookup(word) is not null;

    /// <summary>COCO name for one phrase (lower case, words separated by one space), or null when unknown.</summary>
    public static string? Lookup(string phrase)
    {
        if (ByPhrase.TryGetValue(phrase, out string? c)) return c;
        int sp = phrase.LastIndexOf(' ');
        string head = sp < 0 ? "" : phrase[..(sp + 1)], last = sp < 0 ? phrase : phrase[(sp + 1)..];
        foreach (string singular in Singulars(last))
            if (ByPhrase.TryGetValue(head + singular, out c)) return c;
        return null;
    }

    /// <summary>Longest known phrase starting at <paramref name="start"/> (multiword names before single words),
    /// or null when the tokens there name nothing in the lexicon.</summary>
    public static NounMatch? Match(IReadOnlyList<string> tokens, int start)
    {
        for (int len = Math.Min(MaxPhraseWords, tokens.Count - start); len >= 1; len--)
        {
            string phrase = string.Join(' ', Enumerable.Range(start, len).Select(i => tokens[i]));
            if (Lookup(phrase) is string category) return new NounMatch(category, phrase, len, true);
        }
        return null;
    }

    // Candidate singular forms of an English plural, most specific rule first.
    private static IEnumerable<string> Singulars(string w)
    {
        if (w.Length < 3) yield break;
        if (w.EndsWith("ies", StringComparison.Ordinal)) yield return w[..^3] + "y";
        if (w.EndsWith("ves", StringComparison.Ordinal)) { yield return w[..^3] + "fe"; yield return w[..^3] + "f"; }
        if (w.EndsWith("es", StringComparison.Ordinal)) yield return w[..^2];
        if (w.EndsWith('s') && !w.EndsWith("ss", StringComparison.Ordinal)) yield return w[..^1];
    }
}

/// <summary>Colour words for attributes ("the white cup"), mapped onto the 11 names the scene measures.</summary>
public static class ColorLexicon
{
    /// <summary>The colour names a <see cref="SceneEntity.ColorName"/> can take.</summary>
    public static readonly string[] BasicNames = ["red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "white", "gray", "black"];

    private static readonly Dictionary<string, string> Synonyms = new(StringComparer.Ordinal)
    {
        ["grey"] = "gray", ["violet"] = "purple", ["lavender"] = "purple", ["lilac"] = "purple", ["indigo"] = "purple",
        ["silver"] = "gray", ["charcoal"] = "black", ["gold"] = "yellow", ["golden"] = "yellow",
        ["beige"] = "brown", ["tan"] = "brown", ["khaki"] = "brown", ["wooden"] = "brown",
        ["navy"] = "blue", ["cyan"] = "blue", ["turquoise"] = "blue", ["azure"] = "blue",
        ["teal"] = "green", ["lime"] = "green", ["olive"] = "green",
        ["maroon"] = "red", ["crimson"] = "red", ["scarlet"] = "red", ["magenta"] = "pink",
        ["cream"] = "white", ["ivory"] = "white", ["blonde"] = "yellow",
    };

    /// <summary>Basic colour name for an attribute word (e.g. "grey" → "gray"), or null when it is no colour.</summary>
    public static string? Attribute(string word) =>
        Array.IndexOf(BasicNames, word) >= 0 ? word : Synonyms.GetValueOrDefault(word);
}

/// <summary>Target colours for recolor, as the parser reads them: one palette shared with the editor
/// (<see cref="Editing.TargetColors"/>), so every colour the parser accepts is one the editor can paint.</summary>
public static class ColorPalette
{
    /// <summary>Every named target colour.</summary>
    public static IReadOnlyCollection<string> Names => Editing.TargetColors.Names;

    /// <summary>Canonical name (or lower-case "#rrggbb") and sRGB value of a colour word or hex code; false when unknown.</summary>
    public static bool TryResolve(string text, out string canonical, out Editing.Rgb color)
    {
        canonical = Editing.TargetColors.Canonical(text) ?? "";
        color = default;
        return canonical.Length > 0 && Editing.TargetColors.TryResolve(canonical, out color);
    }
}
