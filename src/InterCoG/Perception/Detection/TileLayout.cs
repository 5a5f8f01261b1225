using OpenCvSharp;

namespace InterCoG.Perception;

/// <summary>Overlapping tile grids over an image.</summary>
public static class TileLayout
{
    /// <summary>An n×n grid of equal tiles covering a <paramref name="width"/>×<paramref name="height"/> image, neighbours
    /// overlapping by <paramref name="overlap"/> (fraction of the tile size, 0..0.5); row-major, top-left first.</summary>
    public static Rect[] Grid(int width, int height, int n, float overlap)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "grid must be at least 1×1");
        overlap = Math.Clamp(overlap, 0f, 0.5f);
        if (n == 1) return [new Rect(0, 0, width, height)];
        int tw = Math.Min(width, (int)MathF.Ceiling(width / (n - (n - 1) * overlap)));
        int th = Math.Min(height, (int)MathF.Ceiling(height / (n - (n - 1) * overlap)));
        var tiles = new Rect[n * n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
            {
                int x = (int)MathF.Round(c * (width - tw) / (float)(n - 1));
                int y = (int)MathF.Round(r * (height - th) / (float)(n - 1));
                tiles[r * n + c] = new Rect(x, y, tw, th);
            }
        return tiles;
    }
}
