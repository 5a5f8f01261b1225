using InterCoG.Soak;
using InterCoG.Tests.TestSupport;
using Xunit.Abstractions;

namespace InterCoG.Tests.Web;

/// <summary>The short soak (tests/soak/soak.sh runs the long one): a real server process under mixed load and faults
/// for 30 s must not crash, answer no 5xx other than 503/504, answer every request as its kind allows, stay under the
/// RSS bound and leave no temporary file.</summary>
[Collection(ModelCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_short_soak_under_mixed_load_and_faults_passes()
    {
        var log = new StringWriter();
        var report = await SoakRun.RunAsync(new SoakOptions
        {
            Duration = TimeSpan.FromSeconds(30),
            Clients = 4,
            ServeArgs = ["--timeout-s", "20", "--max-queue", "3", "--body-timeout-s", "5"],
            Log = log,
        });
        output.WriteLine(log.ToString());
        output.WriteLine(report.Format());
        Assert.False(report.Crashed, report.Format());
        Assert.Equal(0, report.Other5xx);
        Assert.True(report.Unexpected == 0 && report.TransportErrors == 0, report.Format());
        Assert.Empty(report.LeftoverTempFiles);
        Assert.True(report.HealthyAtEnd, report.Format());
        Assert.True(report.PeakRssBytes <= report.RssBoundBytes, report.Format());
        Assert.True(report.Served >= 8, report.Format()); // a busy 2-core machine answers ~20 in 30 s
        Assert.True(report.Passed, report.Format());
    }
}
