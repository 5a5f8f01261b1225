using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>Settings of <see cref="PatchInpainter"/>.</summary>
public sealed record PatchFillOptions
{
    /// <summary>Patch half-size in pixels (a patch is (2r+1)² pixels), at every pyramid level.</summary>
    public int PatchRadiusPx { get; init; } = 4;

    /// <summary>The pyramid is halved until the hole's bounding box has no side longer than this, in pixels.</summary>
    public int CoarsestMaxSidePx { get; init; } = 120;

    /// <summary>Most pyramid levels below full resolution.</summary>
    public int MaxLevels { get; init; } = 6;

    /// <summary>Search band at the coarsest level around the hole's box, as a fraction of its longer side.</summary>
    public double SearchBandFraction { get; init; } = 0.75;

    /// <summary>At finer levels, candidate offsets are the doubled coarse offset ± this many pixels.</summary>
    public int RefineRadiusPx { get; init; } = 2;

    /// <summary>Added to the data term (0–1) before it multiplies the confidence: small values follow edges
    /// aggressively (Criminisi's original order), larger ones fill more evenly from the rim inwards.</summary>
    public double DataTermFloor { get; init; } = 0.3;

    /// <summary>Cost of a source's distance from its target, in squared 8-bit levels (summed over B, G, R) per patch
    /// pixel per pixel of offset: near sources win ties, far unlike objects lose.</summary>
    public double DistancePenalty { get; init; } = 8;

    /// <summary>Weight of the upsampled coarse guess, relative to known pixels, in a finer level's patch distance.</summary>
    public double GuessWeight { get; init; } = 0.5;

    /// <summary>Context kept around the hole's box for a removal, as a fraction of its longer side (the source band).</summary>
    public double ContextFraction { get; init; } = 0.75;

    /// <summary>Context kept around the hole's box for a removal, in pixels at least.</summary>
    public int MinContextPx { get; init; } = 24;
}

/// <summary>Exemplar-based hole filling after A. Criminisi, P. Pérez, K. Toyama, "Region filling and object removal by
/// exemplar-based image inpainting" (IEEE TIP 2004): the fill front is filled patch by patch in order of
/// confidence × data term (isophote strength along the front normal, which continues straight edges first), each
/// from the known patch with the least SSD over the target's known pixels. Run coarse to fine on an image pyramid:
/// the coarsest level searches a band around the hole; each finer level starts from the upsampled fill and searches
/// only around the doubled coarse offsets (and its filled neighbours' offsets), so the cost grows with the hole,
/// not the image. Deterministic: fixed scan order, ties to the first candidate.</summary>
public sealed class PatchInpainter(PatchFillOptions? options = null) : IInpainter
{
    /// <summary>The settings in use.</summary>
    public PatchFillOptions Options { get; } = options ?? new PatchFillOptions();

    /// <inheritdoc />
    public FillMethod Method => FillMethod.Patch;

    /// <inheritdoc />
    public string Name => "exemplar (patch)";

    /// <inheritdoc />
    public Rect Context(Rect holeBox, Size imageSize) => FillContext.Padded(holeBox, Options.ContextFraction, Options.MinContextPx, imageSize);

    /// <inheritdoc />
    InpaintResult IInpainter.Fill(Mat bgr, Mat hole, Mat forbidden) => new(Fill(bgr, hole, forbidden), 1, $"a {bgr.Cols}×{bgr.Rows} crop");

    /// <summary>Returns a copy of <paramref name="bgr"/> (CV_8UC3) whose pixels under <paramref name="hole"/>
    /// (CV_8UC1, non-zero = fill) are filled; every other pixel is unchanged.</summary>
    public Mat Fill(Mat bgr, Mat hole) => Fill(bgr, hole, null);

