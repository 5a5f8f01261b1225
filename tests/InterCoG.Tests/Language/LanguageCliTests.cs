using System.Text.Json;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Language;

/// <summary>--reasoner llm|auto on intercog edit/ground, through the command line with the real detector and the real
/// tiny language model (locally and behind a loopback chat-completions server).</summary>
[Collection(ModelCollection.Name)]
public sealed class LanguageCliTests
{
    private static readonly string Horses = TestPaths.Horses;
    private readonly string _dir = TestPaths.TempDir("llm");

    private static JsonElement Json(CliRunner.Result r) => JsonDocument.Parse(r.Out).RootElement;

    private static List<JsonElement> LlmSteps(JsonElement trace) => trace.GetProperty("steps").EnumerateArray()
        .Where(s => s.TryGetProperty("data", out var d) && d.TryGetProperty("prompt_tokens", out _)).ToList();

    [Fact]
    public void A_missing_model_file_is_exit_5_with_a_clear_message()
    {
        string missing = Path.Combine(_dir, "nope.gguf");
        var r = CliRunner.Run("ground", Horses, "the horse on the left", "--reasoner", "llm", "--llm-model", missing);
        Assert.Equal(5, r.ExitCode);
        Assert.Contains($"language model not found: {missing}", r.Err);
        Assert.Contains("--llm-model", r.Err);
    }

    [Fact]
    public void A_corrupt_model_file_is_exit_5_with_a_clear_message_and_no_output()
    {
        string corrupt = Path.Combine(_dir, "corrupt.gguf");
        var bytes = new byte[4096];
        new Random(5).NextBytes(bytes);
        "GGUF"u8.ToArray().CopyTo(bytes, 0); // a GGUF magic over garbage
        File.WriteAllBytes(corrupt, bytes);
        string output = Path.Combine(_dir, "out.png");
        var r = CliRunner.Run("edit", Horses, "make the horse on the left red", "-o", output, "--reasoner", "llm", "--llm-model", corrupt);
        Assert.Equal(5, r.ExitCode);
        Assert.Contains($"language model {corrupt} could not be loaded by llama.cpp", r.Err);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void An_unknown_reasoner_mode_is_a_usage_error()
    {
        var r = CliRunner.Run("ground", Horses, "the horse on the left", "--reasoner", "oracle");
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void The_llm_reasoner_records_its_call_and_the_alignment_check_in_the_trace()
    {
        var r = CliRunner.Run("ground", Horses, "the horse on the left", "--reasoner", "llm", "--llm-model", TinyModel.Path, "--json");
        var trace = Json(r);
        string status = trace.GetProperty("status").GetString()!;
        Assert.Contains(status, new[] { "grounded", "ambiguous", "not_found" });
        var step = Assert.Single(LlmSteps(trace));
        Assert.Equal("reason", step.GetProperty("stage").GetString());
        var data = step.GetProperty("data");
        Assert.True(data.GetProperty("prompt_chars").GetDouble() > 300);
        Assert.True(data.GetProperty("prompt_tokens").GetDouble() > 100);
        Assert.True(data.GetProperty("generated_tokens").GetDouble() > 10);
        Assert.Contains("Rationale:", step.GetProperty("text").GetString());
        Assert.Equal("ground", trace.GetProperty("request").GetProperty("operation").GetString());
        var alignment = trace.GetProperty("steps").EnumerateArray().Where(s => s.GetProperty("text").GetString()!.StartsWith("Alignment", StringComparison.Ordinal)).ToList();
        if (data.TryGetProperty("model_target_id", out var named))
        {
            var check = Assert.Single(alignment);
            bool agreed = check.GetProperty("ok").GetBoolean();
            if (status == "grounded" && !agreed)
                Assert.Contains("Falling back to the rule parser", check.GetProperty("text").GetString()); // "the horse on the left" parses
            if (agreed) Assert.Equal(named.GetDouble(), trace.GetProperty("target").GetProperty("id").GetDouble());
        }
        else Assert.Empty(alignment);
        Assert.Equal(status == "grounded" ? 0 : status == "ambiguous" ? 3 : 4, r.ExitCode);
    }

    [Fact]
    public void Auto_asks_the_language_model_only_when_the_rules_cannot_parse()
    {
        var parsed = CliRunner.Run("ground", Horses, "the horse on the right", "--reasoner", "auto", "--llm-model", TinyModel.Path, "--json");
        Assert.Equal(0, parsed.ExitCode);
        Assert.Empty(LlmSteps(Json(parsed)));

        var unparsed = CliRunner.Run("ground", Horses, "zap that funny creature over there", "--reasoner", "auto", "--llm-model", TinyModel.Path, "--json");
        Assert.Single(LlmSteps(Json(unparsed)));
        var rules = CliRunner.Run("ground", Horses, "zap that funny creature over there", "--json");
        Assert.Equal(2, rules.ExitCode);
    }

    [Fact]
    public void The_http_reasoner_serves_the_tiny_model_over_loopback_through_the_cli()
    {
        using var model = new InterCoG.Language.LlamaReasoner(TinyModel.Path);
        using var server = new ChatServer(ChatServer.ServingTinyModel(model));
        var r = CliRunner.Run("ground", Horses, "the horse on the left", "--reasoner", "llm", "--llm-url", server.Url, "--json");
        var trace = Json(r);
        var step = Assert.Single(LlmSteps(trace));
        Assert.Contains("chat-completions", step.GetProperty("text").GetString());
        Assert.True(step.GetProperty("data").GetProperty("prompt_tokens").GetDouble() > 100);
        Assert.Single(server.Requests);
        Assert.Contains("horse", server.Requests[0]["messages"]![1]!["content"]!.GetValue<string>());
    }

    [Fact]
    public void A_malformed_server_answer_is_a_clear_error_and_no_edit()
    {
        using var server = new ChatServer((_, _) => (200, "{\"choices\":[{\"message\":{\"content\":", 0));
        string output = Path.Combine(_dir, "out.png");
        var r = CliRunner.Run("edit", Horses, "make the horse on the left red", "-o", output, "--reasoner", "llm", "--llm-url", server.Url);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("the language model's answer is unusable", r.Err);
        Assert.Contains("did not answer in the chat-completions format", r.Err);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void An_unreachable_server_is_exit_5()
    {
        var r = CliRunner.Run("ground", Horses, "the horse on the left", "--reasoner", "llm", "--llm-url", $"http://127.0.0.1:{ChatServer.FreePort()}", "--llm-retries", "0");
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("is unreachable", r.Err);
    }
}
