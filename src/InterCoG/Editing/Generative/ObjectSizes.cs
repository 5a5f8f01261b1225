namespace InterCoG.Editing.Generative;

/// <summary>Typical real-world size of things people add to photos: height in metres (as usually seen) and the box's
/// width/height ratio. An added object's box is the anchor's height scaled by the two heights' ratio, so "a cat next to
/// the dog" comes out a little smaller than the dog and "a pigeon on the traffic light" a quarter of the light.</summary>
public static class ObjectSizes
{
    /// <summary>Height (m) and box aspect (width / height) by COCO class or common noun.</summary>
    private static readonly Dictionary<string, (double HeightM, double Aspect)> Table = new(StringComparer.OrdinalIgnoreCase)
    {
        ["person"] = (1.7, 0.4), ["bicycle"] = (1.0, 1.6), ["car"] = (1.5, 2.4), ["motorcycle"] = (1.1, 1.7), ["airplane"] = (5, 2.5),
        ["bus"] = (3.2, 2.6), ["train"] = (4, 3), ["truck"] = (3, 2.2), ["boat"] = (1.5, 2), ["traffic light"] = (1.0, 0.45),
        ["fire hydrant"] = (0.8, 0.6), ["stop sign"] = (0.75, 1), ["parking meter"] = (1.4, 0.3), ["bench"] = (0.85, 2.2),
        ["bird"] = (0.25, 1), ["cat"] = (0.3, 1.3), ["dog"] = (0.55, 1.2), ["horse"] = (1.6, 1.3), ["sheep"] = (0.9, 1.3),
        ["cow"] = (1.4, 1.5), ["elephant"] = (3, 1.4), ["bear"] = (1.2, 1.4), ["zebra"] = (1.4, 1.3), ["giraffe"] = (5, 0.6),
        ["backpack"] = (0.5, 0.7), ["umbrella"] = (1.0, 1.2), ["handbag"] = (0.3, 1.1), ["tie"] = (0.5, 0.25), ["suitcase"] = (0.6, 0.7),
        ["frisbee"] = (0.1, 2.5), ["skis"] = (0.2, 5), ["snowboard"] = (0.3, 4), ["sports ball"] = (0.22, 1), ["kite"] = (0.8, 1),
        ["baseball bat"] = (0.8, 0.15), ["baseball glove"] = (0.3, 1), ["skateboard"] = (0.15, 3.5), ["surfboard"] = (0.6, 3.5),
        ["tennis racket"] = (0.7, 0.45), ["bottle"] = (0.25, 0.35), ["wine glass"] = (0.2, 0.45), ["cup"] = (0.1, 0.9),
        ["fork"] = (0.19, 0.2), ["knife"] = (0.21, 0.15), ["spoon"] = (0.17, 0.2), ["bowl"] = (0.08, 2.2), ["banana"] = (0.07, 2.5),
        ["apple"] = (0.08, 1), ["sandwich"] = (0.08, 1.6), ["orange"] = (0.08, 1), ["broccoli"] = (0.15, 1), ["carrot"] = (0.05, 4),
        ["hot dog"] = (0.06, 3), ["pizza"] = (0.05, 3.5), ["donut"] = (0.05, 2), ["cake"] = (0.15, 1.5), ["chair"] = (0.9, 0.6),
        ["couch"] = (0.85, 2.2), ["potted plant"] = (0.5, 0.8), ["bed"] = (0.6, 2), ["dining table"] = (0.75, 1.8), ["toilet"] = (0.75, 0.6),
        ["tv"] = (0.6, 1.6), ["laptop"] = (0.25, 1.4), ["mouse"] = (0.04, 1.6), ["remote"] = (0.05, 2.5), ["keyboard"] = (0.05, 5),
        ["cell phone"] = (0.15, 0.5), ["microwave"] = (0.3, 1.6), ["oven"] = (0.9, 1), ["toaster"] = (0.2, 1.3), ["sink"] = (0.2, 2),
        ["refrigerator"] = (1.8, 0.5), ["book"] = (0.25, 0.75), ["clock"] = (0.3, 1), ["vase"] = (0.3, 0.5), ["scissors"] = (0.2, 0.5),
        ["teddy bear"] = (0.4, 0.8), ["hair drier"] = (0.25, 1), ["toothbrush"] = (0.19, 0.15),
        // common nouns outside the detector's classes
        ["hat"] = (0.15, 1.6), ["helmet"] = (0.25, 1.2), ["lamp"] = (0.5, 0.6), ["flower"] = (0.3, 0.8), ["flowers"] = (0.3, 1),
        ["tree"] = (5, 0.7), ["sign"] = (0.8, 1), ["can"] = (0.6, 0.6), ["trash can"] = (0.8, 0.6), ["box"] = (0.3, 1.2),
        ["basket"] = (0.3, 1.3), ["candle"] = (0.15, 0.4), ["glasses"] = (0.05, 2.5), ["sunglasses"] = (0.05, 2.5), ["plate"] = (0.03, 3),
        ["balloon"] = (0.35, 0.8), ["ball"] = (0.22, 1), ["rabbit"] = (0.25, 1), ["duck"] = (0.35, 1.1), ["butterfly"] = (0.06, 1.3),
        ["fish"] = (0.2, 2), ["rock"] = (0.4, 1.4), ["fence"] = (1.2, 3), ["pillow"] = (0.3, 1.5), ["towel"] = (0.4, 1), ["scarf"] = (0.3, 1),
    };

    /// <summary>Height in metres and aspect (width / height) of <paramref name="name"/> (a class or noun; a plural's
    /// trailing "s" is tried too), or null when unknown.</summary>
    public static (double HeightM, double Aspect)? Of(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        string n = name.Trim();
        if (Table.TryGetValue(n, out var v)) return v;
        if (n.EndsWith('s') && Table.TryGetValue(n[..^1], out v)) return v;
        return null;
    }
}
