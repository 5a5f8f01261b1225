using InterCoG.Language;

namespace InterCoG.Tests.Language;

/// <summary>The HTTP reasoner against real loopback servers that speak the chat-completions protocol.</summary>
public class ChatCompletionsReasonerTests
{
    private const string Program =
        "{\"rationale\":\"The red cup is #3.\",\"program\":{\"operation\":\"remove\",\"arguments\":{},\"target\":{\"category\":\"cup\",\"color\":\"red\"}},\"target_id\":3}";

    private static ChatCompletionsReasoner Client(string url, double timeout = 10, int retries = 2, string keyVariable = ChatServerOptions.DefaultKeyVariable) =>
        new(new ChatServerOptions { Url = url, TimeoutSeconds = timeout, Retries = retries, BackoffMs = 20, KeyVariable = keyVariable, Model = "tiny" });

    [Theory]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/chat/completions")]
    [InlineData("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/chat/completions")]
    [InlineData("http://host:11434/v1/", "http://host:11434/v1/chat/completions")]
    [InlineData("https://x.example/api/v1/chat/completions", "https://x.example/api/v1/chat/completions")]
    public void The_endpoint_is_found_from_a_base_or_full_url(string url, string expected) =>
        Assert.Equal(expected, ChatCompletionsReasoner.Endpoint(url).ToString());

    [Fact]
    public void A_non_http_url_is_bad_input() =>
        Assert.Throws<InputException>(() => ChatCompletionsReasoner.Endpoint("ftp://127.0.0.1/"));

