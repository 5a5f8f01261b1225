using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Tests.Imaging;

/// <summary>Mask PNGs in every layout a tool may write (gray of 1, 2, 4, 8 and 16 bits; palette of 1, 2, 4 and 8 bits,
/// with or without transparency; gray + alpha; RGB; RGBA; label masks holding 0 and 1) decode to the same mask.</summary>
public sealed class MaskDecodeTests
{
    private const int W = 37, H = 30; // an odd width: packed rows end mid-byte

    private static bool Inside(int x, int y) => x is >= 10 and < 30 && y is >= 5 and < 20;

    /// <summary>A PNG of colour type <paramref name="colorType"/> and <paramref name="depth"/> bits whose samples per
    /// pixel are <paramref name="pixel"/>(inside) (big-endian 16-bit samples, rows packed MSB first).</summary>
    private static byte[] Png(byte depth, byte colorType, Func<bool, int[]> pixel, byte[]? palette = null, byte[]? transparency = null)
    {
        int samples = colorType switch { 0 or 3 => 1, 4 => 2, 2 => 3, 6 => 4, _ => throw new ArgumentException("colour type") };
        var rows = new byte[H][];
        for (int y = 0; y < H; y++)
        {
            var row = new byte[(W * samples * depth + 7) / 8];
            for (int x = 0; x < W; x++)
            {
                int[] v = pixel(Inside(x, y));
                for (int s = 0; s < samples; s++)
                {
                    int bit = (x * samples + s) * depth;
                    if (depth < 8) row[bit / 8] |= (byte)(v[s] << (8 - depth - bit % 8));
                    else if (depth == 8) row[bit / 8] = (byte)v[s];
                    else { row[bit / 8] = (byte)(v[s] >> 8); row[bit / 8 + 1] = (byte)v[s]; }
                }
            }
            rows[y] = row;
        }
        var chunks = new List<byte[]> { ImagingTestData.PngChunk("IHDR", ImagingTestData.Ihdr(W, H, depth, colorType)) };
        if (palette is not null) chunks.Add(ImagingTestData.PngChunk("PLTE", palette));
        if (transparency is not null) chunks.Add(ImagingTestData.PngChunk("tRNS", transparency));
        chunks.Add(ImagingTestData.PngChunk("IDAT", ImagingTestData.Idat(rows)));
        chunks.Add(ImagingTestData.PngChunk("IEND", []));
        return ImagingTestData.Png([.. chunks]);
    }

    private static readonly byte[] BlackWhite = [0, 0, 0, 255, 255, 255];

    public static TheoryData<string> Layouts => new(Cases.Keys);

    private static readonly Dictionary<string, Func<byte[]>> Cases = new()
    {
        ["gray 1-bit"] = () => Png(1, 0, i => [i ? 1 : 0]),
        ["gray 2-bit"] = () => Png(2, 0, i => [i ? 3 : 0]),
        ["gray 4-bit"] = () => Png(4, 0, i => [i ? 15 : 0]),
        ["gray 8-bit"] = () => Png(8, 0, i => [i ? 255 : 0]),
        ["gray 16-bit"] = () => Png(16, 0, i => [i ? 65535 : 0]),
        ["gray 8-bit labels 0/1"] = () => Png(8, 0, i => [i ? 1 : 0]),
        ["gray 16-bit labels 0/1"] = () => Png(16, 0, i => [i ? 1 : 0]),
        ["palette 1-bit"] = () => Png(1, 3, i => [i ? 1 : 0], BlackWhite),
        ["palette 2-bit"] = () => Png(2, 3, i => [i ? 1 : 0], BlackWhite),
        ["palette 4-bit"] = () => Png(4, 3, i => [i ? 1 : 0], BlackWhite),
        ["palette 8-bit"] = () => Png(8, 3, i => [i ? 1 : 0], BlackWhite),
        ["palette 1-bit, black on transparent"] = () => Png(1, 3, i => [i ? 1 : 0], [0, 0, 0, 0, 0, 0], [0]),
        ["palette 2-bit, dark label colour"] = () => Png(2, 3, i => [i ? 1 : 0], [0, 0, 0, 128, 0, 0]),
        ["gray + alpha, white on black"] = () => Png(8, 4, i => i ? [255, 255] : [0, 255]),
        ["gray + alpha, black on transparent"] = () => Png(8, 4, i => i ? [0, 255] : [0, 0]),
        ["RGB"] = () => Png(8, 2, i => i ? [255, 255, 255] : [0, 0, 0]),
        ["RGBA 16-bit, alpha only"] = () => Png(16, 6, i => i ? [0, 0, 0, 65535] : [0, 0, 0, 0]),
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Every_png_layout_decodes_to_the_same_mask(string layout)
    {
        using var mask = ImageCodec.DecodeMask(Cases[layout](), layout);
        Assert.Equal(MatType.CV_8UC1, mask.Type());
        Assert.Equal(new Size(W, H), mask.Size());
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                Assert.True(mask.At<byte>(y, x) == (Inside(x, y) ? 255 : 0), $"{layout}: pixel ({x},{y}) is {mask.At<byte>(y, x)}");
    }

    [Fact]
    public void A_mask_file_is_read_from_disk_and_a_broken_one_is_an_input_error()
    {
        string dir = ImagingTestData.NewTempDir();
        string path = Path.Combine(dir, "m.png");
        File.WriteAllBytes(path, Cases["palette 1-bit"]());
        using (var m = ImageCodec.LoadMask(path)) Assert.Equal(20 * 15, Cv2.CountNonZero(m));
        File.WriteAllBytes(path, Cases["gray 1-bit"]()[..60]);
        var e = Assert.Throws<InputException>(() => ImageCodec.LoadMask(path));
        Assert.Contains("truncated PNG", e.Message);
    }
}
