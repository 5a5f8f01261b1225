using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InterCoG.Bench;
using InterCoG.Chain;
using InterCoG.Data;
using InterCoG.Imaging;
using InterCoG.Tracing;
using InterCoG.Sharding;

namespace InterCoG.Cli.Commands;

/// <summary><c>bench grounding</c>: referring-expression grounding accuracy on a RefCOCO-style set (logic in <see cref="GroundingBench"/>).</summary>
public static class BenchGroundingCommand
{
    /// <summary>The <c>grounding</c> subcommand of <c>bench</c>.</summary>
    public static Command Build(CliContext ctx)
    {
        var instances = new Option<string>("--instances") { Description = "COCO instances.json.", Required = true };
        var refs = new Option<string>("--refs") { Description = "RefCOCO-format refs.json (every sentence is grounded).", Required = true };
        var images = new Option<string>("--images") { Description = "Folder of the images.", Required = true };
        var oracle = new Option<bool>("--oracle-boxes") { Description = "Build scenes from the annotations instead of the detector." };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to this file ('-' for stdout)." };
        var html = new Option<string?>("--html") { Description = "Write a self-contained HTML report to this file." };
        var minProb = new Option<float?>("--min-prob") { Description = "Candidate gate for this run (ReasoningOptions.CandidateMinProb, 0..1; default 0.25): detections less sure of the class are not candidates." };
        var grids = new Option<string?>("--tile-grids") { Description = "Detector tile grids, comma-separated (default 2,3; e.g. 2,3,4 finds more small objects, about twice the time)." };
        var cuesOpt = new Option<bool>("--cues") { Description = "Also rank the annotations by each 2-D cue alone (centre, bottom edge, top edge, box and mask size) and print how often each picks the referred object." };
        var cmd = new Command("grounding", "Grounding accuracy (Acc@0.5, mean IoU, box-as-mask IoU) of every referring sentence, by relation type, distractors and size.")
            { instances, refs, images, oracle, json, html, minProb, grids, cuesOpt };
        var sharding = BenchShardOptions.AddTo(cmd);
        var detectorModels = DetectorModelOption.AddTo(cmd);
        var engine = EngineOptionsCli.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            string instancesPath = pr.GetValue(instances)!, imagesDir = pr.GetValue(images)!;
            var shard = sharding.Read(pr);
            if (!Directory.Exists(imagesDir)) throw new InputException($"images folder not found: {imagesDir}");
            var coco = CocoDataset.Load(instancesPath);
            var referred = RefCocoRefs.Load(pr.GetValue(refs)!);
            var detOptions = engine.Detector(pr);
            if (pr.GetValue(grids) is string g)
            {
                var parts = g.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var ns = new List<int>();
                foreach (var part in parts)
                    ns.Add(int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n is >= 2 and <= 8
                        ? n : throw new InputException($"--tile-grids: '{part}' is not a grid size 2..8"));
                detOptions = detOptions with { TileGrids = ns.ToArray() };
            }
            var reasoning = new Reasoning.ReasoningOptions();
            if (pr.GetValue(minProb) is float mp)
            {
                if (mp is < 0 or > 1) throw new InputException($"--min-prob must be in 0..1, got {mp}");
                reasoning = reasoning with { CandidateMinProb = mp };
            }
            if (DetectorModelOption.Read(pr, detectorModels) is { } extra) detOptions = detOptions with { ExtraModels = EngineFactory.UserDetectorModels(extra) };
            var detector = pr.GetValue(oracle) ? null : EngineFactory.CreateDetector(Models.ModelStore.Default, detOptions, engine.Sessions(pr));
            // A Spectre.Console bar on a terminal; plain lines every 50 sentences otherwise (logs, CI).
            bool terminal = TerminalProgress.IsTerminal(ctx);
            var units = TerminalProgress.Run(ctx, bar => GroundingBench.RunUnits(coco, referred, imagesDir, ImageCodec.LoadBgr, detector, shard?.Shard ?? ShardSpec.Whole, reasoning,
                progress: terminal ? null : new TerminalProgress.Immediate<string>(ctx.Err.WriteLine),
                onSentence: terminal
                    ? (done, total, acc) => bar.Set("sentences", done, total, string.Format(CultureInfo.InvariantCulture, "sentences, Acc@0.5 {0:P1}", acc))
                    : null));
            var settings = new GroundingSettings(
                $"Grounding: {Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(instancesPath)))}", detector is null,
                reasoning.CandidateMinProb, detector is null ? null : detOptions.TileGrids, detector?.Name,
                pr.GetValue(cuesOpt) ? GroundingBench.Cues(coco, referred).Select(c => new CueRow(c.Pick, c.Cue, c.Hits, c.N)).ToList() : null);
            if (shard is { } sh)
                sh.Write(ctx, "grounding", settings, [instancesPath, pr.GetValue(refs)!], GroundingBench.UnitImages(referred).Count, units);
            Report(ctx, GroundingBench.Summarize(units.Select(u => u.Unit), detector is null), settings, pr.GetValue(json), pr.GetValue(html));
            return 0;
        });
        return cmd;
    }

    /// <summary>What a grounding run was run with (echoed in its JSON and kept in shard results for the merge).</summary>
    internal sealed record GroundingSettings(string Title, bool Oracle, float CandidateMinProb, int[]? TileGrids, string? Detector, List<CueRow>? Cues);

    /// <summary>One row of <see cref="GroundingBench.Cues"/>.</summary>
    internal sealed record CueRow(string Pick, string Cue, int Hits, int N);

    /// <summary>Print the figures (or the JSON with <paramref name="jsonPath"/> "-") and write the JSON and HTML files: the
    /// same for a run in one process and for <c>bench merge</c> of its shards.</summary>
    internal static void Report(CliContext ctx, GroundingBenchResult r, GroundingSettings settings, string? jsonPath, string? htmlPath)
    {
        var doc = new
        {
            n = r.N, acc50 = r.Acc50, miou = r.MIoU, mask_iou = r.MaskIoU, mask_kind = r.MaskKind, oracle = r.Oracle,
            candidate_min_prob = settings.CandidateMinProb, tile_grids = settings.TileGrids, detector = settings.Detector,
            parsed = r.Parsed, ambiguous = r.Ambiguous, not_found = r.NotFound,
            by_relation = Buckets(r.ByRelation), by_distractors = Buckets(r.ByDistractors), by_size = Buckets(r.BySize),
            outcomes_by_relation = r.OutcomesByRelation, perception = r.Perception,
            ms_per_sentence = r.MsPerSentence, ms_per_image = r.MsPerImage,
            cues = settings.Cues?.Select(c => new { pick = c.Pick, cue = c.Cue, hits = c.Hits, n = c.N }).ToList(),
            items = r.Items,
        };
        // mask_iou is null by contract (no masks in this bench) and must be written, not dropped.
        var options = new JsonSerializerOptions(ChainTrace.JsonOptions) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never };
        if (jsonPath == "-") ctx.Out.WriteLine(JsonSerializer.Serialize(doc, options));
        else if (jsonPath is not null) File.WriteAllText(jsonPath, JsonSerializer.Serialize(doc, options) + "\n");
        if (htmlPath is not null)
            File.WriteAllText(htmlPath, GroundingBench.Html(r, settings.Title, settings.Cues?.Select(c => (c.Pick, c.Cue, c.Hits, c.N)).ToList()));
        if (jsonPath == "-") return;
        var inv = CultureInfo.InvariantCulture;
        ctx.Out.WriteLine(string.Format(inv, "{0} sentences ({1}): Acc@0.5 {2:P1}, mean IoU {3:0.000}, mask IoU {8}; parsed {4}, ambiguous {5}, not found {6}; {7:0.00} ms/sentence",
            r.N, r.Oracle ? "oracle boxes" : "detector", r.Acc50, r.MIoU, r.Parsed, r.Ambiguous, r.NotFound, r.MsPerSentence,
            r.MaskIoU is double mi ? mi.ToString("0.000", inv) + " (" + r.MaskKind + ")" : "n/a"));
        foreach (var (name, b) in new[] { ("relation", r.ByRelation), ("distractors", r.ByDistractors), ("size", r.BySize) })
            ctx.Out.WriteLine($"  by {name}: " + string.Join(", ", b.Select(kv => string.Format(inv, "{0} {1:P0} (n={2})", kv.Key, kv.Value.Acc50, kv.Value.N))));
        if (r.Perception is { } ps)
            ctx.Out.WriteLine(string.Format(inv, "  perception: referred object among the candidates {0:P1} ({1}/{2}), its category found exactly {3:P1} ({4}); Acc@0.5 when among them {5:P1}, when exact {6:P1}",
                ps.TargetDetected, ps.Detected, ps.N, ps.SceneComplete, ps.Complete, ps.Acc50GivenDetected, ps.Acc50GivenComplete));
        if (settings.Cues is { } cueRows)
            foreach (var cg in cueRows.GroupBy(c => c.Pick))
                ctx.Out.WriteLine($"  cue alone, {cg.Key}: " + string.Join(", ", cg.Select(c => string.Format(inv, "{0} {1}/{2}", c.Cue, c.Hits, c.N))));
    }

    /// <summary><c>bench merge</c> of a grounding run's shards.</summary>
    internal static void Merge(CliContext ctx, BenchShardSet set, string? jsonPath, string? htmlPath)
    {
        var settings = set.SettingsAs<GroundingSettings>();
        Report(ctx, GroundingBench.Summarize(set.Data<GroundingUnit>(), settings.Oracle), settings, jsonPath, htmlPath);
    }

    private static Dictionary<string, object> Buckets(IReadOnlyDictionary<string, GroundingBucket> b) =>
        b.ToDictionary(kv => kv.Key, kv => (object)new Dictionary<string, object> { ["n"] = kv.Value.N, ["hits"] = kv.Value.Hits, ["acc50"] = kv.Value.Acc50, ["miou"] = kv.Value.MIoU });
}
