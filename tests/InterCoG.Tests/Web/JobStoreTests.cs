using InterCoG.Web;

namespace InterCoG.Tests.Web;

/// <summary>The result store: unguessable ids, bounded by count, bytes and age.</summary>
public sealed class JobStoreTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Ids_are_32_hex_digits_and_distinct()
    {
        var store = new JobStore(new StudioOptions());
        var ids = Enumerable.Range(0, 50).Select(_ => store.Create().Id).ToList();
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void A_job_expires_after_the_ttl()
    {
        var clock = new ManualClock();
        var store = new JobStore(new StudioOptions { ResultTtlSeconds = 60 }, clock);
        var job = store.Create();
        job.Put("a.png", [1, 2, 3], "image/png");
        clock.Now += TimeSpan.FromSeconds(59);
        Assert.Same(job, store.Find(job.Id));
        clock.Now += TimeSpan.FromSeconds(2);
        Assert.Null(store.Find(job.Id));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void The_oldest_jobs_go_first_when_the_count_or_byte_bound_is_exceeded()
    {
        var store = new JobStore(new StudioOptions { MaxStoredJobs = 3, MaxStoredBytes = 1000 });
        var jobs = Enumerable.Range(0, 4).Select(_ => store.Create()).ToList();
        Assert.Null(store.Find(jobs[0].Id));
        Assert.NotNull(store.Find(jobs[1].Id));
        jobs[3].Put("big.png", new byte[900], "image/png");
        jobs[2].Put("big.png", new byte[200], "image/png");
        store.Trim();
        Assert.Null(store.Find(jobs[1].Id));
        Assert.Null(store.Find(jobs[2].Id));
        Assert.NotNull(store.Find(jobs[3].Id));
    }

    [Fact]
    public void Only_stored_names_are_returned()
    {
        var job = new JobStore(new StudioOptions()).Create();
        job.Put("output.png", [9], "image/png");
        Assert.Equal([9], job.Get("output.png")!.Bytes);
        Assert.Null(job.Get("../output.png"));
        Assert.Equal($"/api/jobs/{job.Id}/output.png", job.Url("output.png"));
    }
}

/// <summary>Problem documents carry the CLI's exit-code meanings.</summary>
public sealed class ProblemsTests
{
    [Theory]
    [InlineData(ExitCodes.BadInput, 400, "bad-input")]
    [InlineData(ExitCodes.Ambiguous, 409, "ambiguous")]
    [InlineData(ExitCodes.NotFound, 422, "not-found")]
    [InlineData(ExitCodes.ModelMissing, 503, "model-missing")]
    [InlineData(ExitCodes.Unsupported, 422, "unsupported")]
    [InlineData(ExitCodes.Other, 500, "internal")]
    public void Each_exit_code_maps_to_one_http_status_and_problem_type(int exit, int status, string name)
    {
        Assert.Equal(status, Problems.StatusFor(exit));
        var doc = Problems.Document(Problems.StatusFor(exit), exit, "t", "d");
        Assert.Equal("urn:intercog:problem:" + name, (string?)doc["type"]);
        Assert.Equal(exit, (int)doc["exit_code"]!);
    }

    [Fact]
    public void Exceptions_map_to_problems_and_a_full_queue_carries_retry_after()
    {
        var (doc, retry) = Problems.FromException(new InputException("x.png: truncated PNG"))!.Value;
        Assert.Equal(400, (int)doc["status"]!);
        Assert.Null(retry);
        var (busy, after) = Problems.FromException(new QueueFullException(7))!.Value;
        Assert.Equal(503, (int)busy["status"]!);
        Assert.Equal(7, after);
        Assert.Null(Problems.FromException(new InvalidOperationException("a bug")));
    }
}
