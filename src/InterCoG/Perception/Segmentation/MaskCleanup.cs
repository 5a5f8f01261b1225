using OpenCvSharp;

namespace InterCoG.Perception.Segmentation;

/// <summary>Mask post-processing shared by the segmenters.</summary>
internal static class MaskCleanup
{
    /// <summary>Keep the 8-connected components of <paramref name="mask8"/> (CV_8UC1 0/255) that have at least
    /// <paramref name="minInsideShare"/> of their pixels inside <paramref name="clip"/> (the largest such component
    /// always), then zero everything outside <paramref name="clip"/>. Returns a new mask.</summary>
    public static Mat KeepComponentsInBox(Mat mask8, Rect clip, double minInsideShare)
    {
        using var labels = new Mat();
        using var stats = new Mat();
        using var centroids = new Mat();
        int n = Cv2.ConnectedComponentsWithStats(mask8, labels, stats, centroids, PixelConnectivity.Connectivity8);
        var inside = new long[n];
        clip = clip.Intersect(new Rect(0, 0, mask8.Cols, mask8.Rows));
        for (int y = clip.Top; y < clip.Bottom; y++)
            for (int x = clip.Left; x < clip.Right; x++)
                inside[labels.At<int>(y, x)]++;
        int best = 0;
        for (int i = 1; i < n; i++) if (best == 0 || inside[i] > inside[best]) best = i;
        var keep = new bool[n];
        for (int i = 1; i < n; i++)
        {
            int area = stats.At<int>(i, (int)ConnectedComponentsTypes.Area);
            keep[i] = inside[i] > 0 && (i == best || inside[i] >= minInsideShare * area);
        }
        var result = new Mat(mask8.Rows, mask8.Cols, MatType.CV_8UC1, Scalar.All(0));
        for (int y = clip.Top; y < clip.Bottom; y++)
            for (int x = clip.Left; x < clip.Right; x++)
                if (keep[labels.At<int>(y, x)]) result.Set(y, x, (byte)255);
        return result;
    }

    /// <summary>Keep the 8-connected components of <paramref name="mask8"/> (CV_8UC1 0/255) with at least
    /// <paramref name="minInsideShare"/> of their pixels inside <paramref name="box"/> (the component with the most
    /// pixels inside always); nothing is clipped. Returns a new mask.</summary>
    public static Mat KeepComponentsMostlyIn(Mat mask8, Rect box, double minInsideShare)
    {
        using var labels = new Mat();
        using var stats = new Mat();
        using var centroids = new Mat();
        int n = Cv2.ConnectedComponentsWithStats(mask8, labels, stats, centroids, PixelConnectivity.Connectivity8);
        if (n <= 2) return mask8.Clone(); // background and at most one part
        var inside = new long[n];
        box = box.Intersect(new Rect(0, 0, mask8.Cols, mask8.Rows));
        for (int y = box.Top; y < box.Bottom; y++)
            for (int x = box.Left; x < box.Right; x++)
                inside[labels.At<int>(y, x)]++;
        int best = 1;
        for (int i = 2; i < n; i++) if (inside[i] > inside[best]) best = i;
        var result = new Mat(mask8.Rows, mask8.Cols, MatType.CV_8UC1, Scalar.All(0));
        for (int i = 1; i < n; i++)
        {
            int area = stats.At<int>(i, (int)ConnectedComponentsTypes.Area);
            if (i != best && inside[i] < minInsideShare * area) continue;
            using var part = new Mat();
            Cv2.Compare(labels, i, part, CmpTypes.EQ);
            result.SetTo(Scalar.All(255), part);
        }
        return result;
    }
}
