using OpenCvSharp;

namespace InterCoG.Tests.DetectionTests;

/// <summary>Locates the repository, shared assets and test images for the detection tests.</summary>
internal static class DetectionTestPaths
{
    public static string Shared => TestSupport.TestPaths.Shared;

    public static string YoloxModel => Path.Combine(Shared, "models", "yolox_nano.onnx");
    public static string Yolov8Model => Path.Combine(Shared, "models", "yolov8n_int8.onnx");
    public static string RefCoco(string scene) => Path.Combine(Shared, "data", "refcoco-3ds", scene);
    public static string Darknet(string name) => TestSupport.TestPaths.Darknet(name);

    /// <summary>Read an image as 8-bit BGR; 16-bit and alpha inputs are reduced (÷257, alpha dropped).</summary>
    public static Mat ReadBgr(string path)
    {
        using var raw = Cv2.ImRead(path, ImreadModes.Unchanged);
        if (raw.Empty()) throw new FileNotFoundException("cannot read image", path);
        using var eight = new Mat();
        if (raw.Depth() == MatType.CV_16U) raw.ConvertTo(eight, MatType.CV_8U, 1.0 / 257); else raw.CopyTo(eight);
        var bgr = new Mat();
        switch (eight.Channels())
        {
            case 4: Cv2.CvtColor(eight, bgr, ColorConversionCodes.BGRA2BGR); break;
            case 1: Cv2.CvtColor(eight, bgr, ColorConversionCodes.GRAY2BGR); break;
            default: eight.CopyTo(bgr); break;
        }
        return bgr;
    }
}
