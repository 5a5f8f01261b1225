using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Perception;

/// <summary>One detection with the pass that produced it (0 = the full image, 1.. = tiles or other detectors).</summary>
/// <param name="Source">Pass or detector index; the IoS duplicate rule applies only between different sources.</param>
/// <param name="Cut">True when the box touches an edge of its tile that is not an edge of the image.</param>
public readonly record struct SourcedDetection(Detection Detection, int Source, bool Cut = false);

/// <summary>Merges detections of several passes into one list (pure, deterministic).</summary>
public static class DetectionMerger
{
    /// <summary>True when <paramref name="box"/> lies within <paramref name="edgePx"/> of an edge of <paramref name="tile"/>
    /// that is not an edge of the <paramref name="width"/>×<paramref name="height"/> image.</summary>
    public static bool IsCutByTile(Box box, Rect tile, int width, int height, float edgePx) =>
        (tile.Left > 0 && box.X1 <= tile.Left + edgePx) ||
        (tile.Top > 0 && box.Y1 <= tile.Top + edgePx) ||
        (tile.Right < width && box.X2 >= tile.Right - edgePx) ||
        (tile.Bottom < height && box.Y2 >= tile.Bottom - edgePx);

    /// <summary>Merge: drop cut boxes explained by a source-0 box of their class (IoS ≥ CutBoxIos), then greedy
    /// per-class merging by score after SAHI's greedy NMM (IoU ≥ NmsIou, or IoS ≥ MergeIos when the smaller box has
    /// ≥ MergeMinAreaRatio of the larger's area): the best score is kept, and a kept box that its tile cut grows to the
    /// union with the boxes of other passes it absorbs. Returns at most MaxDetections, highest score first.</summary>
    public static List<Detection> Merge(IReadOnlyList<SourcedDetection> items, DetectorOptions o)
    {
        var live = new List<SourcedDetection>(items.Count);
        foreach (var it in items)
        {
            if (it.Cut && items.Any(f => f.Source == 0 && !f.Cut && f.Detection.ClassId == it.Detection.ClassId &&
                                         Nms.Ios(f.Detection.Box, it.Detection.Box) >= o.CutBoxIos))
                continue;
            live.Add(it);
        }
        var dets = live.Select(s => s.Detection).ToList();
        var order = Nms.SortedByScore(dets);
        var kept = new List<int>();
        var probs = new List<float[]>();
        var boxes = new List<Box>();
        foreach (int i in order)
        {
            var d = dets[i];
            int by = -1;
            for (int k = 0; k < kept.Count && by < 0; k++)
            {
                var kd = dets[kept[k]];
                if (kd.ClassId != d.ClassId) continue;
                if (kd.Box.Iou(d.Box) >= o.NmsIou) by = k;
                else if (Nms.Ios(kd.Box, d.Box) >= o.MergeIos &&
                         MathF.Min(kd.Box.Area, d.Box.Area) >= o.MergeMinAreaRatio * MathF.Max(kd.Box.Area, d.Box.Area))
                    by = k;
            }
            if (by < 0)
            {
                kept.Add(i);
                boxes.Add(d.Box);
                probs.Add(o.MaxMergeClassProbs ? (float[])d.ClassProbs.Clone() : d.ClassProbs);
                continue;
            }
            // the kept box was cut by its tile: another pass saw more of the object
            if (live[kept[by]].Cut && live[kept[by]].Source != live[i].Source) boxes[by] = boxes[by].Union(d.Box);
            if (o.MaxMergeClassProbs)
            {
                var p = probs[by];
                for (int c = 0; c < p.Length && c < d.ClassProbs.Length; c++) p[c] = MathF.Max(p[c], d.ClassProbs[c]);
            }
        }
        var result = new List<Detection>(Math.Min(kept.Count, o.MaxDetections));
        for (int k = 0; k < kept.Count && k < o.MaxDetections; k++)
            result.Add(dets[kept[k]] with { Box = boxes[k], ClassProbs = probs[k] });
        return result;
    }
}
