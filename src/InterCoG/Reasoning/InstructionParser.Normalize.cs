namespace InterCoG.Reasoning;

/// <remarks>Rewrites of everyday sentence shapes into the imperative the grammar reads, applied after politeness is
/// stripped and before anything else; each rewrite is reported in the notes:
/// <code>
/// (i want | i would like | id like | i need | we want | we need | lets | have | get) EXPR removed|deleted|gone  → remove EXPR
/// EXPR (should | must | needs to | has to | can | will) be removed|deleted|erased|gone                          → remove EXPR
/// [i want | id like | can | could | should] EXPR [to | should | must | can] be [made | painted | colored | turned] TAIL
///                                                                                                     → make EXPR TAIL
/// EXPR VERB … (it | them) …   ("the car on the left, make it red")                                    → VERB … EXPR …
/// </code></remarks>
public sealed partial class InstructionParser
{
    // Longest first: the first phrase that matches is taken.
    private static readonly string[][] DesirePrefixes = PhraseBook.Words("desire");

    private static readonly HashSet<string> RemovedWords = ["removed", "deleted", "erased", "gone", "eliminated", "taken", "away"];
    private static readonly HashSet<string> Auxiliaries =
        ["to", "be", "should", "must", "needs", "need", "has", "have", "can", "could", "will", "would", "get", "got", "being", "is", "are"];
    private static readonly HashSet<string> MadeWords = ["made", "painted", "colored", "coloured", "turned", "changed", "recolored", "recoloured", "dyed"];

    private static void Normalize(List<string> t, List<string> notes)
    {
        string before = string.Join(' ', t);
        bool desire = false;
        if (MatchAny(t, 0, DesirePrefixes) is int d && d < t.Count)
        {
            t.RemoveRange(0, d);
            desire = true;
        }
        // "have the bird removed", "get the cup removed", "can the dog be made brown": a leading auxiliary before a description.
        string? causative = null;
        if (t.Count > 1 && t[0] is "have" or "get" or "can" or "could" or "would" or "will" or "should" or "let" && StartsExpression(t, 1))
        {
            causative = t[0] is "have" or "let" or "get" ? t[0] : null;
            t.RemoveAt(0);
            desire = true;
        }
        if (t.Count > 0 && t[0] == "to" && desire) t.RemoveAt(0); // "i want to remove the cup"
        // "take the backpack out", "take his hat off": the particle goes back to its verb.
        if (t.Count > 2 && t[0] == "take" && t[^1] is "out" or "away" or "off" && t[1] is not ("out" or "away" or "off"))
        {
            t.Insert(1, t[^1]);
            t.RemoveAt(t.Count - 1);
        }
        if (t.Count > 1 && StartsExpression(t, 0) && !StartsWithVerb(t))
        {
            // "the dog should be removed", "the red cup removed", "the cup taken away"
            int end = t.Count;
            if (end > 1 && RemovedWords.Contains(t[end - 1]) && !(t[end - 1] == "away" && t[end - 2] != "taken"))
            {
                int k = end - 1;
                if (t[k] == "away" && k > 0 && t[k - 1] == "taken") k--;
                while (k > 0 && Auxiliaries.Contains(t[k - 1])) k--;
                if (k > 0)
                {
                    t.RemoveRange(k, end - k);
                    t.Insert(0, "remove");
                }
            }
            else if (Copula(t) is (int start, int tail) && tail < t.Count)
            {
                // "the cup on the left should be red", "the car to be blue", "the dog be made brown"
                t.RemoveRange(start, tail - start);
                t.Insert(0, "make");
            }
            else if (Topicalized(t) is (int verb, int pronoun))
            {
                // "the car on the left, make it red": the description stands where the pronoun was.
                var expr = t.Take(verb).ToList();
                var rest = t.Skip(verb).ToList();
                int p = pronoun - verb;
                rest.RemoveAt(p);
                rest.InsertRange(p, expr);
                t.Clear();
                t.AddRange(rest);
            }
        }
        // "have the man wear a red coat", "let the dog sit": the causative is "make" when nothing else took the sentence.
        if (causative is not null && t.Count > 1 && !StartsWithVerb(t) && StartsExpression(t, 0)) t.Insert(0, "make");
        string after = string.Join(' ', t);
        if (after != before) notes.Add($"read as '{after}'");
    }

    private static bool StartsWithVerb(List<string> t, int i = 0) =>
        MatchAny(t, i, RemoveVerbs) is not null || MatchAny(t, i, RecolorVerbs) is not null || VerbFirst.Any(v => MatchAt(t, i, v.Words));

    // The auxiliary chain "(to|should|must|can|will)* be (made|painted …)?" ending at the tail (a colour or a make-tail):
    // (first auxiliary, first tail word), or null.
    private static (int Start, int Tail)? Copula(List<string> t)
    {
        for (int b = 1; b < t.Count - 1; b++)
        {
            if (t[b] != "be") continue;
            int tail = b + 1;
            if (tail < t.Count && MadeWords.Contains(t[tail])) tail++;
            if (tail < t.Count && t[tail] is "to" or "into" or "in") { /* "be changed to red": the grammar reads "to" itself */ }
            int start = b;
            while (start > 1 && Auxiliaries.Contains(t[start - 1])) start--;
            if (tail >= t.Count) return null;
            return (start, tail);
        }
        return null;
    }

    // A description, then a known verb whose object is "it"/"them": (index of the verb, index of the pronoun), or null.
    private static (int Verb, int Pronoun)? Topicalized(List<string> t)
    {
        for (int v = 1; v < t.Count - 1; v++)
        {
            if (!StartsWithVerb(t, v)) continue;
            for (int p = v + 1; p < t.Count; p++)
                if (t[p] is "it" or "them") return (v, p);
            return null;
        }
        return null;
    }
}
