using InterCoG.Chain;
using InterCoG.Data;
using InterCoG.Dataset;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Reasoning;
using OpenCvSharp;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Tests.Dataset;

public class DatasetGenerationTests(DatasetFixture fx) : IClassFixture<DatasetFixture>
{
    private static readonly string[] SpatialTypes = ["ordinal", "extreme", "size", "region", "depth", "spatial", "proximity", "front_behind", "between"];

    [Fact]
    public void The_three_sources_give_a_few_hundred_samples_of_many_relation_types()
    {
        var all = fx.Built.Values.SelectMany(b => b.Samples).ToList();
        Assert.InRange(all.Count, 200, 2000);
        var byType = all.GroupBy(s => s.Relation).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(SpatialTypes.All(byType.ContainsKey), "missing types: " + string.Join(", ", SpatialTypes.Where(t => !byType.ContainsKey(t))));
        // Balanced: no relation type takes more than a fifth of the samples; spatial reasoning dominates.
        Assert.True(byType.Values.Max() <= all.Count / 5, string.Join(", ", byType.Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.True(all.Count(s => SpatialTypes.Contains(s.Relation)) >= 0.75 * all.Count);
        Assert.True(all.Count(s => s.Nested) >= 20);
        Assert.Equal(DatasetOptions.DefaultOperations.Order(), all.Select(s => s.Operation).Distinct().Order());
        // Wording varies: many distinct instruction verbs, and the ids are unique per source.
        Assert.True(all.Select(s => s.Instruction.Split(' ')[0].ToLowerInvariant()).Distinct().Count() >= 20);
        foreach (var b in fx.Built.Values) Assert.Equal(b.Samples.Count, b.Samples.Select(s => s.Id).Distinct().Count());
    }

    [Fact]
    public void Every_expression_alternative_and_instruction_regrounds_to_exactly_its_target_on_the_ground_truth()
    {
        var reasoner = new Reasoner();
        int checkedCount = 0;
        var failures = new List<string>();
        foreach (var (name, (coco, dir, samples)) in fx.Built)
        {
            foreach (var group in samples.GroupBy(s => s.ImageId))
            {
                var image = coco.Image(group.Key);
                using var bgr = ImageCodec.LoadBgr(Path.Combine(dir, group.First().Image));
                using var gt = GroundTruthScene.Build(coco, image, bgr, new SceneBuilder());
                foreach (var s in group)
                {
                    var texts = new[] { (s.Expression, Operations.Ground) }
                        .Concat(s.Alternatives.Select(a => (a.Text, Operations.Ground))).Append((s.Instruction, s.Operation));
                    foreach (var (text, op) in texts)
                    {
                        checkedCount++;
                        var parse = reasoner.Parse(text);
                        if (!parse.Parsed || parse.Request!.Operation != op) { failures.Add($"{name} {s.Id}: '{text}' parsed as {parse.Request?.Operation ?? parse.Reason}"); continue; }
                        var trace = new ChainTrace { Image = new TraceImage("", bgr.Cols, bgr.Rows, ""), Instruction = text };
                        var outcome = reasoner.Ground(parse.Request.Target, gt.Scene, trace);
                        if (outcome.Kind != GroundingKind.Unique || outcome.Targets.Count != 1 || gt.AnnotationOf[outcome.Target!.Id].Id != s.Target.AnnId)
                            failures.Add($"{name} {s.Id}: '{text}' → {outcome.Kind}: {outcome.Message}");
                    }
                }
            }
        }
        Assert.True(checkedCount > 1000, $"only {checkedCount} texts checked");
        Assert.Empty(failures);
    }

    [Fact]
    public void Targets_masks_and_chains_match_the_annotations()
    {
        foreach (var (_, (coco, dir, samples)) in fx.Built)
            foreach (var s in samples)
            {
                var ann = coco.Annotation(s.Target.AnnId);
                Assert.Equal(s.ImageId, ann.ImageId);
                Assert.Equal(ann.Box.X1, s.Target.Xyxy[0], 1);
                Assert.Equal(ann.Box.Y2, s.Target.Xyxy[3], 1);
                using var expected = CocoMasks.ToMask(ann, s.Width, s.Height);
                var rle = new CocoRle(s.Mask.Size, CocoMasks.DecodeCompressedCounts(s.Mask.Counts));
                using var decoded = rle.Decode();
                Assert.Equal(0, MaskDiff(expected, decoded));
                using var png = Cv2.ImRead(Path.Combine(dir, s.MaskImage), ImreadModes.Unchanged);
                Assert.Equal(0, MaskDiff(expected, png));
                Assert.Null(s.EditedImage);
                Assert.Equal(SampleFactory.Level(s.Difficulty.Distractors, s.Difficulty.RelativeArea, new DatasetOptions().SmallAreaFraction), s.Difficulty.Level);
                Assert.Equal(coco.AnnotationsOf(s.ImageId).Count(a => a.Id != ann.Id && a.CategoryId == ann.CategoryId), s.Difficulty.Distractors);

                // The chain: reason, detect, the narrowing steps, ground (target box and mask), rewrite.
                var stages = s.Chain.Select(c => c.Stage).ToList();
                Assert.Equal([Stages.Reason, Stages.Detect], stages.Take(2));
                Assert.Equal([Stages.Ground, Stages.Rewrite], stages.TakeLast(2));
                Assert.All(stages.Skip(2).SkipLast(2), st => Assert.Equal(Stages.Reason, st));
                Assert.StartsWith("Unique:", s.Chain[^3].Text, StringComparison.Ordinal);
                var ground = s.Chain[^2];
                Assert.Equal(rle.Counts, ground.Mask!.Counts);
                Assert.Equal("target", Assert.Single(ground.Boxes!).Role);
                Assert.Equal(s.Rewritten, s.Chain[^1].Text);
                Assert.Contains($"#{s.Target.EntityId}", s.Rewritten, StringComparison.Ordinal);
            }
    }

    [Fact]
    public void No_colour_word_names_a_person_and_a_plain_name_only_a_lone_object()
    {
        var all = fx.Built.Values.SelectMany(b => b.Samples).ToList();
        Assert.Contains(all, s => s.Target.Category == "person");
        foreach (var text in all.SelectMany(s => s.Alternatives.Select(a => a.Text).Append(s.Expression)))
        {
            var words = text.Split(' ');
            for (int i = 0; i + 1 < words.Length; i++)
                Assert.False(words[i + 1] == "person" && ColorLexicon.Attribute(words[i]) is not null, text);
        }
        Assert.DoesNotContain(all, s => s.Relation == "plain" && s.Difficulty.Distractors > 0);
    }

    private static int MaskDiff(Mat a, Mat b)
    {
        using var d = new Mat();
        Cv2.Compare(a, b, d, CmpTypes.NE);
        return Cv2.CountNonZero(d);
    }
}
