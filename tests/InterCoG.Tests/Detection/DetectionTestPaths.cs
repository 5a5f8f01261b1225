using OpenCvSharp;

namespace InterCoG.Tests.DetectionTests;

/// <summary>Locates the repository, shared assets and test images for the detection tests.</summary>
internal static class DetectionTestPaths
{
    public static string Shared => TestSupport.TestPaths.Shared;

    public static string YoloxModel => Path.Combine(Shared, "models", "yolox_nano.onnx");
    public static string Yolov8Model => Path.Combine(Shared, "models", "yolov8n_int8.onnx");
    public static string RefCoco(string scene) => Path.Combine(Shared, "data", "refcoco-3ds", scene);

    /// <summary>Read an image as 8-bit BGR through the product's codec.</summary>
    public static Mat ReadBgr(string path) => InterCoG.Imaging.ImageCodec.LoadBgr(path);
}