    /// <summary>As <see cref="Fill(Mat, Mat)"/>; no copied patch touches a non-zero pixel of <paramref name="forbidden"/>
    /// (CV_8UC1, same size; e.g. other objects), though those pixels still guide the match as known context.</summary>
    public Mat Fill(Mat bgr, Mat hole, Mat? forbidden)
    {
        Recolorer.CheckImage(bgr);
        MaskOps.CheckMask(hole, bgr.Size());
        if (forbidden is not null) MaskOps.CheckMask(forbidden, bgr.Size());
        var bans = new List<Mat>();
        if (forbidden is not null) { var f0 = new Mat(); Cv2.Threshold(forbidden, f0, 0, 255, ThresholdTypes.Binary); bans.Add(f0); }
        // Pyramid: level 0 = input; a coarse pixel is unknown when any finer pixel under it is.
        var images = new List<Mat> { bgr.Clone() };
        var holes = new List<Mat>();
        var h0 = new Mat();
        Cv2.Threshold(hole, h0, 0, 255, ThresholdTypes.Binary);
        holes.Add(h0);
        while (images.Count <= Options.MaxLevels)
        {
            var box = Cv2.BoundingRect(holes[^1]);
            if (Math.Max(box.Width, box.Height) <= Options.CoarsestMaxSidePx || images[^1].Cols < 32 || images[^1].Rows < 32) break;
            var size = new Size((images[^1].Cols + 1) / 2, (images[^1].Rows + 1) / 2);
            var img = new Mat();
            Cv2.Resize(images[^1], img, size, 0, 0, InterpolationFlags.Area);
            using var avg = new Mat();
            Cv2.Resize(holes[^1], avg, size, 0, 0, InterpolationFlags.Area);
            var h = new Mat();
            Cv2.Threshold(avg, h, 0, 255, ThresholdTypes.Binary);
            using (var k = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3))) Cv2.Dilate(h, h, k);
            if (bans.Count > 0)
            {
                using var bavg = new Mat();
                Cv2.Resize(bans[^1], bavg, size, 0, 0, InterpolationFlags.Area);
                var bh = new Mat();
                Cv2.Threshold(bavg, bh, 0, 255, ThresholdTypes.Binary);
                bans.Add(bh);
            }
            images.Add(img);
            holes.Add(h);
        }

        Level? coarser = null;
        for (int l = images.Count - 1; l >= 0; l--)
        {
            var level = new Level(images[l], holes[l], Options, bans.Count > l ? bans[l] : null);
            level.Run(coarser);
            coarser = level;
        }
        var result = bgr.Clone();
        coarser!.WriteTo(result);
        foreach (var m in images) m.Dispose();
        foreach (var m in holes) m.Dispose();
        foreach (var m in bans) m.Dispose();
        return result;
    }

    /// <summary>One pyramid level: pixels (BGR bytes, row-major), what is known, and per filled pixel its source offset.</summary>
    private sealed class Level
    {
        private readonly int _w, _h, _r;
        private readonly PatchFillOptions _o;
        private readonly byte[] _img;
        private readonly bool[] _hole;     // unknown at the start (never a source)
        private readonly bool[] _known;    // known or already filled
        private readonly float[] _conf;
        private readonly float[] _lum;
        private readonly int[] _offX, _offY;
        private readonly bool[] _validSrc; // patch centred here lies inside the image and holds no hole pixel
        private float[]? _guess;
        private readonly float[] _prio;
        private readonly Rect _holeBox;
        private readonly double _penalty;

        public int Width => _w;
        public int Height => _h;

        public Level(Mat bgr, Mat hole, PatchFillOptions o, Mat? forbidden = null)
        {
            _w = bgr.Cols; _h = bgr.Rows; _r = o.PatchRadiusPx; _o = o;
            _penalty = 16.0 * o.DistancePenalty * (2 * _r + 1) * (2 * _r + 1);
            int n = _w * _h;
            _img = new byte[n * 3];
            using (var cont = bgr.IsContinuous() ? bgr.Clone() : bgr.Clone()) System.Runtime.InteropServices.Marshal.Copy(cont.Data, _img, 0, n * 3);
            var hb = new byte[n];
            using (var hc = hole.Clone()) System.Runtime.InteropServices.Marshal.Copy(hc.Data, hb, 0, n);
            var fb = new byte[n];
            if (forbidden is not null) using (var fc = forbidden.Clone()) System.Runtime.InteropServices.Marshal.Copy(fc.Data, fb, 0, n);
            _hole = new bool[n]; _known = new bool[n]; _conf = new float[n]; _lum = new float[n];
            _offX = new int[n]; _offY = new int[n]; _prio = new float[n];
            for (int i = 0; i < n; i++)
            {
                _hole[i] = hb[i] != 0;
                _known[i] = !_hole[i];
                _conf[i] = _known[i] ? 1f : 0f;
                _lum[i] = Lum(i);
                _prio[i] = float.NaN;
            }
            _holeBox = Cv2.BoundingRect(hole);
            // Integral of the hole mask: a source centre is valid when its patch is inside and hole-free.
            var integral = new int[(_w + 1) * (_h + 1)];
            for (int y = 0; y < _h; y++)
            {
                int row = 0;
                for (int x = 0; x < _w; x++)
                {
                    row += _hole[y * _w + x] || fb[y * _w + x] != 0 ? 1 : 0;
                    integral[(y + 1) * (_w + 1) + x + 1] = integral[y * (_w + 1) + x + 1] + row;
                }
            }
            _validSrc = new bool[n];
            for (int y = _r; y < _h - _r; y++)
                for (int x = _r; x < _w - _r; x++)
                {
                    int x0 = x - _r, y0 = y - _r, x1 = x + _r + 1, y1 = y + _r + 1;
                    int s = integral[y1 * (_w + 1) + x1] - integral[y0 * (_w + 1) + x1] - integral[y1 * (_w + 1) + x0] + integral[y0 * (_w + 1) + x0];
                    _validSrc[y * _w + x] = s == 0;
                }
        }

        private float Lum(int i) => 0.114f * _img[3 * i] + 0.587f * _img[3 * i + 1] + 0.299f * _img[3 * i + 2];

        public void WriteTo(Mat dst)
        {
            for (int y = 0; y < _h; y++)
                for (int x = 0; x < _w; x++)
                {
                    int i = y * _w + x;
                    if (_hole[i]) dst.Set(y, x, new Vec3b(_img[3 * i], _img[3 * i + 1], _img[3 * i + 2]));
                }
        }

        public void Run(Level? coarser)
        {
            if (coarser is not null) _guess = Upsample(coarser);
            var front = new List<int>();
            var inFront = new bool[_w * _h];
            int remaining = 0;
            for (int y = 0; y < _h; y++)
                for (int x = 0; x < _w; x++)
                {
                    int i = y * _w + x;
                    if (!_known[i]) { remaining++; if (IsFront(x, y)) { front.Add(i); inFront[i] = true; } }
                }
            while (remaining > 0)
            {
                // Highest priority on the front; stale entries (now known) are dropped.
                int best = -1; float bestP = float.NegativeInfinity;
                for (int k = 0; k < front.Count; k++)
                {
                    int i = front[k];
                    if (_known[i]) { inFront[i] = false; front[k] = front[^1]; front.RemoveAt(front.Count - 1); k--; continue; }
                    if (float.IsNaN(_prio[i])) _prio[i] = Priority(i % _w, i / _w);
                    if (_prio[i] > bestP) { bestP = _prio[i]; best = i; }
                }
                if (best < 0)
                {
                    // A hole with no known neighbour (cannot happen with a non-empty known area): seed from the first unknown.
                    for (int i = 0; i < _known.Length; i++) if (!_known[i]) { best = i; break; }
                }
                int px = best % _w, py = best / _w;
                var (ox, oy) = FindSource(px, py, coarser);
                float c = Confidence(px, py);
                for (int dy = -_r; dy <= _r; dy++)
                    for (int dx = -_r; dx <= _r; dx++)
                    {
                        int x = px + dx, y = py + dy;
                        if ((uint)x >= (uint)_w || (uint)y >= (uint)_h) continue;
                        int i = y * _w + x;
                        if (_known[i]) continue;
                        int s = (y + oy) * _w + x + ox;
                        _img[3 * i] = _img[3 * s]; _img[3 * i + 1] = _img[3 * s + 1]; _img[3 * i + 2] = _img[3 * s + 2];
                        _lum[i] = _lum[s];
                        _known[i] = true; _conf[i] = c; _offX[i] = ox; _offY[i] = oy;
                        remaining--;
                    }
                // Priorities near the patch change; new front pixels appear on its rim.
                int m = 2 * _r + 1;
                for (int y = Math.Max(0, py - m); y <= Math.Min(_h - 1, py + m); y++)
                    for (int x = Math.Max(0, px - m); x <= Math.Min(_w - 1, px + m); x++)
                    {
                        int i = y * _w + x;
                        _prio[i] = float.NaN;
                        if (!_known[i] && !inFront[i] && IsFront(x, y)) { front.Add(i); inFront[i] = true; }
                    }
            }
        }

        private float[] Upsample(Level coarse)
        {
            using var small = new Mat(coarse._h, coarse._w, MatType.CV_8UC3);
            System.Runtime.InteropServices.Marshal.Copy(coarse._img, 0, small.Data, coarse._img.Length);
            using var up = new Mat();
            Cv2.Resize(small, up, new Size(_w, _h), 0, 0, InterpolationFlags.Linear);
            var bytes = new byte[_w * _h * 3];
            System.Runtime.InteropServices.Marshal.Copy(up.Data, bytes, 0, bytes.Length);
            var g = new float[bytes.Length];
            for (int i = 0; i < g.Length; i++) g[i] = bytes[i];
            return g;
        }

        private bool IsFront(int x, int y) =>
            (x > 0 && _known[y * _w + x - 1]) || (x < _w - 1 && _known[y * _w + x + 1]) ||
            (y > 0 && _known[(y - 1) * _w + x]) || (y < _h - 1 && _known[(y + 1) * _w + x]);

        private float Confidence(int px, int py)
        {
            float sum = 0;
            for (int y = py - _r; y <= py + _r; y++)
                for (int x = px - _r; x <= px + _r; x++)
                    if ((uint)x < (uint)_w && (uint)y < (uint)_h && _known[y * _w + x]) sum += _conf[y * _w + x];
            return sum / ((2 * _r + 1) * (2 * _r + 1));
        }

        /// <summary>Criminisi's priority: confidence × (|isophote · front normal| / 255 + a floor so flat areas still
        /// progress in confidence order).</summary>
        private float Priority(int px, int py)
        {
            // Front normal: gradient of the known indicator (3×3 Sobel).
            float nx = 0, ny = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                {
                    int x = px + dx, y = py + dy;
                    if ((uint)x >= (uint)_w || (uint)y >= (uint)_h || !_known[y * _w + x]) continue;
                    int wgt = dx == 0 || dy == 0 ? 2 : 1;
                    nx += dx * wgt; ny += dy * wgt;
                }
            float nn = MathF.Sqrt(nx * nx + ny * ny);
            // Isophote: the strongest luminance gradient among known patch pixels with known 4-neighbours, turned 90°.
            float gx = 0, gy = 0, gm = 0;
            for (int y = Math.Max(1, py - _r); y <= Math.Min(_h - 2, py + _r); y++)
                for (int x = Math.Max(1, px - _r); x <= Math.Min(_w - 2, px + _r); x++)
                {
                    int i = y * _w + x;
                    if (!_known[i] || !_known[i - 1] || !_known[i + 1] || !_known[i - _w] || !_known[i + _w]) continue;
                    float ax = (_lum[i + 1] - _lum[i - 1]) * 0.5f, ay = (_lum[i + _w] - _lum[i - _w]) * 0.5f;
                    float mag = ax * ax + ay * ay;
                    if (mag > gm) { gm = mag; gx = ax; gy = ay; }
                }
            float data = nn > 0 ? MathF.Abs(-gy * nx + gx * ny) / (nn * 255f) : 0f;
            return Confidence(px, py) * (data + (float)_o.DataTermFloor);
        }

        /// <summary>Offset (source − target) of the best source patch for the patch centred at (px, py).</summary>
        private (int X, int Y) FindSource(int px, int py, Level? coarser)
        {
            long best = long.MaxValue; int bx = 0, by = 0; bool found = false;
            void Try(int ox, int oy)
            {
                int sx = px + ox, sy = py + oy;
                if ((uint)sx >= (uint)_w || (uint)sy >= (uint)_h || !_validSrc[sy * _w + sx]) return;
                long d = _penalty == 0 ? 0 : (long)(_penalty * Math.Sqrt((double)ox * ox + (double)oy * oy));
                if (d < best) d += Distance(px, py, sx, sy, best - d);
                if (d < best) { best = d; bx = ox; by = oy; found = true; }
            }
            if (coarser is not null)
            {
                int rr = _o.RefineRadiusPx;
                int cx = Math.Min(px / 2, coarser._w - 1), cy = Math.Min(py / 2, coarser._h - 1);
                int ci = cy * coarser._w + cx;
                if (coarser._hole[ci])
                {
                    int ox = 2 * coarser._offX[ci], oy = 2 * coarser._offY[ci];
                    for (int dy = -rr; dy <= rr; dy++)
                        for (int dx = -rr; dx <= rr; dx++) Try(ox + dx, oy + dy);
                }
                // Coherence: offsets of pixels already filled at this level in the patch, ±1.
                for (int y = Math.Max(0, py - _r); y <= Math.Min(_h - 1, py + _r); y++)
                    for (int x = Math.Max(0, px - _r); x <= Math.Min(_w - 1, px + _r); x++)
                    {
                        int i = y * _w + x;
                        if (!_hole[i] || !_known[i]) continue;
                        for (int dy = -1; dy <= 1; dy++)
                            for (int dx = -1; dx <= 1; dx++) Try(_offX[i] + dx, _offY[i] + dy);
                    }
                if (found) return (bx, by);
            }
            // Band search around the hole box (the coarsest level, or a fallback).
            int margin = Math.Max(3 * (2 * _r + 1), (int)Math.Ceiling(_o.SearchBandFraction * Math.Max(_holeBox.Width, _holeBox.Height)));
            int x0 = Math.Max(_r, _holeBox.X - margin), x1 = Math.Min(_w - 1 - _r, _holeBox.Right + margin);
            int y0 = Math.Max(_r, _holeBox.Y - margin), y1 = Math.Min(_h - 1 - _r, _holeBox.Bottom + margin);
            for (int sy = y0; sy <= y1; sy++)
                for (int sx = x0; sx <= x1; sx++) Try(sx - px, sy - py);
            if (!found)
            {
                // No hole-free patch in the band: search the whole level.
                for (int sy = _r; sy < _h - _r; sy++)
                    for (int sx = _r; sx < _w - _r; sx++) Try(sx - px, sy - py);
            }
            if (!found) throw new InputException("remove: no hole-free patch anywhere around the hole to fill it from");
            return (bx, by);
        }

        /// <summary>SSD between the target patch (known pixels weight 1, coarse guess for unknown ones) and the source
        /// patch, in 1/16 units; stops early once above <paramref name="bound"/>.</summary>
        private long Distance(int px, int py, int sx, int sy, long bound)
        {
            long sum = 0;
            int gw = (int)Math.Round(_o.GuessWeight * 16);
            for (int dy = -_r; dy <= _r; dy++)
            {
                int ty = py + dy;
                if ((uint)ty >= (uint)_h) continue;
                int trow = ty * _w, srow = (sy + dy) * _w;
                for (int dx = -_r; dx <= _r; dx++)
                {
                    int tx = px + dx;
                    if ((uint)tx >= (uint)_w) continue;
                    int t = trow + tx, s = srow + sx + dx;
                    if (_known[t])
                    {
                        int d0 = _img[3 * t] - _img[3 * s], d1 = _img[3 * t + 1] - _img[3 * s + 1], d2 = _img[3 * t + 2] - _img[3 * s + 2];
                        sum += 16L * (d0 * d0 + d1 * d1 + d2 * d2);
                    }
                    else if (_guess is { } g)
                    {
                        float d0 = g[3 * t] - _img[3 * s], d1 = g[3 * t + 1] - _img[3 * s + 1], d2 = g[3 * t + 2] - _img[3 * s + 2];
                        sum += (long)(gw * (d0 * d0 + d1 * d1 + d2 * d2));
                    }
                }
                if (sum >= bound) return sum;
            }
            return sum;
        }
    }
}
