using OpenCvSharp;
using CvXPhoto = OpenCvSharp.XPhoto.CvXPhoto;
using XPhotoInpaint = OpenCvSharp.XPhoto.InpaintTypes;

namespace InterCoG.Editing;

/// <summary>OpenCV contrib xphoto inpainting: shift-map (K. He and J. Sun, "Statistics of patch offsets for image
/// completion", ECCV 2012), run on CIELab, or frequency-selective reconstruction (fast preset). Forbidden pixels are
/// treated as unknown. The context is the Telea one (<see cref="TeleaFillOptions.ContextFraction"/>).</summary>
public sealed class XPhotoInpainter : IInpainter
{
    private readonly TeleaFillOptions _context;

    /// <summary>The xphoto fill <paramref name="method"/> (<see cref="FillMethod.ShiftMap"/> or <see cref="FillMethod.Fsr"/>).</summary>
    public XPhotoInpainter(FillMethod method, TeleaFillOptions? context = null)
    {
        if (method is not (FillMethod.ShiftMap or FillMethod.Fsr))
            throw new ArgumentOutOfRangeException(nameof(method), method, "xphoto fills are ShiftMap and Fsr");
        Method = method;
        _context = context ?? new TeleaFillOptions();
    }

    /// <inheritdoc />
    public FillMethod Method { get; }

    /// <inheritdoc />
    public string Name => Method == FillMethod.ShiftMap ? "xphoto shift-map" : "xphoto FSR";

    /// <inheritdoc />
    public Rect Context(Rect holeBox, Size imageSize) => FillContext.Padded(holeBox, _context.ContextFraction, _context.MinContextPx, imageSize);

    /// <inheritdoc />
    public InpaintResult Fill(Mat bgr, Mat hole, Mat forbidden)
    {
        // xphoto's mask marks the known pixels
        using var known = new Mat();
        Cv2.BitwiseOr(hole, forbidden, known);
        Cv2.BitwiseNot(known, known);
        var dst = new Mat();
        if (Method == FillMethod.ShiftMap)
        {
            using var lab = new Mat();
            Cv2.CvtColor(bgr, lab, ColorConversionCodes.BGR2Lab);
            using var labOut = new Mat();
            CvXPhoto.Inpaint(lab, known, labOut, XPhotoInpaint.SHIFTMAP);
            Cv2.CvtColor(labOut, dst, ColorConversionCodes.Lab2BGR);
        }
        else
        {
            using var src = bgr.Clone();
            CvXPhoto.Inpaint(src, known, dst, XPhotoInpaint.FSR_FAST);
        }
        return new InpaintResult(dst, 1, $"a {bgr.Cols}×{bgr.Rows} crop");
    }
}
