using System.CommandLine;
using System.Text.Json;
using InterCoG.Chain;
using InterCoG.Reasoning;
using InterCoG.Tracing;

namespace InterCoG.Cli.Commands;

/// <summary><c>parse INSTRUCTION [--json]</c> and <c>parse --batch FILE</c> (one instruction a line → JSON lines).</summary>
public static class ParseCommand
{
    public static Command Build(CliContext ctx)
    {
        var instruction = new Argument<string?>("instruction") { Description = "The instruction to parse.", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout." };
        var batch = new Option<string?>("--batch") { Description = "File with one instruction a line; prints one JSON object a line." };
        var cmd = new Command("parse", "Parse an instruction into an edit request (no image needed).") { instruction, json, batch };
        cmd.SetAction(pr =>
        {
            var reasoner = new Reasoner(new ReasoningOptions());
            string? file = pr.GetValue(batch);
            string? text = pr.GetValue(instruction);
            if (file is not null)
            {
                if (text is not null) throw new InputException("give either an instruction or --batch FILE, not both");
                if (!File.Exists(file)) throw new InputException($"batch file {file} does not exist");
                var compact = new JsonSerializerOptions(ChainTrace.JsonOptions) { WriteIndented = false };
                foreach (var line in File.ReadLines(file))
                {
                    if (line.Length == 0) continue;
                    ctx.Out.WriteLine(JsonSerializer.Serialize(Doc(line, reasoner.Parse(line)), compact));
                }
                return 0;
            }
            if (text is null) throw new InputException("give an instruction or --batch FILE");
            var result = reasoner.Parse(text);
            if (pr.GetValue(json)) ctx.Out.WriteLine(JsonSerializer.Serialize(Doc(text, result), ChainTrace.JsonOptions));
            else if (result.Parsed && result.Request is not null) ctx.Out.WriteLine(Reasoner.Describe(result.Request));
            else ctx.Out.WriteLine($"not parsed: {result.Reason}");
            // What was kept but not used, or read by a default (unknown nouns, pronouns without antecedent): on stderr.
            if (!pr.GetValue(json)) foreach (var note in result.Notes) ctx.Err.WriteLine($"note: {note}");
            return result.Parsed ? 0 : ExitCodes.BadInput;
        });
        return cmd;
    }

    private static object Doc(string instruction, Reasoning.ParseResult r) => new
    {
        instruction,
        parsed = r.Parsed,
        operation = r.Request?.Operation,
        arguments = r.Request?.Arguments,
        target = r.Request?.Target,
        program = r.Request is { } req ? Programs.ProgramText.Format(req) : null,
        reason = r.Parsed ? null : r.Reason,
        ignored = r.Ignored.Count > 0 ? r.Ignored : null,
        notes = r.Notes.Count > 0 ? r.Notes : null,
    };
}
