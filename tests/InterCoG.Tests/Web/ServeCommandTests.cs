using System.Net;
using System.Net.Sockets;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Web;

/// <summary><c>intercog serve</c>'s refusals: bad limits and a taken port are exit 2 with one line on stderr.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public void A_negative_queue_bound_is_a_usage_error()
    {
        var r = CliRunner.Run("serve", "--max-queue", "-1", "--no-preload");
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("--max-queue must be 0 or more", r.Err);
    }

    [Fact]
    public void A_port_that_is_taken_is_refused_with_exit_2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var r = CliRunner.Run("serve", "--urls", $"http://127.0.0.1:{port}", "--no-preload");
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains($"cannot listen on http://127.0.0.1:{port}", r.Err);
    }
}

/// <summary><c>intercog serve</c>'s limit flags: each is checked and forwarded (docs/web.md lists them).</summary>
public sealed class ServeLimitFlagTests
{
    [Theory]
    [InlineData("--max-megapixels", "0", "--max-megapixels must be positive")]
    [InlineData("--max-megapixels", "-3", "--max-megapixels must be positive")]
    public void A_bad_limit_is_a_usage_error_naming_the_flag(string flag, string value, string message)
    {
        var r = CliRunner.Run("serve", flag, value, "--no-preload");
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains(message, r.Err);
    }
}
