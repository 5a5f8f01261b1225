using InterCoG.Bench;
using InterCoG.Programs;
using InterCoG.Reasoning;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Reasoning;

/// <summary>The parser against the dev sets beside ComplexBench-Edit (Reasoning/Data): hand-labelled instruction → program
/// pairs, spatial edit instructions in the style of GGIP2P and referring expressions in the style of RefCOCO+.</summary>
public class LabelledProgramTests
{
    private static readonly string DataDir = Path.Combine(TestPaths.RepoRoot, "tests", "InterCoG.Tests", "Reasoning", "Data");
    private readonly Reasoner _reasoner = new();

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (string line in File.ReadLines(Path.Combine(DataDir, "labelled-programs.tsv")))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split('\t');
            data.Add(f[0], f[1]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Each_labelled_instruction_gives_its_program(string instruction, string program) =>
        Assert.Equal(program, ParseBench.Describe(_reasoner.ParseProgram(instruction)));

    [Theory]
    [InlineData("spatial-edits.txt", 0.97)]
    [InlineData("complex-refs.txt", 0.95)]
    public void Dev_sentences_parse_at_their_measured_rate(string file, double floor)
    {
        var (total, parsed, failures) = ParseBench.RunSentences(Path.Combine(DataDir, file));
        Assert.True(total >= 60, $"{file} holds {total} sentences");
        Assert.True((double)parsed / total >= floor, $"{file}: {parsed} of {total} parsed; failing: {string.Join(" | ", failures.Select(f => $"{f.Text}: {f.Reason}"))}");
    }

    [Fact]
    public void The_program_text_leaves_out_words_as_written_and_a_part_said_twice()
    {
        var target = new ReferringExpression { Category = "person", Noun = "man", Part = "shirt", Region = "left" };
        var r = new EditRequest(Operations.Recolor, new() { ["color"] = "red", ["part"] = "shirt" }, target);
        Assert.Equal("recolor{color=red} person[region=left, part=shirt]", ProgramText.Format(r));
        var add = new EditRequest(Operations.Add, new() { ["object"] = "red ball", ["object_noun"] = "ball", ["relation"] = "next_to" },
            new ReferringExpression { Category = "dog", Relation = new Relation("left_of", new ReferringExpression { Category = "cat", Color = "white" }) });
        Assert.Equal("add{object_noun=ball, relation=next_to} dog[left_of(cat[color=white])]", ProgramText.Format(add));
    }

    [Fact]
    public void Bench_parse_counts_sentences_and_programs_from_files()
    {
        string dir = Directory.CreateTempSubdirectory("bench-parse").FullName;
        try
        {
            string sentences = Path.Combine(dir, "s.txt"), programs = Path.Combine(dir, "p.tsv");
            File.WriteAllText(sentences, "# comment\nmake the leftmost car blue\nfrobnicate the gizmo thoroughly\n");
            File.WriteAllText(programs, "remove the mug\tremove cup\nremove the mug\tremove bowl\n");
            var (total, parsed, failures) = ParseBench.RunSentences(sentences);
            Assert.Equal((2, 1), (total, parsed));
            Assert.Equal("frobnicate the gizmo thoroughly", Assert.Single(failures).Text);
            var (n, right, wrong) = ParseBench.RunPrograms(programs);
            Assert.Equal((2, 1), (n, right));
            Assert.Equal("remove cup", Assert.Single(wrong).Got);
        }
        finally { Directory.Delete(dir, true); }
    }
}
