using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Perception;

/// <summary>Settings of <see cref="SceneBuilder"/>.</summary>
public sealed record SceneBuilderOptions
{
    /// <summary>Without a mask, the colour is read from the central part of the box: this fraction of its width and height (0..1].</summary>
    public float ColorCentralFraction { get; init; } = 0.6f;

    /// <summary>Colour-naming thresholds.</summary>
    public ColorNamerOptions Color { get; init; } = new();

    /// <summary>A detection whose box is narrower or lower than this many pixels is too small to edit visibly.</summary>
    public float MinEditableSidePx { get; init; } = 12;

    /// <summary>A detection whose box side (√area) is below this fraction of the largest confident detection of its
    /// class (score ≥ <see cref="SizePeerMinScore"/>) is too small to edit beside it.</summary>
    public float MinSizeRatioToPeers { get; init; } = 0.1f;

    /// <summary>Detections at least this sure (0..1) set the size their class's smaller detections are compared with.</summary>
    public float SizePeerMinScore { get; init; } = 0.25f;
}

/// <summary>Turns detections into a <see cref="Scene"/>: ids 1..n ordered by X1, then Y1, then label, then score
/// (descending); colour name from the box centre (or the mask); DepthProxy = 1 − Y2 / image height; TooSmall for
/// boxes too small to edit visibly.</summary>
public sealed class SceneBuilder(SceneBuilderOptions? options = null)
{
    /// <summary>Settings in use.</summary>
    public SceneBuilderOptions Options { get; } = options ?? new SceneBuilderOptions();

    /// <summary>Build the scene of an 8-bit BGR image. <paramref name="masks"/>, when given, is parallel to
    /// <paramref name="detections"/> (CV_8UC1 of the image's size, null where there is none).</summary>
    public Scene Build(Mat bgr, IReadOnlyList<Detection> detections, IReadOnlyList<Mat?>? masks = null)
    {
        if (masks != null && masks.Count != detections.Count)
            throw new ArgumentException($"{masks.Count} masks for {detections.Count} detections", nameof(masks));
        int w = bgr.Cols, h = bgr.Rows;
        var order = Enumerable.Range(0, detections.Count).ToArray();
        Array.Sort(order, (i, j) =>
        {
            Detection a = detections[i], b = detections[j];
            int c = a.Box.X1.CompareTo(b.Box.X1);
            if (c == 0) c = a.Box.Y1.CompareTo(b.Box.Y1);
            if (c == 0) c = string.CompareOrdinal(a.Label, b.Label);
            if (c == 0) c = b.Score.CompareTo(a.Score);
            return c != 0 ? c : i.CompareTo(j);
        });
        var entities = new List<SceneEntity>(order.Length);
        foreach (int i in order)
        {
            var d = detections[i];
            var box = d.Box.Clamp(w, h);
            Mat? mask = masks?[i];
            string color;
            if (mask != null) color = ColorNamer.Name(bgr, box.ToRect(w, h), mask, Options.Color);
            else
            {
                float margin = (1 - Math.Clamp(Options.ColorCentralFraction, 0.05f, 1f)) / 2;
                var centre = new Box(box.X1 + box.Width * margin, box.Y1 + box.Height * margin, box.X2 - box.Width * margin, box.Y2 - box.Height * margin);
                var rect = centre.ToRect(w, h);
                color = rect.Width > 0 && rect.Height > 0 ? ColorNamer.Name(bgr, rect, null, Options.Color) : "gray";
            }
            double depth = h > 0 ? Math.Clamp(1 - box.Y2 / h, 0, 1) : 0;
            entities.Add(new SceneEntity(entities.Count + 1, d.Label, d.Score, box, d.ClassProbs, color, depth) { TooSmall = TooSmall(box, d.Label, detections, w, h) });
        }
        return new Scene(w, h, entities);
    }

    /// <summary>Whether <paramref name="box"/> (already clamped) is too small to edit: a side under
    /// <see cref="SceneBuilderOptions.MinEditableSidePx"/>, or √area under <see cref="SceneBuilderOptions.MinSizeRatioToPeers"/>
    /// of the largest confident detection labelled <paramref name="label"/>.</summary>
    public bool TooSmall(Box box, string label, IReadOnlyList<Detection> detections, int width, int height)
    {
        var o = Options;
        if (box.Width < o.MinEditableSidePx || box.Height < o.MinEditableSidePx) return true;
        double largest = detections.Where(p => p.Label == label && p.Score >= o.SizePeerMinScore)
            .Select(p => (double)p.Box.Clamp(width, height).Area).DefaultIfEmpty(0).Max();
        return largest > 0 && Math.Sqrt(box.Area) < o.MinSizeRatioToPeers * Math.Sqrt(largest);
    }
}
