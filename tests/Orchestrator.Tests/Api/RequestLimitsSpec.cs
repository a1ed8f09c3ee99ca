using System.Net;
using System.Net.Http.Json;
using Orchestrator.Cli;
using Orchestrator.Http;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>A hostile client's requests: odd ids, slow bodies, floods of requests, oversized settings. Each is a 4xx that says why.</summary>
[Collection(ApiCollection.Name)]
public sealed class RequestLimitsSpec(ApiFixture api)
{
    [Fact]
    public async Task An_id_ending_in_a_newline_is_400_in_the_path_and_in_the_body_and_nothing_is_persisted()
    {
        var id = $"nl-{Guid.NewGuid():N}";
        using var post = await api.PostMessageAsync($"{id}%0A", new { text = "hello" });
        await ApiFixture.AssertProblemAsync(post, 400, "conversation id is not valid");
        using var get = await api.Http.GetAsync(api.At($"/v1/conversations/{id}%0A"));
        await ApiFixture.AssertProblemAsync(get, 400, "conversation id is not valid");
        using var create = await api.Http.PostAsJsonAsync(api.At("/v1/conversations"), new { id = id + "\n" });
        await ApiFixture.AssertProblemAsync(create, 400, "conversation id is not valid");

        Assert.Equal(0, await api.JournalEventsAsync(id));
        Assert.Equal(0, await api.JournalEventsAsync(id + "\n"));
    }

    [Fact]
    public async Task A_body_that_stalls_below_the_minimum_rate_is_408_not_500()
    {
        await using var host = await ApiHost.StartAsync(api.Node, "http://127.0.0.1:0",
            new ApiOptions { MinRequestBodyGracePeriod = TimeSpan.FromSeconds(2) }, CancellationToken.None);
        var response = await SendStalledBodyAsync(host);
        Assert.Equal(408, RawHttp.Status(response));
        Assert.Contains("slower than 240 bytes per second", response);
    }

    [Fact]
    public async Task A_body_that_does_not_arrive_within_the_body_read_timeout_is_408_not_500()
    {
        await using var host = await ApiHost.StartAsync(api.Node, "http://127.0.0.1:0",
            new ApiOptions { MinRequestBodyBytesPerSecond = 1, MinRequestBodyGracePeriod = TimeSpan.FromMinutes(1), BodyReadTimeout = TimeSpan.FromSeconds(1) }, CancellationToken.None);
        var response = await SendStalledBodyAsync(host);
        Assert.Equal(408, RawHttp.Status(response));
        Assert.Contains("did not arrive within 1 s", response);
    }

    [Fact]
    public async Task Requests_over_a_clients_rate_are_429_with_retry_after_and_healthz_is_never_limited()
    {
        await using var host = await ApiHost.StartAsync(api.Node, "http://127.0.0.1:0", new ApiOptions { RequestsPerSecond = 1, RequestBurst = 1 }, CancellationToken.None);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await api.Http.GetAsync(new Uri(host.Address, "/v1/conversations/never-there"));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited = response;
            else response.Dispose();
        }
        Assert.NotNull(limited);
        using (limited)
        {
            Assert.True(limited!.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.Headers.RetryAfter}");
            await ApiFixture.AssertProblemAsync(limited, 429, "1 requests per second");
        }
        Assert.Equal(HttpStatusCode.NotFound, statuses[0]);
        for (var i = 0; i < 5; i++)
        {
            using var health = await api.Http.GetAsync(new Uri(host.Address, "/healthz"));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
    }

    [Theory]
    [InlineData("{\"model\": \"MODEL\"}", "\"model\" has 200 characters; the limit is 128")]
    [InlineData("{\"model\": \"gpt 5; rm -rf\"}", "\"model\" may hold only")]
    [InlineData("{\"instructions\": \"INSTRUCTIONS\"}", "\"instructions\" have 2000 bytes (UTF-8); the limit is 1024")]
    [InlineData("{\"instructions\": \"a\\u0000b\"}", "\"instructions\" may not hold control characters")]
    public async Task A_model_or_instructions_over_their_limits_is_400_naming_the_field_and_the_limit(string body, string detail)
    {
        await using var host = await ApiHost.StartAsync(api.Node, "http://127.0.0.1:0", new ApiOptions { MaxInstructionsBytes = 1024 }, CancellationToken.None);
        var id = $"limits-{Guid.NewGuid():N}";
        body = body.Replace("MODEL", new string('m', 200)).Replace("INSTRUCTIONS", new string('i', 2000)).Replace("{", $"{{\"id\": \"{id}\", ");
        using var response = await api.Http.PostAsync(new Uri(host.Address, "/v1/conversations"), new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await ApiFixture.AssertProblemAsync(response, 400, detail);
        Assert.Equal(0, await api.JournalEventsAsync(id));
    }

    /// <summary>Headers promising 100 bytes, one byte, then nothing more: the response the node answers with.</summary>
    private static async Task<string> SendStalledBodyAsync(ApiHost host)
    {
        using var timeout = new CancellationTokenSource(ApiFixture.Timeout);
        using var connection = await RawHttp.ConnectAsync(host.Address, timeout.Token);
        await connection.SendAsync(
            "POST /v1/conversations/slow-body/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
            timeout.Token);
        return await connection.ReadResponseAsync(timeout.Token);
    }
}
