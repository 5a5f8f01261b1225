using OpenCvSharp;

namespace InterCoG.Imaging;

/// <summary>A decoded image. <see cref="Original"/> keeps the file's depth (8/16-bit) and channels (gray, BGR, BGRA)
/// with EXIF orientation applied; <see cref="Bgr"/> is the 8-bit 3-channel BGR working copy every stage reads.</summary>
public sealed class LoadedImage(Mat original, Mat bgr, string path, string sha256, string format) : IDisposable
{
    public Mat Original { get; } = original;
    public Mat Bgr { get; } = bgr;
    public string Path { get; } = path;
    /// <summary>Lower-case hex sha256 of the file's bytes.</summary>
    public string Sha256 { get; } = sha256;
    /// <summary>"png" or "jpeg".</summary>
    public string Format { get; } = format;
    /// <summary>The file's EXIF / ICC pieces, read from the same bytes as the pixels (carried into a same-format output
    /// by <see cref="ImageCodec.Save(Mat, string, ImageMetadata, SaveOptions?)"/>).</summary>
    public ImageMetadata Metadata { get; init; } = ImageMetadata.None;
    public int Width => Bgr.Cols;
    public int Height => Bgr.Rows;

    public void Dispose() { Original.Dispose(); Bgr.Dispose(); }
}
