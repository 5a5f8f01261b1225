using InterCoG.Imaging;

namespace InterCoG.Perception;

/// <summary>Non-maximum suppression and box-overlap measures; pure functions, deterministic (ties keep input order).</summary>
public static class Nms
{
    /// <summary>Intersection over the smaller box's area, 0..1; 0 when either box is empty.</summary>
    public static float Ios(Box a, Box b)
    {
        float smaller = MathF.Min(a.Area, b.Area);
        return smaller <= 0 ? 0 : a.Intersect(b).Area / smaller;
    }

    /// <summary>Indices into <paramref name="detections"/> kept by per-class NMS at <paramref name="iou"/>, highest score first.</summary>
    public static List<int> PerClass(IReadOnlyList<Detection> detections, float iou)
    {
        var order = SortedByScore(detections);
        var kept = new List<int>();
        foreach (int i in order)
        {
            var d = detections[i];
            bool suppressed = false;
            foreach (int k in kept)
                if (detections[k].ClassId == d.ClassId && detections[k].Box.Iou(d.Box) >= iou) { suppressed = true; break; }
            if (!suppressed) kept.Add(i);
        }
        return kept;
    }

    /// <summary>Indices sorted by score descending; equal scores keep ascending index order.</summary>
    public static int[] SortedByScore(IReadOnlyList<Detection> detections)
    {
        var order = Enumerable.Range(0, detections.Count).ToArray();
        Array.Sort(order, (a, b) =>
        {
            int c = detections[b].Score.CompareTo(detections[a].Score);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order;
    }
}
