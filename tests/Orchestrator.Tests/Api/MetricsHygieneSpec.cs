using System.Globalization;
using System.Text.RegularExpressions;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>
/// What a Prometheus scrape of a node holds after turns: histogram buckets that fit their unit, no path in any label,
/// and a request-size instrument whose series do not multiply with the rounds a client's message asks for. Alone in
/// the process, on a node of its own: the meter is process-wide, and other tests' turns would add to the series.
/// </summary>
[Collection(RunAloneCollection.Name)]
public sealed class MetricsHygieneSpec
{
    [Fact]
    public async Task The_scrape_has_second_buckets_no_paths_and_as_many_request_size_series_after_12_rounds_as_after_2()
    {
        var api = new ApiFixture();
        await api.InitializeAsync();
        try
        {
            await api.RunTurnAsync(await api.CreateAsync(), new { text = "short tools:1 rounds:2" });
            var afterTwoRounds = Series(await api.Http.GetStringAsync(api.At("/metrics")), "orchestrator_request_bytes_count");
            await api.RunTurnAsync(await api.CreateAsync(), new { text = "long tools:1 rounds:12" });
            var scrape = await api.Http.GetStringAsync(api.At("/metrics"));

            // One series per kind and position (first or later), whatever the rounds: not one per round index.
            var afterTwelveRounds = Series(scrape, "orchestrator_request_bytes_count");
            Assert.Equal(afterTwoRounds, afterTwelveRounds);
            Assert.All(afterTwelveRounds, labels => Assert.Matches("^otel_scope_name=\"Orchestrator\",kind=\"(continuation|full)\",position=\"(first|later)\"$", labels));

            var boundaries = Regex.Matches(scrape, "^orchestrator_turn_duration_seconds_bucket\\{[^}]*le=\"([^\"]+)\"", RegexOptions.Multiline)
                .Select(m => m.Groups[1].Value).Where(le => le != "+Inf").Select(le => double.Parse(le, CultureInfo.InvariantCulture)).Distinct();
            Assert.Equal(HistogramBuckets.Seconds.HistogramBucketBoundaries!, boundaries);
            Assert.Contains("orchestrator_turn_duration_seconds_bucket{", scrape);

            var values = Regex.Matches(scrape, "[a-zA-Z_]+=\"((?:[^\"\\\\]|\\\\.)*)\"").Select(m => m.Groups[1].Value).ToList();
            Assert.NotEmpty(values);
            Assert.DoesNotContain(values, value => value.Contains('/') || value.Contains('\\'));
            // The journal's commits name their database by its file only.
            Assert.Contains("db_namespace=\"orchestrator.db\"", scrape);
        }
        finally
        {
            await api.DisposeAsync();
        }
    }

    /// <summary>The label sets of <paramref name="metric"/>'s lines in the scrape, in order.</summary>
    private static List<string> Series(string scrape, string metric) =>
        Regex.Matches(scrape, $"^{metric}\\{{([^}}]*)\\}}", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Order().ToList();
}