    [Fact]
    public void It_asks_for_schema_constrained_json_with_the_scene_and_reads_the_program()
    {
        string variable = "INTERCOG_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(variable, "sekret");
        try
        {
            using var server = new ChatServer((_, _) => (200, ChatServer.Completion(Program, 321, 45), 0));
            using var client = Client(server.Url, keyVariable: variable);
            var answer = client.Reason("remove the red cup", TinyModel.Kitchen());
            Assert.Null(answer.Error);
            Assert.Equal(3, answer.Program!.TargetId);
            Assert.Equal("red", answer.Program.Program.Target.Color);
            Assert.Equal((321, 45), (answer.PromptTokens, answer.GeneratedTokens));
            var request = Assert.Single(server.Requests);
            Assert.Equal("/v1/chat/completions", Assert.Single(server.Paths));
            Assert.Equal("Bearer sekret", Assert.Single(server.Authorizations));
            Assert.Equal("tiny", request["model"]!.GetValue<string>());
            Assert.Equal("json_schema", request["response_format"]!["type"]!.GetValue<string>());
            var schema = request["response_format"]!["json_schema"]!["schema"]!;
            Assert.Contains("horse", schema["properties"]!["program"]!["properties"]!["target"]!["properties"]!["category"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
            string user = request["messages"]![1]!["content"]!.GetValue<string>();
            Assert.Contains("#3 cup [420,410,520,530] red", user);
            Assert.EndsWith("Instruction: remove the red cup", user);
        }
        finally { Environment.SetEnvironmentVariable(variable, null); }
    }

    [Fact]
    public void Without_the_key_variable_no_authorization_header_is_sent()
    {
        using var server = new ChatServer((_, _) => (200, ChatServer.Completion(Program, 1, 1), 0));
        using var client = Client(server.Url, keyVariable: "INTERCOG_TEST_UNSET_" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Null(client.Reason("remove the red cup", TinyModel.Kitchen()).Error);
        Assert.Null(Assert.Single(server.Authorizations));
    }

    [Fact]
    public void A_5xx_answer_is_retried_with_backoff()
    {
        using var server = new ChatServer((_, i) => i < 2 ? (503, "{\"error\":\"loading model\"}", 0) : (200, ChatServer.Completion(Program, 1, 1), 0));
        using var client = Client(server.Url, retries: 2);
        var answer = client.Reason("remove the red cup", TinyModel.Kitchen());
        Assert.Null(answer.Error);
        Assert.Equal(3, server.RequestCount(3));
    }

    [Fact]
    public void Persistent_5xx_answers_end_in_a_clear_error_after_the_retries()
    {
        using var server = new ChatServer((_, _) => (500, "{\"error\":\"boom\"}", 0));
        using var client = Client(server.Url, retries: 1);
        var e = Assert.Throws<ModelMissingException>(() => client.Reason("remove the red cup", TinyModel.Kitchen()));
        Assert.Contains("failed 2 time(s)", e.Message);
        Assert.Contains("HTTP 500", e.Message);
        Assert.Equal(2, server.RequestCount(2));
    }

    [Fact]
    public void A_server_that_does_not_answer_in_time_is_retried_then_reported()
    {
        using var server = new ChatServer((_, _) => (200, ChatServer.Completion(Program, 1, 1), 3000));
        using var client = Client(server.Url, timeout: 0.3, retries: 1);
        var e = Assert.Throws<ModelMissingException>(() => client.Reason("remove the red cup", TinyModel.Kitchen()));
        Assert.Contains("no answer within 0.3 s", e.Message);
        Assert.Equal(ExitCodes.ModelMissing, e.ExitCode);
        Assert.Equal(2, server.RequestCount(2));
    }

    [Fact]
    public void A_4xx_answer_is_not_retried()
    {
        using var server = new ChatServer((_, _) => (401, "{\"error\":\"bad key\"}", 0));
        using var client = Client(server.Url, retries: 3);
        var e = Assert.Throws<ModelMissingException>(() => client.Reason("remove the red cup", TinyModel.Kitchen()));
        Assert.Contains("refused the request (HTTP 401", e.Message);
        Assert.Single(server.Requests);
    }

    [Fact]
    public void An_unreachable_server_is_a_clear_exit_5_error()
    {
        using var client = Client($"http://127.0.0.1:{ChatServer.FreePort()}", retries: 2);
        var e = Assert.Throws<ModelMissingException>(() => client.Reason("remove the red cup", TinyModel.Kitchen()));
        Assert.Contains("is unreachable", e.Message);
        Assert.Equal(ExitCodes.ModelMissing, e.ExitCode);
    }

    [Theory]
    [InlineData("{\"choices\":[{\"message\":", "did not answer in the chat-completions format")]
    [InlineData("<html>gateway</html>", "did not answer in the chat-completions format")]
    [InlineData("{\"choices\":[]}", "did not answer in the chat-completions format")]
    public void A_malformed_response_is_an_unusable_answer_not_an_exception(string body, string expected)
    {
        using var server = new ChatServer((_, _) => (200, body, 0));
        using var client = Client(server.Url);
        var answer = client.Reason("remove the red cup", TinyModel.Kitchen());
        Assert.Null(answer.Program);
        Assert.Contains(expected, answer.Error);
    }

    [Theory]
    [InlineData("Once upon a time there was a cup.", "not JSON")]
    [InlineData("{\"rationale\":\"x\",\"program\":{\"operation\":\"remove\",\"arguments\":{},\"target\":{\"category\":\"dragon\"}}}", "$.program.target.category")]
    public void Content_outside_the_schema_is_refused(string content, string expected)
    {
        using var server = new ChatServer((_, _) => (200, ChatServer.Completion(content, 1, 1), 0));
        using var client = Client(server.Url);
        var answer = client.Reason("remove the red cup", TinyModel.Kitchen());
        Assert.Null(answer.Program);
        Assert.Contains(expected, answer.Error);
    }

    [Fact]
    public void An_answer_cut_at_max_tokens_is_reported_as_truncated()
    {
        using var server = new ChatServer((_, _) => (200, ChatServer.Completion("{\"rationale\":\"x", 1, 9, "length"), 0));
        using var client = Client(server.Url);
        var answer = client.Reason("remove the red cup", TinyModel.Kitchen());
        Assert.Null(answer.Program);
        Assert.Contains("cut at 9 tokens", answer.Error);
    }
}
