namespace InterCoG.Imaging;

/// <summary>An axis-aligned box in pixels, XYXY order: (X1, Y1) top-left inclusive, (X2, Y2) bottom-right exclusive,
/// in the coordinates of the image as displayed (EXIF orientation applied).</summary>
public readonly record struct Box(float X1, float Y1, float X2, float Y2)
{
    public float Width => MathF.Max(0, X2 - X1);
    public float Height => MathF.Max(0, Y2 - Y1);
    public float Area => Width * Height;
    public float CenterX => (X1 + X2) / 2;
    public float CenterY => (Y1 + Y2) / 2;

    public static Box FromXywh(float x, float y, float w, float h) => new(x, y, x + w, y + h);

    /// <summary>Intersection over union, 0..1; 0 for empty boxes.</summary>
    public float Iou(Box other)
    {
        float inter = Intersect(other).Area;
        float union = Area + other.Area - inter;
        return union <= 0 ? 0 : inter / union;
    }

    public Box Intersect(Box o) => new(MathF.Max(X1, o.X1), MathF.Max(Y1, o.Y1), MathF.Min(X2, o.X2), MathF.Min(Y2, o.Y2));

    /// <summary>The smallest box holding this one and <paramref name="o"/>.</summary>
    public Box Union(Box o) => new(MathF.Min(X1, o.X1), MathF.Min(Y1, o.Y1), MathF.Max(X2, o.X2), MathF.Max(Y2, o.Y2));

    /// <summary>Clamp into [0,width]×[0,height].</summary>
    public Box Clamp(int width, int height) =>
        new(Math.Clamp(X1, 0, width), Math.Clamp(Y1, 0, height), Math.Clamp(X2, 0, width), Math.Clamp(Y2, 0, height));

    /// <summary>Grow each side by <paramref name="fraction"/> of the box's size (plus <paramref name="px"/> pixels).</summary>
    public Box Pad(float fraction, float px = 0) =>
        new(X1 - Width * fraction - px, Y1 - Height * fraction - px, X2 + Width * fraction + px, Y2 + Height * fraction + px);

    /// <summary>Integer pixel rectangle covering the box (floor/ceil), clamped to the image.</summary>
    public OpenCvSharp.Rect ToRect(int width, int height)
    {
        int x1 = Math.Clamp((int)MathF.Floor(X1), 0, width), y1 = Math.Clamp((int)MathF.Floor(Y1), 0, height);
        int x2 = Math.Clamp((int)MathF.Ceiling(X2), 0, width), y2 = Math.Clamp((int)MathF.Ceiling(Y2), 0, height);
        return new OpenCvSharp.Rect(x1, y1, Math.Max(0, x2 - x1), Math.Max(0, y2 - y1));
    }

    /// <summary>Rounded integer XYXY, the form written into traces.</summary>
    public int[] ToIntArray() => [(int)MathF.Round(X1), (int)MathF.Round(Y1), (int)MathF.Round(X2), (int)MathF.Round(Y2)];

    public override string ToString() => $"[{(int)MathF.Round(X1)},{(int)MathF.Round(Y1)},{(int)MathF.Round(X2)},{(int)MathF.Round(Y2)}]";
}
